package dev.plumbline.query;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import dev.plumbline.attest.CanonicalJson;
import dev.plumbline.testing.Cli;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real traced builds on this Debian machine: one compresses with tar -J (tar runs xz, which loads
 * liblzma), one does not; their packages are dpkg's, {@code query --package liblzma5} and a digest
 * query on the liblzma file find exactly the first, and a modified copy of a packaged binary run
 * from the package's own path (bind-mounted in a throwaway mount namespace) is flagged.
 */
class ExposureBuildTest {
  @TempDir static Path dir;
  static Path bundles;
  static Path pub;

  @BeforeAll
  static void twoBuilds() throws Exception {
    for (String tool : List.of("/usr/bin/xz", "/usr/bin/tar", "/usr/bin/dpkg-query")) {
      if (!Files.isExecutable(Path.of(tool))) {
        fail("needs " + tool + " (Debian: apt-get install xz-utils tar dpkg)");
      }
    }
    bundles = Files.createDirectories(dir.resolve("bundles"));
    assertEquals(0, Cli.run("keygen", "--prefix", dir.resolve("k").toString()).code());
    assertEquals(0, Cli.run("keygen", "--prefix", dir.resolve("other").toString()).code());
    pub = dir.resolve("k.pub");
    build("with-xz", "tar -cJf out.tar.xz in.txt", "k");
    build("without-xz", "tar -cf out.tar in.txt", "k");
    build("other-signer", "tar -cJf out.tar.xz in.txt", "other");
  }

  private static void build(String name, String script, String key) throws Exception {
    Path work = Files.createDirectories(dir.resolve(name));
    Files.writeString(work.resolve("in.txt"), "input of " + name + "\n");
    // no --subject: the record itself is the attestation's subject
    Cli.Result run = Cli.run("run", "--key", dir.resolve(key + ".key").toString(), "--record", work.resolve("record.json").toString(),
        "--bundle", bundles.resolve(name + ".sigstore.json").toString(), "--", "sh", "-c", "cd " + work + " && " + script);
    assertEquals(0, run.code(), run.err());
  }

  private static JsonNode predicate(String name) throws Exception {
    JsonNode b = CanonicalJson.mapper().readTree(bundles.resolve(name + ".sigstore.json").toFile());
    return CanonicalJson.mapper().readTree(Base64.getDecoder().decode(b.at("/dsseEnvelope/payload").asText())).get("predicate");
  }

  private static String dpkgQuery(String format, String pkg) throws Exception {
    Process p = new ProcessBuilder("dpkg-query", "-W", "-f", format, pkg).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertEquals(0, p.waitFor());
    return out;
  }

