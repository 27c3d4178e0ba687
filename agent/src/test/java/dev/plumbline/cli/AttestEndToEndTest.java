package dev.plumbline.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.plumbline.attest.CanonicalJson;
import dev.plumbline.testing.Cli;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * A real traced build signed with a key, then verified: {@code run --key --subject} and
 * {@code verify} through Main.run. Works under target/ of the working directory, since subjects
 * are matched relative to it.
 */
@Tag("needs-ptrace")
class AttestEndToEndTest {
  static Path work;
  static Path key;
  static Path pub;

  @BeforeAll
  static void keys() throws Exception {
    work = Files.createDirectories(Path.of("target", "e2e-attest-" + UUID.randomUUID()));
    assertEquals(0, Cli.run("keygen", "--prefix", work.resolve("k").toString()).code());
    key = work.resolve("k.key");
    pub = work.resolve("k.pub");
  }

  @Test
  void runSignsWhatTheBuildProducedAndVerifyAcceptsIt() throws Exception {
    Path dir = Files.createDirectories(work.resolve("one"));
    Path out = dir.resolve("out.txt");
    Path bundle = dir.resolve("b.sigstore.json");
    Cli.Result run = Cli.run("run", "--key", key.toString(), "--subject", dir.resolve("*.txt").toString(),
        "--bundle", bundle.toString(), "--record", dir.resolve("record.json").toString(),
        "--", "sh", "-c", "echo hi > " + out);
    assertEquals(0, run.code(), run.err());
    assertTrue(run.err().contains("signed attestation " + Path.of("").toAbsolutePath().resolve(bundle)), run.err());
    assertTrue(Files.exists(dir.resolve("record.json")));

    Cli.Result ok = Cli.run("verify", "--bundle", bundle.toString(), "--key", pub.toString(), out.toString()).assertNoStackTrace();
    assertEquals(0, ok.code(), ok.err());
    assertTrue(ok.err().contains("Build: sh -c echo hi > " + out), ok.err());

    JsonNode b = CanonicalJson.mapper().readTree(bundle.toFile());
    JsonNode statement = CanonicalJson.mapper().readTree(Base64.getDecoder().decode(b.at("/dsseEnvelope/payload").asText()));
    assertEquals(dir.resolve("out.txt").toString().replace('\\', '/'), statement.at("/subject/0/name").asText());
    JsonNode predicate = statement.get("predicate");
    assertTrue(predicate.get("completeness").get("complete").asBoolean(), predicate.get("completeness").toString());
    boolean sawSh = false;
    for (JsonNode t : predicate.get("tools")) {
      sawSh |= t.get("path").asText().endsWith("sh") && t.get("sha256").asText().matches("[0-9a-f]{64}");
    }
    assertTrue(sawSh, predicate.get("tools").toString());
    assertTrue(predicate.at("/environment/variables").size() > 0);
    try (var in = getClass().getResourceAsStream("/dev/plumbline/attest/predicate.schema.json")) {
      var schema = new dev.plumbline.attest.MiniSchema(CanonicalJson.mapper().readTree(in));
      assertEquals(java.util.List.of(), schema.validate(predicate), "a traced build's predicate matches the shipped schema");
    }

    Path other = Files.writeString(dir.resolve("other.bin"), "not built");
    Cli.Result wrong = Cli.run("verify", "--bundle", bundle.toString(), "--key", pub.toString(), other.toString()).assertNoStackTrace();
    assertEquals(ExitCodes.REJECTED, wrong.code());
  }

  @Test
  void withoutSubjectsTheWrittenRecordIsTheSubject() throws Exception {
    Path dir = Files.createDirectories(work.resolve("two"));
    Path record = dir.resolve("record.json");
    Path bundle = dir.resolve("b.json");
    Cli.Result run = Cli.run("run", "--key", key.toString(), "--record", record.toString(), "--bundle", bundle.toString(), "--", "true");
    assertEquals(0, run.code(), run.err());
    Cli.Result ok = Cli.run("verify", "--bundle", bundle.toString(), "--key", pub.toString(), record.toString());
    assertEquals(0, ok.code(), ok.err());
  }

  @Test
  void aSubjectThatWasNotProducedFailsTheRunWithOutputFailed() throws Exception {
    Path dir = Files.createDirectories(work.resolve("three"));
    Cli.Result run = Cli.run("run", "--key", key.toString(), "--subject", dir.resolve("*.tar.gz").toString(),
        "--bundle", dir.resolve("b.json").toString(), "--", "true").assertNoStackTrace();
    assertEquals(ExitCodes.OUTPUT_FAILED, run.code(), run.err());
    assertTrue(run.err().contains("matched no file"), run.err());
    assertFalse(Files.exists(dir.resolve("b.json")));
  }

  @Test
  void aMissingKeyFailsBeforeTheBuildRuns() throws Exception {
    Path dir = Files.createDirectories(work.resolve("four"));
    Path marker = dir.resolve("ran");
    Cli.Result run = Cli.run("run", "--key", dir.resolve("none.key").toString(), "--", "touch", marker.toString()).assertNoStackTrace();
    assertEquals(ExitCodes.RUN_USAGE, run.code(), run.err());
    assertFalse(Files.exists(marker), "the build must not run without its signer");
  }
}
