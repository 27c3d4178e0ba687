package dev.plumbline.packages;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ApkDatabaseTest {
  private static final Path ROOT = Fixtures.resource("apk-root");
  private static final Distro ALPINE = new Distro("alpine", "3.19.1", null);

  private static String sha256(Path f) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(f)));
  }

  @Test
  void listsInstalledPackagesWithPurls() throws Exception {
    ApkDatabase db = new ApkDatabase(ROOT, ALPINE);
    List<InstalledPackage> pkgs = db.installed();
    assertEquals(List.of("musl", "xz", "xz-libs"), pkgs.stream().map(InstalledPackage::name).toList());
    InstalledPackage libs = pkgs.get(2);
    assertEquals("5.4.5-r0", libs.version());
    assertEquals("x86_64", libs.arch());
    assertEquals("pkg:apk/alpine/xz-libs@5.4.5-r0?arch=x86_64&distro=alpine-3.19.1", libs.purl());
  }

  @Test
  void ownersCarryTheirChecksums() throws Exception {
    ApkDatabase db = new ApkDatabase(ROOT, ALPINE);
    Map<String, List<OwnedFile>> owners =
        db.owners(List.of("/usr/bin/xz", "/usr/lib/liblzma.so.5.4.5", "/lib/ld-musl-x86_64.so.1", "/usr/bin/unowned", "/usr/bin/lzma"));
    assertEquals("xz", owners.get("/usr/bin/xz").get(0).pkg().name());
    assertEquals("sha1", owners.get("/usr/bin/xz").get(0).digest().algorithm());
    assertEquals("sha256", owners.get("/usr/lib/liblzma.so.5.4.5").get(0).digest().algorithm());
    assertEquals("musl", owners.get("/lib/ld-musl-x86_64.so.1").get(0).pkg().name());
    assertEquals("md5", owners.get("/usr/bin/lzma").get(0).digest().algorithm());
    assertFalse(owners.containsKey("/usr/bin/unowned"));
  }

  @Test
  void fixtureFilesMatchTheirPackagesAndAModifiedOneDoesNot() throws Exception {
    ApkDatabase db = new ApkDatabase(ROOT, ALPINE);
    for (String path : List.of("/usr/bin/xz", "/usr/lib/liblzma.so.5.4.5", "/lib/ld-musl-x86_64.so.1")) {
      OwnedFile f = db.owners(List.of(path)).get(path).get(0);
      Path onDisk = ROOT.resolve(path.substring(1));
      assertEquals(DigestMatch.MATCH, DigestMatch.check(onDisk, f.digest(), sha256(onDisk)), path);
    }
    // the packaged libc symlink's checksum is of a file not in the tree: another content does not match
    OwnedFile libc = db.owners(List.of("/lib/libc.musl-x86_64.so.1")).get("/lib/libc.musl-x86_64.so.1").get(0);
    Path other = ROOT.resolve("usr/bin/xz");
    assertEquals(DigestMatch.MISMATCH, DigestMatch.check(other, libc.digest(), sha256(other)));
  }

  @Test
  void parserKeepsParagraphsApartAndIgnoresUnknownLines() {
    List<ApkInstalled.Entry> e =
        ApkInstalled.parse("P:a\nV:1-r0\nA:noarch\nF:etc\nR:a.conf\nweird line\n\nP:b\nV:2-r1\nR:top\nZ:Q1AAAAAAAAAAAAAAAAAAAAAAAAAAA=\n");
    assertEquals(2, e.size());
    assertTrue(e.get(0).files().containsKey("/etc/a.conf"));
    assertNull(e.get(0).files().get("/etc/a.conf"), "no Z line: no checksum");
    assertTrue(e.get(1).files().containsKey("/top"));
    assertEquals("sha1", e.get(1).files().get("/top").algorithm());
    assertNull(e.get(1).arch());
  }

  @Test
  void usrMergedRootFindsTheOtherName(@TempDir Path root) throws Exception {
    Files.createDirectories(root.resolve("usr/lib"));
    Files.createSymbolicLink(root.resolve("lib"), Path.of("usr/lib"));
    Files.createDirectories(root.resolve("lib/apk/db"));
    Files.writeString(root.resolve("lib/apk/db/installed"), "P:musl\nV:1\nA:x86_64\nF:lib\nR:ld-musl-x86_64.so.1\n\n");
    ApkDatabase db = new ApkDatabase(root, ALPINE);
    Map<String, List<OwnedFile>> o = db.owners(List.of("/usr/lib/ld-musl-x86_64.so.1"));
    assertEquals("/lib/ld-musl-x86_64.so.1", o.get("/usr/lib/ld-musl-x86_64.so.1").get(0).listedPath());
  }
}
