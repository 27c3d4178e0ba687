package dev.plumbline.verify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.plumbline.cli.ExitCodes;
import dev.plumbline.testing.Cli;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * The Sigstore conformance suite's key-signed bundles, made by another client (hashedrekord
 * message signatures over a.txt): the happy paths verify, the wrong-key and no-key cases are rejected.
 */
class ManagedKeyConformanceTest {
  static Path cases() {
    try {
      return Path.of(ManagedKeyConformanceTest.class.getResource("/sigstore-conformance/a.txt").toURI()).getParent();
    } catch (URISyntaxException e) {
      throw new AssertionError(e);
    }
  }

  /** These bundles are plain message signatures, not build attestations: verified only when asked to. */
  private static Cli.Result verify(String name, boolean withKey, String artifact) {
    Path c = cases().resolve(name);
    return withKey
        ? Cli.run("verify", "--allow-non-attestation", "--bundle", c.resolve("bundle.sigstore.json").toString(), "--key", c.resolve("key.pub").toString(), artifact).assertNoStackTrace()
        : Cli.run("verify", "--allow-non-attestation", "--bundle", c.resolve("bundle.sigstore.json").toString(), artifact).assertNoStackTrace();
  }

  @Test
  void withoutBeingAskedAMessageSignatureIsNoAttestation() {
    Path c = cases().resolve("managed-key-happy-path");
    Cli.Result r = Cli.run("verify", "--bundle", c.resolve("bundle.sigstore.json").toString(), "--key",
        c.resolve("key.pub").toString(), cases().resolve("a.txt").toString()).assertNoStackTrace();
    assertEquals(ExitCodes.REJECTED, r.code(), r.err());
    assertTrue(r.err().contains("REJECTED: payloadType: a plain message signature"), r.err());
  }

  @Test
  void happyPathVerifiesOverTheArtifact() {
    Cli.Result r = verify("managed-key-happy-path", true, cases().resolve("a.txt").toString());
    assertEquals(ExitCodes.OK, r.code(), r.err());
    assertTrue(r.err().contains("message signature over the artifact verifies"), r.err());
  }

  @Test
  void happyPathVerifiesGivenOnlyTheDigest() throws Exception {
    String hex = dev.plumbline.attest.Subjects.sha256Hex(cases().resolve("a.txt"));
    assertEquals(ExitCodes.OK, verify("managed-key-happy-path", true, "sha256:" + hex).code());
  }

  @Test
  void managedKeyWithTrustedRootVerifies() {
    Cli.Result r = verify("managed-key-and-trusted-root", true, cases().resolve("a.txt").toString());
    assertEquals(ExitCodes.OK, r.code(), r.err());
  }

  @Test
  void otherArtifactIsRejected() throws Exception {
    Path other = Files.createTempFile("not-a", ".txt");
    Files.writeString(other, "something else\n");
    Cli.Result r = verify("managed-key-happy-path", true, other.toString());
    assertEquals(ExitCodes.REJECTED, r.code(), r.err());
    assertTrue(r.err().contains("not the artifact"), r.err());
  }

  @Test
  void wrongKeyIsRejected() {
    Cli.Result r = verify("managed-key-wrong-key_fail", true, cases().resolve("a.txt").toString());
    // its key.pub is a corrupted key: the point is not on the curve
    assertEquals(ExitCodes.USAGE, r.code(), r.err());
    assertEquals(1, r.err().lines().count(), r.err());
    assertTrue(r.err().contains("not on the P-256 curve"), r.err());
  }

  @Test
  void noKeyIsRejected() {
    Cli.Result r = verify("managed-key-no-key_fail", false, cases().resolve("a.txt").toString());
    assertNotEquals(ExitCodes.OK, r.code(), r.err());
    assertTrue(r.err().contains("--key"), r.err());
  }

  @Test
  void aValidKeyThatDidNotSignIsRejected() throws Exception {
    Path dir = Files.createTempDirectory("mk");
    assertEquals(0, Cli.run("keygen", "--prefix", dir.resolve("k").toString()).code());
    Path c = cases().resolve("managed-key-happy-path");
    Cli.Result r = Cli.run("verify", "--bundle", c.resolve("bundle.sigstore.json").toString(), "--key", dir.resolve("k.pub").toString(),
        cases().resolve("a.txt").toString()).assertNoStackTrace();
    assertEquals(ExitCodes.REJECTED, r.code(), r.err());
    assertTrue(r.err().contains("does not verify with key"), r.err());
  }
}
