package dev.plumbline.action;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.plumbline.sigstore.fake.FakeSigstore;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The action signing keyless (scripts/test-action --scenario keyless) against the test suite's
 * loopback Fulcio, Rekor and GitHub token service.
 */
class ActionKeylessIT {
  private static final Path ROOT = Path.of(System.getProperty("plumbline.root", "..")).toAbsolutePath().normalize();

  @TempDir Path dir;

  @Test
  void theActionSignsKeylessAndVerifiesTheCalledWorkflowsIdentity() throws Exception {
    try (FakeSigstore fake = new FakeSigstore()) {
      ProcessBuilder pb = new ProcessBuilder(ROOT.resolve("scripts/test-action").toString(), "--scenario", "keyless")
          .directory(ROOT.toFile()).redirectErrorStream(true);
      for (String v : new String[] {"GITHUB_WORKSPACE", "RUNNER_TEMP", "GITHUB_OUTPUT", "GITHUB_STEP_SUMMARY", "GITHUB_ENV", "GITHUB_PATH"}) {
        pb.environment().remove(v);
      }
      pb.environment().put("TEST_ACTION_TRUSTED_ROOT", fake.writeTrustedRoot(dir).toString());
      pb.environment().put("TEST_ACTION_SIGNING_CONFIG", fake.writeSigningConfig(dir).toString());
      pb.environment().put("TEST_ACTION_TOKEN_URL", fake.tokenRequestUrl());
      pb.environment().put("TEST_ACTION_TOKEN_BEARER", FakeSigstore.TOKEN_REQUEST_BEARER);
      Process p = pb.start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertTrue(p.waitFor(10, TimeUnit.MINUTES), "test-action finished");
      assertEquals(0, p.exitValue(), out);
      assertTrue(out.contains("ok   keyless (auto, public repository) signs and verifies against the called workflow's identity"), out);
      assertTrue(out.contains("ok   the build could not request an OIDC token"), out);
      assertTrue(fake.calls.stream().anyMatch(c -> c.server().equals("rekor")), "Rekor was used: " + fake.calls);
    }
  }
}
