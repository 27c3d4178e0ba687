package dev.plumbline.sigstore;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.plumbline.testing.Processes;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A build signed keyless must not see the sources of the identity it is signed with, through the
 * real launcher. An integration test: scripts/plumbline needs the packaged jar, which the unit-test
 * phase does not have yet on a fresh clone (it ran a stale jar, or none, as a unit test).
 */
@Tag("needs-ptrace")
class IdentityTokenIsolationIT {
  /** Through the real launcher: the traced build's environment lacks them, the agent still has them. */
  @Test
  void tracedBuildDoesNotInheritTheTokenRequestCredentials(@TempDir Path dir) throws Exception {
    Path root = Path.of(System.getProperty("plumbline.root", ".."));
    Path launcher = root.resolve("scripts/plumbline").toAbsolutePath();
    Path seen = dir.resolve("env.txt");
    List<String> cmd = new ArrayList<>(List.of(launcher.toString(), "run", "--keyless", "--",
        "sh", "-c", "env > " + seen));
    Processes.Result p =
        Processes.run(cmd, dir, Duration.ofSeconds(120), e -> {
          e.put("ACTIONS_ID_TOKEN_REQUEST_URL", "http://127.0.0.1:9/token");
          e.put("ACTIONS_ID_TOKEN_REQUEST_TOKEN", "bearer-secret-123");
          e.put("MARKER_FOR_TEST", "still-here");
        });
    String out = p.output();
    String env = Files.readString(seen);
    assertTrue(env.contains("MARKER_FOR_TEST=still-here"), "the build ran with the environment: " + out);
    assertTrue(!env.contains("ACTIONS_ID_TOKEN_REQUEST"), "token request credentials leaked into the build:\n" + env);
    // signing then fails (nothing listens on 127.0.0.1:9), which proves the agent kept its copy
    assertEquals(121, p.exit(), out);
  }
}
