package dev.plumbline.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.plumbline.testing.Cli;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code run --verify}: the agent that traced and signed the build verifies the bundle it wrote. */
@Tag("needs-ptrace")
class RunSelfCheckTest {
  @TempDir Path dir;

  private Path key() {
    assertEquals(0, Cli.run("keygen", "--prefix", dir.resolve("k").toString()).code());
    return dir.resolve("k.key");
  }

  private Path policy(String fingerprint) throws Exception {
    return Files.writeString(dir.resolve("policy.yaml"), String.join("\n",
        "apiVersion: plumbline.dev/v1", "kind: BuildPolicy", "metadata:", "  name: test",
        "signer:", "  keyFingerprints:", "    - '" + fingerprint + "'", ""));
  }

  @Test
  void aSignedBuildIsVerifiedWithTheKeyItWasSignedWith() throws Exception {
    Path key = key();
    Path out = dir.resolve("out.txt");
    Cli.Result r = Cli.run("run", "--key", key.toString(), "--verify", "--subject", out.toString(),
        "--bundle", dir.resolve("b.json").toString(), "--", "/bin/sh", "-c", "echo product > " + out).assertNoStackTrace();
    assertEquals(0, r.code(), r.err());
    assertTrue(r.err().contains("VERIFIED"), r.err());
    // the same bundle, checked by the verify command, agrees
    Cli.Result v = Cli.run("verify", "--bundle", dir.resolve("b.json").toString(), "--key", dir.resolve("k.pub").toString(), out.toString());
    assertEquals(0, v.code(), v.err());
  }

  @Test
  void aSubjectGivenByDigestIsVerifiedByThatDigest() throws Exception {
    Path key = key();
    String digest = "sha256:" + "ab".repeat(32);
    Cli.Result r = Cli.run("run", "--key", key.toString(), "--verify", "--subject-digest", "ghcr.io/acme/app@" + digest,
        "--bundle", dir.resolve("b.json").toString(), "--", "/bin/true").assertNoStackTrace();
    assertEquals(0, r.code(), r.err());
    assertTrue(r.err().contains("VERIFIED"), r.err());
    Cli.Result v = Cli.run("verify", "--bundle", dir.resolve("b.json").toString(), "--key", dir.resolve("k.pub").toString(), digest);
    assertEquals(0, v.code(), v.err());
  }

  @Test
  void aPolicyTheBuildBreaksIsRejectedWithExitOne() throws Exception {
    Path key = key();
    Path policy = policy("sha256:" + "0".repeat(64));
    Path record = dir.resolve("record.json");
    Cli.Result r = Cli.run("run", "--key", key.toString(), "--verify", "--policy", policy.toString(), "--record", record.toString(),
        "--bundle", dir.resolve("b.json").toString(), "--", "/bin/true").assertNoStackTrace();
    assertEquals(1, r.code(), r.err());
    assertTrue(r.err().contains("REJECTED"), r.err());
    assertTrue(Files.isRegularFile(dir.resolve("b.json")), "the bundle is written all the same");
  }

  @Test
  void badSelfCheckOptionsAreRefusedBeforeTheBuildRuns() throws Exception {
    Path marker = dir.resolve("ran");
    Cli.Result noSigner = Cli.run("run", "--verify", "--", "/bin/touch", marker.toString()).assertNoStackTrace();
    assertEquals(125, noSigner.code(), noSigner.err());
    assertEquals(1, noSigner.errorLines(), noSigner.err());
    assertTrue(noSigner.err().contains("--verify checks what was signed"), noSigner.err());

    Path key = key();
    Cli.Result noPolicy = Cli.run("run", "--key", key.toString(), "--verify", "--policy", dir.resolve("missing.yaml").toString(),
        "--bundle", dir.resolve("b.json").toString(), "--", "/bin/touch", marker.toString()).assertNoStackTrace();
    assertEquals(125, noPolicy.code(), noPolicy.err());
    assertTrue(noPolicy.err().contains("--policy"), noPolicy.err());

    Cli.Result policyAlone = Cli.run("run", "--key", key.toString(), "--policy", policy("sha256:" + "0".repeat(64)).toString(),
        "--bundle", dir.resolve("b.json").toString(), "--", "/bin/touch", marker.toString()).assertNoStackTrace();
    assertEquals(125, policyAlone.code(), policyAlone.err());
    assertTrue(policyAlone.err().contains("go with --verify"), policyAlone.err());
    assertFalse(Files.exists(marker), "no build ran");
  }

  /**
   * A payload bind-mounted over the compiler in the build's own mount namespace (unshare -Urm) runs
   * as gcc's path: a policy allowing /usr/bin/* by path must reject it, and accept the same build
   * running the real compiler, which keeps its path.
   */
  @Test
  void aPayloadBindMountedOverTheCompilerDoesNotPassAsTheCompiler() throws Exception {
    Path key = key();
    String gcc = Path.of("/usr/bin/gcc").toRealPath().toString();
    Path payload = Files.copy(Path.of("/bin/true").toRealPath(), dir.resolve("payload"));
    Path policy = Files.writeString(dir.resolve("tools.yaml"), String.join("\n",
        "apiVersion: plumbline.dev/v1", "kind: BuildPolicy", "tools:", "  allowed:", "    - path: '/usr/bin/*'", ""));
    Cli.Result real = Cli.run("run", "--key", key.toString(), "--verify", "--policy", policy.toString(),
        "--record", dir.resolve("real-record.json").toString(), "--bundle", dir.resolve("real.json").toString(), "--", "unshare", "-Urm", "/bin/sh", "-c",
        gcc + " --version > /dev/null").assertNoStackTrace();
    assertEquals(0, real.code(), real.err());
    Path record = dir.resolve("record.json");
    Cli.Result fake = Cli.run("run", "--key", key.toString(), "--verify", "--policy", policy.toString(),
        "--record", record.toString(), "--bundle", dir.resolve("fake.json").toString(), "--", "unshare", "-Urm",
        "/bin/sh", "-c", "mount --bind " + payload + " " + gcc + " && " + gcc + " --version").assertNoStackTrace();
    assertEquals(1, fake.code(), fake.err());
    assertTrue(fake.err().contains("REJECTED") && fake.err().contains("(build view)" + gcc), fake.err());
    String json = Files.readString(record);
    assertTrue(json.contains("\"(build view)" + gcc + "\""), "the record names it the build's way: " + json);
    String digest = java.util.HexFormat.of().formatHex(
        java.security.MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(payload)));
    assertTrue(fake.err().contains("FAIL policy tools.allowed: a tool not in the allowlist ran: (build view)" + gcc
        + " sha256:" + digest), "the digest is of what ran: " + fake.err());
    assertTrue(fake.err().contains("Completeness: complete"), fake.err());
  }
}
