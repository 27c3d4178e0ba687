package dev.plumbline.query;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.plumbline.record.BuildRecord;
import dev.plumbline.testing.Attestations;
import dev.plumbline.testing.Cli;
import dev.plumbline.testing.Records;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** plumbline query over signed bundles of synthetic records (the real traced builds are in ExposureBuildTest). */
class QueryCommandTest {
  static final String XZ_SHA = "31".repeat(32);
  @TempDir Path dir;
  Path bundles;
  Path pub;

  private static BuildRecord withXz(boolean ranXz) {
    BuildRecord base = Records.sample(true);
    BuildRecord.PackageFile make = new BuildRecord.PackageFile("/usr/bin/make", "bb".repeat(32), List.of("exec"), null, "md5:" + "0".repeat(32), "match");
    BuildRecord.UsedPackage makePkg = new BuildRecord.UsedPackage("dpkg", "make", "4.3-4.1", "amd64", "pkg:deb/debian/make@4.3-4.1?arch=amd64&distro=debian-12", List.of(make));
    List<BuildRecord.UsedPackage> used = ranXz
        ? List.of(makePkg, new BuildRecord.UsedPackage("dpkg", "xz-utils", "5.4.1-1", "amd64", "pkg:deb/debian/xz-utils@5.4.1-1?arch=amd64&distro=debian-12",
            List.of(new BuildRecord.PackageFile("/usr/bin/xz", XZ_SHA, List.of("exec"), null, "md5:" + "1".repeat(32), "match"))))
        : List.of(makePkg);
    List<BuildRecord.Tool> tools = ranXz
        ? List.of(new BuildRecord.Tool("/usr/bin/make", "bb".repeat(32), 1), new BuildRecord.Tool("/usr/bin/xz", XZ_SHA, 1))
        : List.of(new BuildRecord.Tool("/usr/bin/make", "bb".repeat(32), 1));
    BuildRecord r = new BuildRecord(base.format(), base.agent(), base.invocation(), base.completeness(), tools, base.processes(),
        base.network(), base.dns(), base.files(), base.sources(), base.notes(), null, null, null);
    return r.withPackages(new BuildRecord.Packages(List.of(new BuildRecord.PackageDatabase("dpkg", 10, List.of(), null, null)), used, List.of()));
  }

  private Path sign(Path key, BuildRecord record, String name) throws Exception {
    Path work = Files.createDirectories(dir.resolve("work-" + name));
    Files.writeString(work.resolve("app.bin"), name);
    var result = Attestations.sign(work, key, Map.of(), record, List.of("app.bin"));
    return Files.move(result.bundle(), bundles.resolve(name + ".sigstore.json"), StandardCopyOption.REPLACE_EXISTING);
  }

  @BeforeEach
  void bundles() throws Exception {
    bundles = Files.createDirectories(dir.resolve("bundles/nested"));
    assertEquals(0, Cli.run("keygen", "--prefix", dir.resolve("k").toString()).code());
    assertEquals(0, Cli.run("keygen", "--prefix", dir.resolve("other").toString()).code());
    pub = dir.resolve("k.pub");
    sign(dir.resolve("k.key"), withXz(true), "a-with-xz");
    sign(dir.resolve("k.key"), withXz(false), "b-without-xz");
    sign(dir.resolve("other.key"), withXz(true), "c-other-signer");
    Files.writeString(bundles.resolve("d-broken.sigstore.json"), "{not json");
    Files.writeString(bundles.resolve("ignored.txt"), "not a bundle name: not read");
  }

  private Cli.Result query(String... args) {
    String[] all = new String[args.length + 3];
    all[0] = "query";
    all[1] = "--key";
    all[2] = pub.toString();
    System.arraycopy(args, 0, all, 3, args.length);
    return Cli.run(all).assertNoStackTrace();
  }

  @Test
  void packageQueryListsOnlyTheBuildThatRanItAndTheUnverifiableApart() {
    Cli.Result r = query("--package", "xz-utils", dir.resolve("bundles").toString());
    assertEquals(0, r.code(), r.err());
    assertTrue(r.out().contains("a-with-xz.sigstore.json"), r.out());
    assertFalse(r.out().contains("b-without-xz"), r.out());
    assertFalse(r.out().contains("c-other-signer"), "a bundle of another signer is never matched: " + r.out());
    assertTrue(r.out().contains("match:    --package xz-utils: dpkg xz-utils 5.4.1-1 amd64 /usr/bin/xz (match)"), r.out());
    assertTrue(r.err().contains("unverifiable: " + bundles.resolve("c-other-signer.sigstore.json")), r.err());
    assertTrue(r.err().contains("unverifiable: " + bundles.resolve("d-broken.sigstore.json")), r.err());
    assertTrue(r.err().contains("1 matched of 2 verified attestations; 2 unverifiable"), r.err());
  }

