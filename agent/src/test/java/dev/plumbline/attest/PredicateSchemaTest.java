package dev.plumbline.attest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.plumbline.env.EnvironmentCollector;
import dev.plumbline.record.BuildRecord;
import dev.plumbline.testing.Attestations;
import dev.plumbline.testing.Records;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Produced predicates validate against the schema shipped in the jar; broken ones do not. */
class PredicateSchemaTest {
  @TempDir Path dir;

  static MiniSchema schema() throws Exception {
    try (InputStream in = Predicate.class.getResourceAsStream("/dev/plumbline/attest/predicate.schema.json")) {
      assertNotNull(in, "schema is on the classpath (shipped in the jar)");
      return new MiniSchema(CanonicalJson.mapper().readTree(in));
    }
  }

  private JsonNode predicate(EnvironmentCollector collector, BuildRecord record) {
    return Predicate.of(record, collector.collect(dir, dev.plumbline.record.BuildRecords.executed(record)));
  }

  @Test
  void predicateFromFixturesValidates() throws Exception {
    Path root = Files.createDirectories(dir.resolve("root"));
    Files.createDirectories(root.resolve("etc"));
    Files.writeString(root.resolve("etc/os-release"), "ID=debian\nVERSION_ID=\"12\"\n");
    Files.writeString(root.resolve(".dockerenv"), "");
    Map<String, String> env = Map.of("PATH", "/nonexistent", "GITHUB_ACTIONS", "true", "GITHUB_SHA", "abc", "SECRET_X", "y");
    JsonNode p = predicate(Attestations.collector(env, root), Records.sample(false));
    assertEquals(List.of(), schema().validate(p));
    assertTrue(!p.has("format"), "the record's format field is replaced by the predicate type");
  }

  @Test
  void predicateFromThisHostValidates() throws Exception {
    JsonNode p = predicate(EnvironmentCollector.ofThisHost(), Records.sample(true));
    assertEquals(List.of(), schema().validate(p));
  }

  @Test
  void predicateWithPackagesValidatesAndCountsThem() throws Exception {
    Path apkRoot = Path.of(PredicateSchemaTest.class.getResource("/packages/apk-root").toURI());
    BuildRecord sample = Records.sample(true);
    BuildRecord withXz = new BuildRecord(sample.format(), sample.agent(), sample.invocation(), sample.completeness(),
        List.of(new BuildRecord.Tool("/usr/bin/xz", "ab".repeat(32), 1), new BuildRecord.Tool("/usr/bin/make", "bb".repeat(32), 1)),
        sample.processes(), sample.network(), sample.dns(), sample.files(), null, null, null, null, null);
    BuildRecord annotated = dev.plumbline.record.PackageRecords.before(apkRoot, new dev.plumbline.packages.Distro("alpine", "3.19.1", null), argv -> "")
        .annotate(withXz);
    JsonNode p = Predicate.of(annotated, Attestations.collector(Map.of(), dir).before(dir)
        .after(dev.plumbline.record.BuildRecords.executed(annotated), dev.plumbline.record.BuildRecords.packageCounts(annotated)));
    assertEquals(List.of(), schema().validate(p));
    assertEquals("mismatch", p.at("/packages/used/0/files/0/digestMatch").asText());
    assertEquals(3, p.at("/environment/packages/installed").asInt());
    assertEquals(1, p.at("/environment/packages/used").asInt());
    ObjectNode changed = p.deepCopy(); // a match from a database that changed during the build
    ((ObjectNode) changed.at("/packages/used/0/files/0")).put("digestMatch", "database-changed");
    assertEquals(List.of(), schema().validate(changed));
    ObjectNode bad = p.deepCopy();
    ((ObjectNode) bad.at("/packages/used/0/files/0")).put("digestMatch", "maybe");
    assertEquals(1, schema().validate(bad).size(), schema().validate(bad).toString());
  }

