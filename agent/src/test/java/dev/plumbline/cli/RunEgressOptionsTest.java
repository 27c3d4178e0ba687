package dev.plumbline.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** Bad egress options stop `run` before anything is traced: one line, exit 125. */
@Tag("needs-ptrace")
class RunEgressOptionsTest {
  static String[] runWith(int[] code, String... args) {
    StringWriter err = new StringWriter();
    CommandLine cl = Main.commandLine();
    cl.setErr(new PrintWriter(err));
    code[0] = cl.execute(args);
    return err.toString().lines().toArray(String[]::new);
  }

  @Test
  void badAllowRuleIsOneLineAndUsageExit(@TempDir Path dir) throws Exception {
    Path marker = dir.resolve("ran");
    int[] code = new int[1];
    String[] err = runWith(code, "run", "--egress", "block", "--allow", "10.0.0.1/8", "--", "/usr/bin/touch", marker.toString());
    assertEquals(ExitCodes.RUN_USAGE, code[0]);
    assertEquals(1, err.length, String.join("\n", err));
    assertTrue(err[0].startsWith("plumbline: --allow '10.0.0.1/8' has host bits set"), err[0]);
    assertFalse(Files.exists(marker), "the build did not run");
  }

  @Test
  void badEgressModeIsRefusedByTheOptionParserBeforeAnythingRuns(@TempDir Path dir) throws Exception {
    Path marker = dir.resolve("ran");
    int[] code = new int[1];
    String[] err = runWith(code, "run", "--egress", "enforce", "--", "/usr/bin/touch", marker.toString());
    assertEquals(ExitCodes.RUN_USAGE, code[0]);
    assertTrue(err[0].startsWith("plumbline: ") && err[0].contains("--egress must be audit or block, not 'enforce'"), err[0]);
    assertFalse(Files.exists(marker), "the build did not run");
    RunCommand parsed = new RunCommand();
    new CommandLine(RunCommand.spec(parsed)).parseArgs("--egress", "BLOCK", "--", "true");
    assertEquals(dev.plumbline.egress.EgressMode.BLOCK, parsed.egress);
  }

  @Test
  void badAllowFileLineIsNamed(@TempDir Path dir) throws Exception {
    Path f = Files.writeString(dir.resolve("allow.txt"), "ok.example:443\n*.bad*.example\n");
    int[] code = new int[1];
    String[] err = runWith(code, "run", "--allow-file", f.toString(), "--", "/bin/true");
    assertEquals(ExitCodes.RUN_USAGE, code[0]);
    assertEquals(1, err.length, String.join("\n", err));
    assertTrue(err[0].startsWith("plumbline: " + f + ":2: "), err[0]);

    err = runWith(code, "run", "--allow-file", dir.resolve("missing.txt").toString(), "--", "/bin/true");
    assertEquals(ExitCodes.RUN_USAGE, code[0]);
    assertTrue(err[0].contains("missing.txt: allow file not found"), err[0]);
  }

  private static java.util.Set<Thread> threads(String prefix) {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(t -> t.getName().startsWith(prefix) && t.isAlive())
        .collect(java.util.stream.Collectors.toSet());
  }

  /** A run refused before its build (here for its record) leaves no DNS resolver running. */
  @Test
  void aRunRefusedForItsRecordLeavesNoResolverBehind(@TempDir Path dir) throws Exception {
    java.util.Set<Thread> before = threads("plumbline-dns-listen-");
    Path marker = dir.resolve("ran");
    int[] code = new int[1];
    String[] err = runWith(code, "run", "--record", dir.toString(), "--", "/usr/bin/touch", marker.toString());
    assertEquals(ExitCodes.RUN_USAGE, code[0]);
    assertTrue(err[0].contains("it is a directory"), String.join("\n", err));
    assertFalse(Files.exists(marker), "the build did not run");
    java.util.Set<Thread> left = threads("plumbline-dns-listen-");
    left.removeAll(before);
    for (Thread t : left) {
      t.join(10_000);
    }
    left.removeIf(t -> !t.isAlive());
    assertEquals(java.util.Set.of(), left, "the DNS resolver's listeners outlived the refused run");
  }
}
