package dev.plumbline.sigstore.fake;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.sigstore.merkle.InclusionProofVerificationException;
import dev.sigstore.merkle.InclusionProofVerifier;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/** The fake log's tree against sigstore-java's independent inclusion-proof verifier. */
class MerkleTreeTest {
  @Test
  void everyAuditPathOfTreesUpTo17LeavesVerifies() throws Exception {
    MerkleTree t = new MerkleTree();
    for (int n = 1; n <= 17; n++) {
      t.append(("leaf " + n).getBytes());
      for (int m = 0; m < n; m++) {
        InclusionProofVerifier.verify(
            MerkleTree.leafHash(("leaf " + (m + 1)).getBytes()), (long) m, (long) n, t.path(m, n), t.root(n));
      }
    }
  }

  @Test
  void aPathForTheWrongLeafDoesNotVerify() {
    MerkleTree t = new MerkleTree();
    for (int i = 0; i < 5; i++) {
      t.append(new byte[] {(byte) i});
    }
    assertThrows(InclusionProofVerificationException.class,
        () -> InclusionProofVerifier.verify(MerkleTree.leafHash(new byte[] {1}), 2L, 5L, t.path(2, 5), t.root(5)));
  }

  @Test
  void emptyTreeRootIsTheHashOfNothing() {
    assertArrayEquals(HexFormat.of().parseHex("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"), new MerkleTree().root(0));
  }
}
