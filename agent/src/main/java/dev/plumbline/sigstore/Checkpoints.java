package dev.plumbline.sigstore;

import dev.sigstore.encryption.signers.Verifiers;
import dev.sigstore.rekor.client.RekorEntry;
import dev.sigstore.rekor.client.RekorParseException;
import dev.sigstore.trustroot.TransparencyLog;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;

/**
 * Checkpoint (signed tree head note) verification that finds the log's signature by its key hint
 * (the first 4 bytes of the log id) and a signer name designating the log: its URL's host, its
 * host:port, or the name the signed origin line starts with (sigstore-java accepts only the host).
 */
final class Checkpoints {
  private Checkpoints() {}

  static void verify(RekorEntry entry, List<TransparencyLog> tlogs) throws SigstoreVerificationException {
    try {
      verifyUnchecked(entry, tlogs);
    } catch (RuntimeException e) {
      throw fail("checkpoint could not be checked: " + TrustRoots.describe(e));
    }
  }

  private static void verifyUnchecked(RekorEntry entry, List<TransparencyLog> tlogs) throws SigstoreVerificationException {
    var proof = entry.getVerification().getInclusionProof();
    if (proof == null || proof.getCheckpoint() == null || proof.getCheckpoint().isEmpty()) {
      throw fail("the entry has no checkpoint");
    }
    RekorEntry.Checkpoint checkpoint;
    try {
      checkpoint = proof.parsedCheckpoint();
    } catch (RekorParseException | RuntimeException e) {
      throw fail("checkpoint is malformed: " + TrustRoots.describe(e));
    }
    byte[] proofRoot = HexFormat.of().parseHex(proof.getRootHash());
    byte[] checkpointRoot = Base64.getDecoder().decode(checkpoint.getBase64Hash());
    if (!Arrays.equals(proofRoot, checkpointRoot)) {
      throw fail("checkpoint root hash does not match the inclusion proof's");
    }
    if (checkpoint.getSize() == null || checkpoint.getSize() != proof.getTreeSize().longValue()) {
      throw fail("checkpoint tree size does not match the inclusion proof's");
    }
    TransparencyLog tlog =
        TransparencyLog.find(tlogs, HexFormat.of().parseHex(entry.getLogID()))
            .orElseThrow(() -> fail("the entry's log is not in the trusted root"));
    byte[] hint = Arrays.copyOf(tlog.getLogId().getKeyId(), 4);
    byte[] signed = checkpoint.getSignedData().getBytes(StandardCharsets.UTF_8);
    // the note's signer name is not signed: accept only names that designate this log
    String originName = checkpoint.getOrigin().split(" ", 2)[0];
    var names = new java.util.HashSet<>(List.of(String.valueOf(tlog.getBaseUrl().getHost()), String.valueOf(tlog.getBaseUrl().getAuthority()), originName));
    for (RekorEntry.CheckpointSignature sig : checkpoint.getSignatures()) {
      if (!Arrays.equals(sig.getKeyHint(), hint) || !names.contains(sig.getIdentity())) {
        continue;
      }
      try {
        if (Verifiers.newVerifier(tlog.getPublicKey().toJavaPublicKey()).verify(signed, sig.getSignature())) {
          return;
        }
      } catch (GeneralSecurityException | RuntimeException e) {
        throw fail("checkpoint signature could not be checked: " + TrustRoots.describe(e));
      }
      throw fail("checkpoint signature was invalid");
    }
    throw fail("checkpoint has no signature by the log's key");
  }

  private static SigstoreVerificationException fail(String message) {
    return new SigstoreVerificationException("transparency log", message);
  }
}