  @Test
  void rangesPurlsDigestsToolsAndDestinations() {
    Path all = dir.resolve("bundles");
    assertEquals(0, query("--package", "xz-utils@>=5.4.0,<5.4.2", all.toString()).code());
    assertEquals(1, query("--package", "xz-utils@>=5.6.0", all.toString()).code());
    assertEquals(0, query("--purl", "pkg:deb/debian/xz-utils@5.4.1-1", all.toString()).code());
    assertEquals(1, query("--purl", "pkg:deb/debian/xz-utils@5.6.0-0.1", all.toString()).code());
    assertEquals(1, query("--purl", "pkg:deb/debian/xz-utils?arch=arm64", all.toString()).code());
    Cli.Result digest = query("--digest", "sha256:" + XZ_SHA, all.toString());
    assertEquals(0, digest.code());
    assertTrue(digest.out().contains("executed /usr/bin/xz"), digest.out());
    assertFalse(digest.out().contains("b-without-xz"));
    Cli.Result make = query("--tool", "make", "--format", "csv", all.toString());
    assertEquals(3, make.out().lines().count(), "header and both of this signer's builds: " + make.out());
    assertEquals(0, query("--destination", "deb.debian.org:443", all.toString()).code());
    assertEquals(1, query("--destination", "deb.debian.org:80", all.toString()).code());
    assertEquals(1, query("--package", "xz-utils", "--tool", "/usr/bin/cc", all.toString()).code(), "filters combine with AND");
  }

  @Test
  void jsonIsAnArrayOfRows() throws Exception {
    Cli.Result r = query("--format", "json", "--package", "make", dir.resolve("bundles").toString());
    JsonNode rows = new ObjectMapper().readTree(r.out());
    assertEquals(2, rows.size());
    JsonNode a = rows.get(0);
    assertEquals(bundles.resolve("a-with-xz.sigstore.json").toString(), a.get("bundle").asText());
    assertEquals("app.bin", a.at("/subjects/0/name").asText());
    assertTrue(a.at("/subjects/0/digest/sha256").asText().matches("[0-9a-f]{64}"));
    assertTrue(a.get("signer").asText().startsWith("key "), a.toString());
    assertEquals("--package make", a.at("/matches/0/filter").asText());
    Cli.Result none = query("--format", "json", "--package", "nope", dir.resolve("bundles").toString());
    assertEquals(1, none.code());
    assertEquals(0, new ObjectMapper().readTree(none.out()).size(), "an empty array when nothing matched: " + none.out());
  }

  @Test
  void jsonLinesFilesHoldOneBundlePerLine() throws Exception {
    Path a = bundles.resolve("a-with-xz.sigstore.json");
    String line = new ObjectMapper().readTree(Files.readString(a)).toString();
    Path jsonl = Files.writeString(dir.resolve("all.intoto.jsonl"), line + "\n\n" + "{\"mediaType\":1}\n");
    Cli.Result r = query("--package", "xz-utils", jsonl.toString());
    assertEquals(0, r.code(), r.err());
    assertTrue(r.out().startsWith(jsonl + "#1\n"), r.out());
    assertTrue(r.err().contains("unverifiable: " + jsonl + "#3"), r.err());
  }

  @Test
  void badUsageIsTwoWithOneLine() {
    Path all = dir.resolve("bundles");
    for (String[] args : List.of(
        new String[] {"--package", "@1", all.toString()},
        new String[] {"--digest", "sha256:abc", all.toString()},
        new String[] {"--purl", "deb/x", all.toString()},
        new String[] {"--destination", "host:99999", all.toString()},
        new String[] {"--format", "xml", all.toString()},
        new String[] {dir.resolve("missing").toString()},
        new String[] {})) {
      Cli.Result r = query(args);
      assertEquals(2, r.code(), String.join(" ", args) + ": " + r.err());
      assertEquals(1, r.errorLines(), r.err());
    }
    Cli.Result noSigner = Cli.run("query", dir.resolve("bundles").toString()).assertNoStackTrace();
    assertEquals(2, noSigner.code());
    assertTrue(noSigner.err().contains("query needs the signer"), noSigner.err());
  }
}
