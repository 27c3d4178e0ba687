package dev.plumbline.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Bad --secret-env / --secret-pattern stop `run` before anything is traced: one line, exit 125. */
class RunRedactionOptionsTest {
  @Test
  void badSecretPatternIsOneLineAndUsageExit(@TempDir Path dir) {
    Path marker = dir.resolve("ran");
    int[] code = new int[1];
    String[] err = RunEgressOptionsTest.runWith(code, "run", "--secret-pattern", "acme_[", "--", "/usr/bin/touch", marker.toString());
    assertEquals(ExitCodes.RUN_USAGE, code[0]);
    assertEquals(1, err.length, String.join("\n", err));
    assertTrue(err[0].startsWith("plumbline: secret pattern 'acme_[' is not a regular expression"), err[0]);
    assertFalse(Files.exists(marker), "the build did not run");
  }

  @Test
  void badSecretEnvNameIsOneLineAndUsageExit(@TempDir Path dir) {
    Path marker = dir.resolve("ran");
    int[] code = new int[1];
    String[] err = RunEgressOptionsTest.runWith(code, "run", "--secret-env", "A B", "--", "/usr/bin/touch", marker.toString());
    assertEquals(ExitCodes.RUN_USAGE, code[0]);
    assertEquals(1, err.length, String.join("\n", err));
    assertTrue(err[0].startsWith("plumbline: secret variable name 'A B' must be"), err[0]);
    assertFalse(Files.exists(marker), "the build did not run");
  }
}