  /**
   * A tool the build ran by a name of its own root or mount namespace (docs/record.md, "Paths in
   * the build's own view") validates, and no package claims it by that name, nor is it listed as
   * unowned (whose paths are absolute).
   */
  @Test
  void aToolNamedInTheBuildsOwnViewValidatesAndNoPackageClaimsIt() throws Exception {
    Path apkRoot = Path.of(PredicateSchemaTest.class.getResource("/packages/apk-root").toURI());
    BuildRecord sample = Records.sample(true);
    String marked = dev.plumbline.trace.TraceEvent.Exec.BUILD_VIEW + "/usr/bin/xz";
    BuildRecord withMarked = new BuildRecord(sample.format(), sample.agent(), sample.invocation(), sample.completeness(),
        List.of(new BuildRecord.Tool(marked, "ab".repeat(32), 1)),
        List.of(new BuildRecord.ProcessInfo(1, 0, null, null, 0, null, false, List.of(new BuildRecord.Exec(marked,
            "ab".repeat(32), List.of("xz"), dev.plumbline.trace.TraceEvent.Exec.BUILD_VIEW + "/", null, null)))),
        sample.network(), sample.dns(), sample.files(), null, null, null, null, null);
    BuildRecord annotated = dev.plumbline.record.PackageRecords.before(apkRoot, new dev.plumbline.packages.Distro("alpine", "3.19.1", null), argv -> "")
        .annotate(withMarked);
    JsonNode p = Predicate.of(annotated, Attestations.collector(Map.of(), dir).before(dir)
        .after(dev.plumbline.record.BuildRecords.executed(annotated), dev.plumbline.record.BuildRecords.packageCounts(annotated)));
    assertEquals(List.of(), schema().validate(p));
    assertEquals(marked, p.at("/tools/0/path").asText());
    assertEquals(0, p.at("/packages/used").size(), p.at("/packages").toString());
    assertEquals(0, p.at("/packages/unowned").size(), p.at("/packages").toString());
  }

  @Test
  void buildOutputsValidateAndAnAbsoluteOutputPathIsCaught() throws Exception {
    BuildRecord sample = Records.sample(true);
    BuildRecord.BuildOutput out = new BuildRecord.BuildOutput("build/hello", List.of("/usr/bin/ld"));
    BuildRecord withOutput = new BuildRecord(sample.format(), sample.agent(), sample.invocation(), sample.completeness(),
        List.of(new BuildRecord.Tool("/src/build/hello", "ab".repeat(32), 1, out)),
        sample.processes(), sample.network(), sample.dns(), sample.files(), null, null, null, null, null);
    JsonNode p = predicate(Attestations.collector(Map.of(), dir), withOutput);
    assertEquals(List.of(), schema().validate(p));
    assertEquals("build/hello", p.at("/tools/0/buildOutput/path").asText());
    ObjectNode bad = p.deepCopy();
    ((ObjectNode) bad.at("/tools/0/buildOutput")).put("path", "/src/build/hello");
    assertEquals(1, schema().validate(bad).size(), schema().validate(bad).toString());
  }

  @Test
  void brokenPredicatesAreCaught() throws Exception {
    MiniSchema s = schema();
    ObjectNode good = (ObjectNode) predicate(Attestations.collector(Map.of("HOME", "/h", "TOKEN", "t"), dir), Records.sample(true));

    ObjectNode noCompleteness = good.deepCopy();
    noCompleteness.remove("completeness");
    assertTrue(s.validate(noCompleteness).contains("$: missing required completeness"), s.validate(noCompleteness).toString());

    ObjectNode wrongType = good.deepCopy();
    ((ObjectNode) wrongType.get("completeness")).put("complete", "yes");
    assertTrue(s.validate(wrongType).get(0).startsWith("$.completeness.complete: expected"), s.validate(wrongType).toString());

    ObjectNode hashedSecret = good.deepCopy();
    for (JsonNode v : (ArrayNode) hashedSecret.at("/environment/variables")) {
      if (v.get("redacted").asBoolean()) {
        ((ObjectNode) v).put("sha256", "00".repeat(32));
      }
    }
    assertTrue(!s.validate(hashedSecret).isEmpty(), "a redacted variable with a hash violates the schema");

    ObjectNode badDigest = good.deepCopy();
    ((ObjectNode) badDigest.get("environment")).put("variablesDigest", "nothex");
    assertTrue(!s.validate(badDigest).isEmpty());

    ObjectNode libraryWithoutHow = good.deepCopy();
    libraryWithoutHow.putArray("libraries").addObject()
        .put("path", "/usr/lib/x86_64-linux-gnu/liblzma.so.5").put("sha256", "00".repeat(32)).putArray("how");
    assertTrue(s.validate(libraryWithoutHow).stream().anyMatch(e -> e.startsWith("$.libraries[0].how: fewer than 1")),
        s.validate(libraryWithoutHow).toString());

    ObjectNode extraEnv = good.deepCopy();
    ((ObjectNode) extraEnv.get("environment")).put("values", "leak");
    assertTrue(s.validate(extraEnv).contains("$.environment.values: not allowed"), s.validate(extraEnv).toString());
  }
}
