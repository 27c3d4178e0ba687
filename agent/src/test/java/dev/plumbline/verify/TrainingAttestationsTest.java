package dev.plumbline.verify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.plumbline.cli.ExitCodes;
import dev.plumbline.testing.Cli;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The two Plumbline attestations scripts/dist trains the AppCDS class list on (a key-signed one
 * from a traced {@code run}, a keyless one signed against the test Fulcio and Rekor): they must
 * verify through every step, or the training would stop early and leave the later steps' classes
 * out of the archive without anyone noticing; and a changed artifact is still rejected.
 */
class TrainingAttestationsTest {
  static final String IDENTITY = "https://github.com/acme/app/.github/workflows/build.yml@refs/heads/main";
  static final String ISSUER = "https://token.actions.githubusercontent.com";

  @TempDir Path dir;

  static Path attestations() {
    try {
      return Path.of(TrainingAttestationsTest.class.getResource("/dev/plumbline/verify/attestations/key/key.pub").toURI()).getParent().getParent();
    } catch (URISyntaxException e) {
      throw new AssertionError(e);
    }
  }

  static Cli.Result verifyKey(Path artifact) {
    Path k = attestations().resolve("key");
    return Cli.run("verify", "--bundle", k.resolve("bundle.sigstore.json").toString(), "--key", k.resolve("key.pub").toString(),
        artifact.toString()).assertNoStackTrace();
  }

  static Cli.Result verifyKeyless(Path artifact) {
    Path k = attestations().resolve("keyless");
    return Cli.run("verify", "--bundle", k.resolve("plumbline.sigstore.json").toString(), "--trusted-root", k.resolve("trusted_root.json").toString(),
        "--certificate-identity", IDENTITY, "--certificate-oidc-issuer", ISSUER, artifact.toString()).assertNoStackTrace();
  }

  @Test
  void theKeySignedAttestationVerifiesThroughEveryStep() {
    Cli.Result r = verifyKey(attestations().resolve("key/a.txt"));
    assertEquals(ExitCodes.OK, r.code(), r.err());
    for (String step : new String[] {"bundle", "signature", "payloadType", "statement", "subject", "predicateType", "completeness"}) {
      assertTrue(r.err().contains("ok   " + step + ":"), step + " missing in\n" + r.err());
    }
  }

  @Test
  void theKeylessAttestationVerifiesThroughEveryStep() {
    Cli.Result r = verifyKeyless(attestations().resolve("keyless/app.tar.gz"));
    assertEquals(ExitCodes.OK, r.code(), r.err());
    assertTrue(r.err().contains("transparency log"), r.err());
    assertTrue(r.err().contains("ok   signer: " + IDENTITY), r.err());
    for (String step : new String[] {"bundle", "payloadType", "statement", "subject", "predicateType", "completeness"}) {
      assertTrue(r.err().contains("ok   " + step + ":"), step + " missing in\n" + r.err());
    }
  }

  @Test
  void anotherArtifactIsRejectedByBoth() throws Exception {
    Path other = Files.writeString(dir.resolve("a.txt"), "hi!\n");
    Cli.Result key = verifyKey(other);
    assertEquals(ExitCodes.REJECTED, key.code(), key.err());
    assertTrue(key.err().contains("REJECTED: subject"), key.err());
    Cli.Result keyless = verifyKeyless(other);
    assertEquals(ExitCodes.REJECTED, keyless.code(), keyless.err());
  }
}
