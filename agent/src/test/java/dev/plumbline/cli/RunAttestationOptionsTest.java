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
    new CommandLine(cmd).parseArgs(args);
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
}
