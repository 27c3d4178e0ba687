package dev.plumbline.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.plumbline.packages.Distro;
import dev.plumbline.packages.RpmDatabase;
import dev.plumbline.record.BuildRecord;
import dev.plumbline.record.BuildRecords;
import dev.plumbline.record.PackageRecords;
import dev.plumbline.testing.Attestations;
import dev.plumbline.testing.Cli;
import dev.plumbline.testing.Records;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A build that replaces a packaged binary and rewrites that package's md5sums to the replacement's
 * MD5: the database changed during the build, so its digest is the build's word and what ran is not
 * shown to match its package — not in the record, the CycloneDX BOM, the markdown and HTML reports
 * or {@code plumbline query}; nor when an older record (written before the verdict existed) says
 * {@code match} there. An unchanged database still gives {@code match}: the check is not blind.
 */
class ChangedPackageDatabaseTest {
  private static final Distro DEBIAN = new Distro("debian", "12", "bookworm");
  private static final RpmDatabase.Query NO_RPM = RpmDatabase.unavailable("not in this test");
  private static final byte[] PACKAGED = "the packaged xz".getBytes(StandardCharsets.UTF_8);
  private static final byte[] MODIFIED = "the modified xz".getBytes(StandardCharsets.UTF_8);

  @TempDir Path dir;

