package dev.plumbline.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.plumbline.sign.SigningException;
import dev.plumbline.testing.Cli;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The attestation side of `run`'s options, checked before any build would start. */
class RunAttestationOptionsTest {
  @TempDir Path dir;

  private RunCommand parse(String... args) {
    RunCommand cmd = new RunCommand();
    new CommandLine(RunCommand.spec(cmd)).parseArgs(args);
    return cmd;
  }

  @Test
  void noSigningMeansNoAttestation() throws Exception {
    assertNull(parse("--", "true").prepareAttestation());
  }

  @Test
  void subjectWithoutASignerIsAUsageError() {
    var e = assertThrows(CommandLine.ParameterException.class, () -> parse("--subject", "x", "--", "true").prepareAttestation());
    assertTrue(e.getMessage().contains("--key FILE or --keyless"), e.getMessage());
  }

  @Test
  void keyAndKeylessExcludeEachOther() {
    var e = assertThrows(CommandLine.ParameterException.class,
        () -> parse("--key", "k.key", "--keyless", "--", "true").prepareAttestation());
    assertTrue(e.getMessage().contains("exclude each other"), e.getMessage());
  }

  @Test
  void aMissingOrUnreadableKeyFailsBeforeTheBuild() {
    var e = assertThrows(SigningException.class, () -> parse("--key", dir.resolve("nope.key").toString(), "--", "true").prepareAttestation());
    assertTrue(e.getMessage().endsWith("does not exist"), e.getMessage());
  }

  @Test
  void aReadableKeyPreparesAnAttestation() throws Exception {
    assertEquals(0, Cli.run("keygen", "--prefix", dir.resolve("k").toString()).code());
    assertNotNull(parse("--key", dir.resolve("k.key").toString(), "--subject", "out.txt", "--", "true").prepareAttestation());
  }

  @Test
  void problemsWithTheOutputsOrSubjectsAreReportedBeforeTheBuildRuns() throws Exception {
    assertEquals(0, Cli.run("keygen", "--prefix", dir.resolve("k").toString()).code());
    Path marker = dir.resolve("the-build-ran");
    java.nio.file.Files.createDirectories(dir.resolve("a-directory"));
    java.nio.file.Files.writeString(dir.resolve("a-file"), "x");
    for (String[] args : java.util.List.of(
        new String[] {"--record", dir.resolve("a-directory").toString()},
        new String[] {"--record", dir.resolve("a-file/below-a-file.json").toString()},
        new String[] {"--key", dir.resolve("k.key").toString(), "--bundle", dir.resolve("a-directory").toString()},
        new String[] {"--key", dir.resolve("k.key").toString(), "--subject", "/abs/*.tar.gz"},
        new String[] {"--key", dir.resolve("k.key").toString(), "--subject", "dist/{a,b"},
        new String[] {"--key", dir.resolve("k.key").toString(), "--subject-digest", "app@sha256:abc"},
        new String[] {"--key", dir.resolve("k.key").toString(), "--subject-digest", "sha256:" + "a".repeat(64)},
        new String[] {"--subject-digest", "app@sha256:" + "a".repeat(64)})) {
      java.util.List<String> argv = new java.util.ArrayList<>(java.util.List.of("run"));
      argv.addAll(java.util.List.of(args));
      argv.addAll(java.util.List.of("--", "touch", marker.toString()));
      Cli.Result r = Cli.run(argv.toArray(String[]::new)).assertNoStackTrace();
      assertEquals(ExitCodes.RUN_USAGE, r.code(), String.join(" ", args) + ": " + r.err());
      assertTrue(r.err().startsWith("plumbline: "), r.err());
      if (args[args.length - 2].equals("--subject-digest")) {
        assertTrue(r.err().lines().anyMatch(l -> l.startsWith("plumbline: ") && l.contains("--subject-digest")), r.err());
      }
      assertTrue(!java.nio.file.Files.exists(marker), "the build ran despite " + String.join(" ", args));
    }
  }

  @Test
  void theRecordsDirectoryIsCreated() throws Exception {
    Path record = dir.resolve("new/dirs/build.json");
    Cli.Result r = Cli.run("run", "--record", record.toString(), "--", "true").assertNoStackTrace();
    assertEquals(0, r.code(), r.err());
    assertTrue(java.nio.file.Files.isRegularFile(record));
  }
}
