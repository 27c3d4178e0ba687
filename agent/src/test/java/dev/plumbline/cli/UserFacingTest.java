package dev.plumbline.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.plumbline.testing.Cli;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** What a person sees from the CLI: help that fits, complete sentences, one-line errors (QA findings). */
@Tag("needs-ptrace")
class UserFacingTest {
  @TempDir Path dir;

  private static final List<List<String>> COMMANDS = List.of(
      List.of(), List.of("run"), List.of("verify"), List.of("keygen"), List.of("policy"),
      List.of("policy", "init"), List.of("policy", "check"), List.of("report"));

  private static String[] with(List<String> command, String... more) {
    List<String> args = new java.util.ArrayList<>(command);
    args.addAll(List.of(more));
    return args.toArray(String[]::new);
  }

  @Test
  void everyHelpFitsIn100ColumnsAndListsCommandsInWholeSentences() {
    for (List<String> command : COMMANDS) {
      Cli.Result r = Cli.run(with(command, "--help"));
      assertEquals(0, r.code(), command.toString());
      assertTrue(r.out().startsWith("Usage: plumbline"), command + ":\n" + r.out());
      r.out().lines().forEach(l -> assertTrue(l.length() <= 100, command + ": line longer than 100: " + l));
      // picocli wrapped hand-wrapped lines at 80 columns: a line of one or two words was left over
      List<String> lines = r.out().lines().toList();
      int commands = lines.indexOf("Commands:");
      if (commands >= 0) {
        for (int i = commands + 1; i < lines.size() && !lines.get(i).isBlank(); i++) {
          String entry = lines.get(i);
          boolean continued = i + 1 < lines.size() && lines.get(i + 1).startsWith("     ");
          if (!continued && !entry.startsWith("     ")) {
            assertTrue(entry.endsWith("."), command + ": command summary cut mid-sentence: " + entry);
          }
        }
      }
    }
  }

  /**
   * main builds only the subcommand it is asked for (start-up): its help, version and usage errors
   * must be those of the full tree.
   */
  @ParameterizedTest
  @ValueSource(strings = {"run", "verify", "query", "keygen", "policy", "report", "ci", "sigstore-conformance"})
  void theOneCommandTreeLooksLikeTheFullOne(String command) {
    for (List<String> args : List.of(List.of(command, "--help"), List.of(command, "--version"),
        List.of(command, "--no-such-option"))) {
      java.io.StringWriter fastOut = new java.io.StringWriter();
      java.io.StringWriter fastErr = new java.io.StringWriter();
      java.io.StringWriter fullOut = new java.io.StringWriter();
      java.io.StringWriter fullErr = new java.io.StringWriter();
      picocli.CommandLine fast = Main.commandLineFor(args.toArray(String[]::new));
      assertEquals(java.util.Set.of(command), fast.getSubcommands().keySet(), "only " + command + " is built");
      picocli.CommandLine full = Main.commandLine();
      // on the root: picocli passes them on to the subcommands
      fast.setOut(new java.io.PrintWriter(fastOut, true));
      fast.setErr(new java.io.PrintWriter(fastErr, true));
      full.setOut(new java.io.PrintWriter(fullOut, true));
      full.setErr(new java.io.PrintWriter(fullErr, true));
      int fastCode = fast.execute(args.toArray(String[]::new));
      assertEquals(full.execute(args.toArray(String[]::new)), fastCode, String.join(" ", args));
      assertEquals(fullOut.toString(), fastOut.toString(), String.join(" ", args));
      assertEquals(fullErr.toString(), fastErr.toString(), String.join(" ", args));
      assertTrue(!fastOut.toString().isEmpty() || !fastErr.toString().isEmpty(), String.join(" ", args) + " printed nothing");
    }
  }

  @Test
  void aBareVersionBuildsNoSubcommand() {
    java.io.StringWriter out = new java.io.StringWriter();
    picocli.CommandLine cl = Main.commandLineFor("--version");
    assertTrue(cl.getSubcommands().isEmpty(), cl.getSubcommands().keySet().toString());
    cl.setOut(new java.io.PrintWriter(out));
    assertEquals(0, cl.execute("--version"));
    assertEquals(Cli.run("--version").out(), out.toString());
    assertTrue(out.toString().startsWith("plumbline "), out.toString());
  }

