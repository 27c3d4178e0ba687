package dev.plumbline.attest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.plumbline.testing.Attestations;
import dev.plumbline.testing.Cli;
import dev.plumbline.testing.Records;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AttestationRunTest {
  @TempDir Path dir;
  Path key;

  @BeforeEach
  void key() {
    assertEquals(0, Cli.run("keygen", "--prefix", dir.resolve("k").toString()).code());
    key = dir.resolve("k.key");
  }

  private static JsonNode statement(Path bundle) throws Exception {
    JsonNode b = CanonicalJson.mapper().readTree(bundle.toFile());
    return CanonicalJson.mapper().readTree(Base64.getDecoder().decode(b.at("/dsseEnvelope/payload").asText()));
  }

  @Test
  void withoutSubjectsTheRecordIsTheSubjectAndVerifies() throws Exception {
    var result = Attestations.sign(dir, key, Map.of(), Records.sample(true), List.of());
    Path record = dir.resolve("plumbline.record.json");
    assertEquals(record, result.recordWritten());
    assertEquals("plumbline.record.json", result.subjects().get(0).name());
    assertEquals(Subjects.sha256Hex(record), result.subjects().get(0).digest().get("sha256"));
    Cli.Result r = Cli.run("verify", "--bundle", result.bundle().toString(), "--key", dir.resolve("k.pub").toString(), record.toString());
    assertEquals(0, r.code(), r.err());
  }

  @Test
  void aGivenRecordFileIsTheSubjectAndNothingElseIsWritten() throws Exception {
    Path record = Files.writeString(dir.resolve("build.json"), "{\"format\":\"https://plumbline.dev/record/v1\"}\n");
    var run = AttestationRun.prepare(dev.plumbline.sign.KeySigner.fromFile(key, Map.of()),
        Attestations.collector(Map.of(), dir), dir, List.of(), dir.resolve("out/att.sigstore.json"));
    var result = run.finish(Records.sample(true), Path.of("build.json"));
    assertEquals(null, result.recordWritten());
    assertFalse(Files.exists(dir.resolve("plumbline.record.json")));
    assertEquals(dir.resolve("out/att.sigstore.json"), result.bundle());
    assertEquals("build.json", statement(result.bundle()).at("/subject/0/name").asText());
    assertEquals(Subjects.sha256Hex(record), statement(result.bundle()).at("/subject/0/digest/sha256").asText());
  }

  @Test
  void statementIsCanonicalAndCarriesTheRecordSectionsAndEnvironment() throws Exception {
    Files.writeString(dir.resolve("a.bin"), "a");
    var result = Attestations.sign(dir, key, Map.of("HOME", "/h"), Records.sample(true), List.of("a.bin"));
    JsonNode b = CanonicalJson.mapper().readTree(result.bundle().toFile());
    byte[] payload = Base64.getDecoder().decode(b.at("/dsseEnvelope/payload").asText());
    JsonNode s = CanonicalJson.mapper().readTree(payload);
    assertEquals(new String(CanonicalJson.bytes(s)), new String(payload), "payload is in canonical form");
    assertEquals(Statement.TYPE, s.get("_type").asText());
    assertEquals(Predicate.TYPE, s.get("predicateType").asText());
    for (String section : List.of("agent", "invocation", "completeness", "tools", "processes", "network", "dns", "files", "environment")) {
      assertTrue(s.get("predicate").has(section), section);
    }
    assertEquals(Predicate.record(s.get("predicate")), Records.sample(true), "the record reads back unchanged");
  }

  @Test
  void aSubjectGlobThatMatchesNothingFailsNamingIt() {
    AttestException e = assertThrows(AttestException.class,
        () -> Attestations.sign(dir, key, Map.of(), Records.sample(true), List.of("dist/*.whl")));
    assertTrue(e.getMessage().contains("'dist/*.whl' matched no file"), e.getMessage());
    assertFalse(Files.exists(dir.resolve("plumbline.sigstore.json")), "no bundle for a failed attestation");
  }

  @Test
  void aSubjectGivenByNameAndDigestIsAttestedBesideTheFilesAndVerifiesByDigest() throws Exception {
    Files.writeString(dir.resolve("a.bin"), "a");
    String image = "ghcr.io/acme/app@sha256:" + "AB".repeat(32);
    var run = AttestationRun.prepare(dev.plumbline.sign.KeySigner.fromFile(key, Map.of()),
        Attestations.collector(Map.of(), dir), dir, List.of("a.bin"), null).withNamedSubjects(List.of(Subjects.parseNamed(image)));
    var result = run.finish(Records.sample(true), null);
    assertEquals(null, result.recordWritten(), "with subjects the record is not the subject");
    JsonNode s = statement(result.bundle());
    assertEquals("a.bin", s.at("/subject/0/name").asText());
    assertEquals("ghcr.io/acme/app", s.at("/subject/1/name").asText());
    assertEquals("ab".repeat(32), s.at("/subject/1/digest/sha256").asText());
    Cli.Result r = Cli.run("verify", "--bundle", result.bundle().toString(), "--key", dir.resolve("k.pub").toString(), "sha256:" + "ab".repeat(32));
    assertEquals(0, r.code(), r.err());
    // one name with two digests is refused
    var clash = AttestationRun.prepare(dev.plumbline.sign.KeySigner.fromFile(key, Map.of()),
        Attestations.collector(Map.of(), dir), dir, List.of("a.bin"), null).withNamedSubjects(List.of(Subjects.named("a.bin", "sha256:" + "0".repeat(64))));
    assertTrue(assertThrows(AttestException.class, () -> clash.finish(Records.sample(true), null)).getMessage()
        .startsWith("subject a.bin is given by digest sha256:000"));
  }

  @Test
  void aMalformedDigestSubjectIsOneLineNamingIt() {
    for (String bad : List.of("app", "app@sha256:abc", "@sha256:" + "a".repeat(64), "app@sha256:" + "g".repeat(64))) {
      AttestException e = assertThrows(AttestException.class, () -> Subjects.parseNamed(bad), bad);
      assertTrue(e.getMessage().startsWith("--subject-digest") && !e.getMessage().contains("\n"), e.getMessage());
    }
    assertTrue(assertThrows(AttestException.class, () -> Subjects.named("a\u001b[31m", "sha256:" + "a".repeat(64)))
        .getMessage().contains("control characters"));
  }
}