  private static String hex(String algorithm, byte[] bytes) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance(algorithm).digest(bytes));
  }

  /** Writes through a new file renamed over the old: a new inode, so the change is seen whatever the clock's granularity. */
  private static void replace(Path p, byte[] content) throws Exception {
    Files.createDirectories(p.getParent());
    Path tmp = p.resolveSibling(p.getFileName() + ".new");
    Files.write(tmp, content);
    Files.move(tmp, p, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }

  private static BuildRecord ranXz(byte[] content) throws Exception {
    BuildRecord base = Records.sample(true);
    return new BuildRecord(base.format(), base.agent(), base.invocation(), base.completeness(),
        List.of(new BuildRecord.Tool("/usr/bin/xz", hex("SHA-256", content), 1)), List.of(), List.of(), List.of(), List.of(), null, null,
        null, null, null);
  }

  /**
   * The record of a build that ran /usr/bin/xz; {@code rewriteDatabase}: the build first replaced it
   * and wrote the replacement's MD5 into xz-utils.md5sums (else the packaged xz ran, nothing changed).
   */
  private BuildRecord record(String name, boolean rewriteDatabase) throws Exception {
    Path root = dir.resolve(name);
    replace(root.resolve("usr/bin/xz"), PACKAGED);
    replace(root.resolve("var/lib/dpkg/status"), String.join("\n",
        "Package: xz-utils", "Status: install ok installed", "Architecture: amd64", "Version: 5.4.1-0.2", "", "").getBytes(StandardCharsets.UTF_8));
    Path info = root.resolve("var/lib/dpkg/info");
    replace(info.resolve("xz-utils.list"), "/usr/bin\n/usr/bin/xz\n".getBytes(StandardCharsets.UTF_8));
    Path md5sums = info.resolve("xz-utils.md5sums");
    replace(md5sums, (hex("MD5", PACKAGED) + "  usr/bin/xz\n").getBytes(StandardCharsets.UTF_8));

    PackageRecords packages = PackageRecords.before(root, DEBIAN, NO_RPM);
    if (!rewriteDatabase) {
      return packages.annotate(ranXz(PACKAGED));
    }
    // the build: replaces the binary and makes its package's digest agree with it
    replace(root.resolve("usr/bin/xz"), MODIFIED);
    replace(md5sums, (hex("MD5", MODIFIED) + "  usr/bin/xz\n").getBytes(StandardCharsets.UTF_8));
    return packages.annotate(ranXz(MODIFIED));
  }

  private static BuildRecord.PackageFile xz(BuildRecord r) {
    assertEquals(1, r.packages().used().size(), r.packages().toString());
    return r.packages().used().get(0).files().get(0);
  }

  /** The record as an agent before the verdict wrote it: {@code match} beside the changed database. */
  private static BuildRecord asWrittenBefore(BuildRecord r) {
    BuildRecord.UsedPackage u = r.packages().used().get(0);
    BuildRecord.PackageFile f = u.files().get(0);
    BuildRecord.PackageFile old = new BuildRecord.PackageFile(f.path(), f.sha256(), f.kinds(), f.listedPath(), f.digest(), "match");
    return r.withPackages(new BuildRecord.Packages(r.packages().databases(),
        List.of(new BuildRecord.UsedPackage(u.manager(), u.name(), u.version(), u.arch(), u.purl(), List.of(old))), r.packages().unowned()));
  }

  /** What {@code plumbline report} and {@code plumbline query} say of the xz file of this record. */
  private record Shown(String cyclonedx, String markdown, String html, String query, String queryJson, JsonNode bom) {}

  private Shown shown(BuildRecord r, String name) throws Exception {
    Path work = Files.createDirectories(dir.resolve("work-" + name));
    Path file = work.resolve("record.json");
    BuildRecords.write(r, file);
    Path bomFile = work.resolve("bom.json");
    Path md = work.resolve("summary.md");
    Path html = work.resolve("report.html");
    Cli.Result report = Cli.run("report", "--record", file.toString(), "--cyclonedx", bomFile.toString(),
        "--markdown", md.toString(), "--html", html.toString()).assertNoStackTrace();
    assertEquals(0, report.code(), report.err());

    Path keys = Files.createDirectories(dir.resolve("keys-" + name));
    assertEquals(0, Cli.run("keygen", "--prefix", keys.resolve("k").toString()).code());
    Files.writeString(work.resolve("app.bin"), name);
    Path bundles = Files.createDirectories(work.resolve("bundles"));
    var signed = Attestations.sign(work, keys.resolve("k.key"), Map.of(), r, List.of("app.bin"));
    Files.move(signed.bundle(), bundles.resolve(name + ".sigstore.json"));
    Cli.Result query = Cli.run("query", "--key", keys.resolve("k.pub").toString(), "--package", "xz-utils", bundles.toString()).assertNoStackTrace();
    assertEquals(0, query.code(), query.out() + query.err());
    Cli.Result json = Cli.run("query", "--key", keys.resolve("k.pub").toString(), "--format", "json", "--digest",
        "sha256:" + r.packages().used().get(0).files().get(0).sha256(), bundles.toString()).assertNoStackTrace();
    assertEquals(0, json.code(), json.out() + json.err());
    String bom = Files.readString(bomFile);
    return new Shown(bom, Files.readString(md), Files.readString(html), query.out(), json.out(), new ObjectMapper().readTree(bom));
  }

  /** The CycloneDX properties of the xz file component, as name=value. */
  private static List<String> fileProperties(JsonNode bom) {
    List<String> out = new ArrayList<>();
    for (JsonNode p : bom.at("/components/0/components/0/properties")) {
      out.add(p.get("name").asText() + "=" + p.get("value").asText());
    }
    return out;
  }

  private static List<String> metadataProperties(JsonNode bom) {
    List<String> out = new ArrayList<>();
    for (JsonNode p : bom.at("/metadata/properties")) {
      out.add(p.get("name").asText() + "=" + p.get("value").asText());
    }
    return out;
  }

  @Test
  void anUnchangedDatabaseGivesMatch() throws Exception {
    BuildRecord r = record("unchanged", false);
    assertEquals(null, r.packages().databases().get(0).changedDuringBuild());
    assertEquals("match", xz(r).digestMatch());
    Shown s = shown(r, "unchanged");
    assertTrue(fileProperties(s.bom()).contains("plumbline:digestMatch=match"), s.cyclonedx());
    assertTrue(s.markdown().contains("/usr/bin/xz (match)"), s.markdown());
    assertTrue(s.query().contains("/usr/bin/xz (match)"), s.query());
  }

  @Test
  void aMatchFromADatabaseTheBuildRewroteIsNeverShownAsMatch() throws Exception {
    BuildRecord r = record("rewritten", true);
    Path md5sums = dir.resolve("rewritten/var/lib/dpkg/info/xz-utils.md5sums");
    assertTrue(r.packages().databases().get(0).changedDuringBuild().contains(md5sums.toString()), r.packages().databases().toString());
    assertEquals("database-changed", xz(r).digestMatch(), "the record");
    assertNotShownAsMatch(shown(r, "rewritten"));
  }

  @Test
  void anOlderRecordWithMatchBesideTheChangedDatabaseIsReadAsDatabaseChanged() throws Exception {
    BuildRecord old = asWrittenBefore(record("older", true));
    assertEquals("match", xz(old).digestMatch(), "the record as an agent before this verdict wrote it");
    assertNotShownAsMatch(shown(old, "older"));
  }

  private static void assertNotShownAsMatch(Shown s) {
    List<String> props = fileProperties(s.bom());
    assertFalse(props.contains("plumbline:digestMatch=match"), "CycloneDX: " + props);
    assertTrue(props.contains("plumbline:digestMatch=database-changed"), "CycloneDX: " + props);
    assertTrue(metadataProperties(s.bom()).stream().anyMatch(p -> p.startsWith("plumbline:dpkg:changedDuringBuild=")
        && p.endsWith("/var/lib/dpkg/info/xz-utils.md5sums")), "CycloneDX metadata: " + metadataProperties(s.bom()));
    assertFalse(s.markdown().contains("/usr/bin/xz (match)"), s.markdown());
    assertTrue(s.markdown().contains("/usr/bin/xz (database-changed)"), s.markdown());
    assertTrue(s.markdown().contains("The dpkg database changed during the build"), s.markdown());
    assertFalse(s.html().contains("/usr/bin/xz (match)"), s.html());
    assertTrue(s.html().contains("/usr/bin/xz (database-changed)"), s.html());
    assertFalse(s.query().contains("(match)"), s.query());
    assertTrue(s.query().contains("/usr/bin/xz (database-changed)"), s.query());
    assertFalse(s.queryJson().contains("(match)"), s.queryJson());
    assertTrue(s.queryJson().contains("/usr/bin/xz (database-changed)"), s.queryJson());
  }
}