  @Test
  void theTopLevelHelpTeachesExitCodes() {
    String out = Cli.run("--help").out();
    assertTrue(out.contains("Exit codes:"), out);
    assertTrue(out.contains("plumbline run --key"), out);
  }

  @ParameterizedTest
  @ValueSource(strings = {"run", "verify", "keygen", "policy", "report"})
  void everySubcommandPrintsTheVersion(String command) {
    Cli.Result r = Cli.run(command, "--version");
    assertEquals(0, r.code());
    assertTrue(r.out().startsWith("plumbline "), "'" + command + " --version' printed: '" + r.out() + "'");
  }

  @Test
  void aBuildCommandWithoutTheDoubleDashIsExplained() {
    Cli.Result r = Cli.run("run", "make", "-j2").assertNoStackTrace();
    assertEquals(ExitCodes.RUN_USAGE, r.code());
    assertEquals(1, r.errorLines(), r.err());
    assertTrue(r.err().contains("'-j2' (put the build command after '--'"), r.err());
    // with the double dash an unknown plumbline option gets no such hint
    Cli.Result r2 = Cli.run("run", "--frob", "--", "make");
    assertEquals(ExitCodes.RUN_USAGE, r2.code());
    assertFalse(r2.err().contains("after '--'"), r2.err());
  }

  @Test
  void aNegativeGraceIsAUsageError() {
    Cli.Result r = Cli.run("run", "--grace", "-5s", "--", "true").assertNoStackTrace();
    assertEquals(ExitCodes.RUN_USAGE, r.code(), r.err());
    assertTrue(r.err().contains("cannot be negative: '-5s'"), r.err());
  }

  @Test
  void exclusiveOptionsAreReportedWithoutPicocliPrefix() {
    Cli.Result r = Cli.run("report", "--record", "a.json", "--bundle", "b.json");
    assertEquals(ExitCodes.USAGE, r.code());
    assertTrue(r.err().startsWith("plumbline: --bundle=FILE, --record=FILE are mutually exclusive"), r.err());
  }

  @Test
  void aReportIntoAMissingDirectoryCreatesIt() throws Exception {
    Path record = dir.resolve("r.json");
    Files.writeString(record, "{\"invocation\": {\"argv\": [\"true\"]}, \"tools\": [], \"processes\": []}");
    Path out = dir.resolve("no/such/dir/report.html");
    Cli.Result r = Cli.run("report", "--record", record.toString(), "--html", out.toString()).assertNoStackTrace();
    assertEquals(0, r.code(), r.err());
    assertTrue(Files.size(out) > 0, "the report was written into the directories it created");
  }

  @Test
  void aBundlePathThatIsADirectoryIsRefusedBeforeTheBuildRuns() throws Exception {
    assertEquals(0, Cli.run("keygen", "--prefix", dir.resolve("k").toString()).code());
    Path bundleDir = Files.createDirectory(dir.resolve("out"));
    Path ran = dir.resolve("the-build-ran");
    Cli.Result r = Cli.run("run", "--key", dir.resolve("k.key").toString(), "--record", dir.resolve("r.json").toString(),
        "--bundle", bundleDir.toString(), "--", "touch", ran.toString()).assertNoStackTrace();
    assertEquals(ExitCodes.RUN_USAGE, r.code(), r.err());
    // (progress lines, shown when a step takes over a second: on a loaded machine loading the key can)
    List<String> errors = r.err().lines().filter(l -> l.startsWith("plumbline:")
        && !l.contains("collecting the environment") && !l.contains("loading the signer")).toList();
    assertEquals(1, errors.size(), "one line besides progress: " + r.err());
    assertTrue(errors.get(0).contains(bundleDir.toString()), "the message names the path: " + r.err());
    assertFalse(Files.exists(ran), "a usage error known before the build stops it before it runs");
    assertFalse(Files.exists(dir.resolve("out.tmp")), "no temporary bundle file is left behind");
  }
}