  private static String sha256(Path f) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(f)));
  }

  private static JsonNode usedPackage(JsonNode predicate, String name) {
    for (JsonNode u : predicate.at("/packages/used")) {
      if (u.get("name").asText().equals(name)) {
        return u;
      }
    }
    return null;
  }

  /** The file of liblzma5 that ld.so maps (liblzma.so.5 is a symlink to it), as the record names it. */
  private static Path liblzma() throws Exception {
    return Path.of("/lib/x86_64-linux-gnu/liblzma.so.5").toRealPath();
  }

  @Test
  void recordedPackagesAreDpkgs() throws Exception {
    JsonNode used = predicate("with-xz").at("/packages/used");
    JsonNode xz = usedPackage(predicate("with-xz"), "xz-utils");
    assertTrue(xz != null, "xz-utils among the used packages: " + used);
    assertEquals(dpkgQuery("${Version}", "xz-utils"), xz.get("version").asText());
    assertEquals(dpkgQuery("${Architecture}", "xz-utils"), xz.get("arch").asText());
    assertEquals("/usr/bin/xz", xz.at("/files/0/path").asText());
    assertEquals("match", xz.at("/files/0/digestMatch").asText());
    assertTrue(xz.get("purl").asText().startsWith("pkg:deb/debian/xz-utils@"), xz.toString());

    // the library xz loaded, never executed: attributed through the record's libraries
    JsonNode lzma = usedPackage(predicate("with-xz"), "liblzma5");
    assertTrue(lzma != null, "liblzma5 among the used packages: " + used);
    assertEquals(dpkgQuery("${Version}", "liblzma5"), lzma.get("version").asText());
    assertEquals(dpkgQuery("${Architecture}", "liblzma5"), lzma.get("arch").asText());
    assertEquals(liblzma().toString(), lzma.at("/files/0/path").asText());
    assertEquals("[\"library\"]", lzma.at("/files/0/kinds").toString());
    assertEquals(sha256(liblzma()), lzma.at("/files/0/sha256").asText());
    assertEquals("match", lzma.at("/files/0/digestMatch").asText());
    assertEquals("pkg:deb/debian/liblzma5@" + dpkgQuery("${Version}", "liblzma5") + "?arch=amd64&distro=debian-12",
        lzma.get("purl").asText());

    // installed vs used counts the packages of libraries too (libc6 is loaded by every program, run by none)
    JsonNode counts = predicate("with-xz").at("/environment/packages");
    assertEquals(used.size(), counts.get("used").asInt());
    assertTrue(usedPackage(predicate("with-xz"), "libc6") != null, used.toString());
    assertTrue(counts.get("installed").asInt() > used.size(), counts.toString());
    assertFalse(predicate("without-xz").at("/packages/used").toString().contains("xz-utils"));
    assertEquals(null, usedPackage(predicate("without-xz"), "liblzma5"), "tar alone does not load liblzma");
  }

  @Test
  void queryFindsExactlyTheBuildThatLoadedLiblzma() throws Exception {
    Cli.Result byPackage = Cli.run("query", "--key", pub.toString(), "--package", "liblzma5", bundles.toString()).assertNoStackTrace();
    assertEquals(0, byPackage.code(), byPackage.err());
    assertEquals(List.of(bundles.resolve("with-xz.sigstore.json").toString()),
        byPackage.out().lines().filter(l -> l.endsWith(".sigstore.json")).toList());
    assertTrue(byPackage.err().contains("unverifiable: " + bundles.resolve("other-signer.sigstore.json")), byPackage.err());
    assertTrue(byPackage.err().contains("1 matched of 2 verified attestations; 1 unverifiable"), byPackage.err());

    String version = dpkgQuery("${Version}", "liblzma5");
    assertEquals(0, Cli.run("query", "--key", pub.toString(), "--package", "liblzma5@" + version, bundles.toString()).code());
    assertEquals(1, Cli.run("query", "--key", pub.toString(), "--package", "liblzma5@>" + version, bundles.toString()).code());
    assertEquals(0, Cli.run("query", "--key", pub.toString(), "--package", "xz-utils", bundles.toString()).code());

    Cli.Result byDigest = Cli.run("query", "--key", pub.toString(), "--digest", "sha256:" + sha256(liblzma()), bundles.toString());
    assertEquals(0, byDigest.code(), byDigest.err());
    assertEquals(List.of(bundles.resolve("with-xz.sigstore.json").toString()),
        byDigest.out().lines().filter(l -> l.endsWith(".sigstore.json")).toList());
    assertTrue(byDigest.out().contains("loaded " + liblzma()), byDigest.out());
  }

  /** Needs root (mount namespaces with a bind mount): a modified binary at /usr/bin/xz is flagged as not xz-utils'. */
  @Test
  void modifiedPackagedBinaryIsFlagged() throws Exception {
    Path modified = modifiedXz("xz-modified", 0);
    Path record = dir.resolve("modified-record.json");
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    String cp = System.getProperty("java.class.path");
    Process p = new ProcessBuilder("unshare", "-m", "--propagation", "private", "sh", "-c",
        "mount --bind \"$1\" /usr/bin/xz && exec \"$2\" -cp \"$3\" dev.plumbline.cli.Main run --record \"$4\" -- /usr/bin/xz --version",
        "sh", modified.toString(), java, cp, record.toString())
        .redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertEquals(0, p.waitFor(), out);
    JsonNode r = CanonicalJson.mapper().readTree(record.toFile());
    JsonNode xz = null;
    for (JsonNode u : r.at("/packages/used")) {
      if (u.get("name").asText().equals("xz-utils")) {
        xz = u;
      }
    }
    assertTrue(xz != null, r.at("/packages").toString());
    assertEquals(sha256(modified), xz.at("/files/0/sha256").asText(), "the record holds what ran: the modified copy");
    assertEquals("mismatch", xz.at("/files/0/digestMatch").asText());
    assertEquals("match", predicate("with-xz").at("/packages/used").findParent("digestMatch").get("digestMatch").asText(),
        "outside the namespace the packaged xz still matches");
  }

  /**
   * Needs root, like the test above: the build runs a modified binary at /usr/bin/xz and, before,
   * writes that binary's MD5 into dpkg's xz-utils.md5sums (in a copy of dpkg's info directory
   * bind-mounted over the host's, in the throwaway mount namespace). The database then agrees with
   * what ran, but it is the build's word: the record, and the CycloneDX BOM that
   * {@code plumbline report} makes of it, say database-changed, never match.
   */
  @Test
  void aBuildThatMakesTheDatabaseAgreeWithItsModifiedBinaryGetsNoMatch() throws Exception {
    Path modified = modifiedXz("xz-modified-2", 1);
    Path info = dir.resolve("dpkg-info");
    Path record = dir.resolve("database-changed-record.json");
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    String cp = System.getProperty("java.class.path");
    // the build: the md5sums line of usr/bin/xz gets the MD5 of the binary at /usr/bin/xz (a new file renamed over the old), then xz runs
    String build = "m=$(md5sum /usr/bin/xz | cut -c1-32) && f=/var/lib/dpkg/info/xz-utils.md5sums"
        + " && sed \"s|^[0-9a-f]*  usr/bin/xz\\$|$m  usr/bin/xz|\" \"$f\" > \"$f.new\" && mv -f \"$f.new\" \"$f\" && /usr/bin/xz --version";
    Process p = new ProcessBuilder("unshare", "-m", "--propagation", "private", "sh", "-c",
        "cp -a /var/lib/dpkg/info \"$5\" && mount --bind \"$5\" /var/lib/dpkg/info && mount --bind \"$1\" /usr/bin/xz"
            + " && exec \"$2\" -cp \"$3\" dev.plumbline.cli.Main run --record \"$4\" -- sh -c \"$6\"",
        "sh", modified.toString(), java, cp, record.toString(), info.toString(), build)
        .redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertEquals(0, p.waitFor(), out);
    JsonNode r = CanonicalJson.mapper().readTree(record.toFile());
    assertTrue(r.at("/packages/databases/0/changedDuringBuild").toString().contains("/var/lib/dpkg/info/xz-utils.md5sums"),
        r.at("/packages/databases").toString());
    JsonNode xz = usedPackage(r, "xz-utils");
    assertTrue(xz != null, r.at("/packages").toString());
    assertEquals(sha256(modified), xz.at("/files/0/sha256").asText(), "the record holds what ran: the modified copy");
    String md5 = HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(Files.readAllBytes(modified)));
    assertEquals("md5:" + md5, xz.at("/files/0/digest").asText(), "the database as the build left it agrees with what ran");
    assertEquals("database-changed", xz.at("/files/0/digestMatch").asText());

    Path bom = dir.resolve("database-changed.cdx.json");
    Cli.Result report = Cli.run("report", "--record", record.toString(), "--cyclonedx", bom.toString()).assertNoStackTrace();
    assertEquals(0, report.code(), report.err());
    String bomText = Files.readString(bom);
    assertTrue(bomText.contains("/usr/bin/xz"), bomText);
    assertFalse(bomText.contains("\"value\" : \"match\""), "no file of the changed database is a match in the BOM: " + bomText);
    assertTrue(bomText.contains("\"value\" : \"database-changed\""), bomText);
    assertTrue(Files.readString(Path.of("/var/lib/dpkg/info/xz-utils.md5sums")).contains("  usr/bin/xz\n")
        && !Files.readString(Path.of("/var/lib/dpkg/info/xz-utils.md5sums")).contains(md5), "the host's database was not touched");
  }

  /**
   * A copy of /usr/bin/xz with one byte {@code extra} appended (it still runs, with another
   * digest), for the tests that bind-mount it over /usr/bin/xz in a throwaway mount namespace:
   * they need root and unshare(1).
   */
  private static Path modifiedXz(String name, int extra) throws IOException {
    if (!"root".equals(System.getProperty("user.name")) || !Files.isExecutable(Path.of("/usr/bin/unshare"))) {
      fail("needs root and unshare(1) (util-linux) to bind-mount a modified binary in a throwaway mount namespace");
    }
    Path modified = dir.resolve(name);
    Files.copy(Path.of("/usr/bin/xz"), modified);
    Files.write(modified, new byte[] {(byte) extra}, java.nio.file.StandardOpenOption.APPEND);
    return modified;
  }
}
