package dev.plumbline.sigstore;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.plumbline.sigstore.fake.FakeSigstore;
import dev.plumbline.testing.Cli;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code plumbline run --keyless} traces a real build, signs through loopback Fulcio/Rekor, and the bundle verifies. */
@Tag("needs-ptrace")
class RunKeylessTest {
  @TempDir Path dir;

  @Test
  void runKeylessThenVerifyWithTheCertificateIdentity() throws Exception {
    try (FakeSigstore fake = new FakeSigstore()) {
      Path root = fake.writeTrustedRoot(dir);
      Path config = fake.writeSigningConfig(dir);
      Path out = dir.resolve("out.txt");
      Path bundle = dir.resolve("keyless.sigstore.json");
      Path token = dir.resolve("token");
      Files.writeString(token, fake.mintToken("sigstore") + "\n");
      Cli.Result run = Cli.run("run", "--keyless", "--identity-token-file", token.toString(),
          "--trusted-root", root.toString(), "--signing-config", config.toString(),
          "--subject", out.toString(), "--bundle", bundle.toString(), "--record", dir.resolve("record.json").toString(),
          "--", "/bin/sh", "-c", "echo built > " + out);
      assertEquals(0, run.code(), run.err());
      assertTrue(Files.exists(bundle), run.err());
      Cli.Result ok = Cli.run("verify", "--bundle", bundle.toString(), "--certificate-identity", FakeSigstore.workflowIdentity(),
          "--certificate-oidc-issuer", FakeSigstore.ISSUER, "--trusted-root", root.toString(), out.toString()).assertNoStackTrace();
      assertEquals(0, ok.code(), ok.err());
      assertTrue(ok.err().contains("VERIFIED"), ok.err());
    }
  }

  @Test
  void aTokenOnTheCommandLineIsRefusedBeforeTheBuildRuns() {
    Path marker = dir.resolve("ran");
    Cli.Result run = Cli.run("run", "--keyless", "--identity-token", "eyJhbGciOiJub25lIn0.e30.x",
        "--", "/bin/sh", "-c", "touch " + marker).assertNoStackTrace();
    assertEquals(125, run.code(), run.err());
    assertTrue(run.err().contains("--identity-token-file"), run.err());
    assertTrue(!Files.exists(marker), "the build must not run");
  }
}
