package dev.plumbline.packages;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** dpkg's layout on a small tree; the real database of this machine is read in DpkgDatabaseRealTest. */
class DpkgDatabaseTest {
  private static final Distro DEBIAN = new Distro("debian", "12", "bookworm");
  @TempDir Path root;

  private void write(String relative, String text) throws Exception {
    Path p = root.resolve(relative);
    Files.createDirectories(p.getParent());
    Files.writeString(p, text);
  }

  @BeforeEach
  void tree() throws Exception {
    Files.createDirectories(root.resolve("usr/bin"));
    Files.createDirectories(root.resolve("usr/lib"));
    Files.createSymbolicLink(root.resolve("bin"), Path.of("usr/bin"));
    Files.createSymbolicLink(root.resolve("lib"), Path.of("usr/lib"));
    write(
        "var/lib/dpkg/status",
        String.join(
            "\n",
            "Package: liblzma5",
            "Status: install ok installed",
            "Architecture: amd64",
            "Multi-Arch: same",
            "Version: 5.4.1-0.2",
            "Description: XZ-format compression library",
            " Multi-line description: Package: not-a-package",
            "",
            "Package: liblzma5",
            "Status: install ok installed",
            "Architecture: i386",
            "Multi-Arch: same",
            "Version: 5.4.1-0.2",
            "",
            "Package: xz-utils",
            "Status: install ok installed",
            "Architecture: amd64",
            "Multi-Arch: foreign",
            "Version: 5.4.1-0.2",
            "",
            "Package: dash",
            "Status: install ok installed",
            "Architecture: amd64",
            "Version: 0.5.12-2",
            "",
            "Package: busybox",
            "Status: install ok installed",
            "Architecture: amd64",
            "Version: 1:1.35.0-4+b3",
            "",
            "Package: removed-tool",
            "Status: deinstall ok config-files",
            "Architecture: amd64",
            "Version: 1.0",
            ""));
    write("var/lib/dpkg/info/liblzma5:amd64.list", "/.\n/lib\n/lib/x86_64-linux-gnu\n/lib/x86_64-linux-gnu/liblzma.so.5.4.1\n/lib/x86_64-linux-gnu/liblzma.so.5\n/usr/share/doc/liblzma5/copyright\n");
    write("var/lib/dpkg/info/liblzma5:amd64.md5sums", "af0e525fd86aa1ea0899f6152cd6a756  lib/x86_64-linux-gnu/liblzma.so.5.4.1\n");
    write("var/lib/dpkg/info/liblzma5:i386.list", "/lib/i386-linux-gnu/liblzma.so.5.4.1\n/usr/share/doc/liblzma5/copyright\n");
    write("var/lib/dpkg/info/xz-utils.list", "/usr/bin/xz\n/usr/bin/unxz\n");
    write("var/lib/dpkg/info/xz-utils.md5sums", "0123456789abcdef0123456789abcdef  usr/bin/xz\n");
    write("var/lib/dpkg/info/dash.list", "/bin/dash\n/bin/sh.distrib\n");
    write("var/lib/dpkg/info/busybox.list", "/bin/busybox\n/bin/sh\n");
    write("var/lib/dpkg/info/busybox.md5sums", "11111111111111111111111111111111  bin/sh\n");
    write("var/lib/dpkg/info/removed-tool.list", "/etc/removed-tool.conf\n");
    write("var/lib/dpkg/info/stale.list", "/usr/bin/stale\n");
    // dash diverts /bin/sh (busybox's) to /bin/sh.distrib-moved
    write("var/lib/dpkg/diversions", "/bin/sh\n/bin/sh.busybox\ndash\n");
  }

  @Test
  void installedSkipsConfigFilesOnlyPackagesAndKeepsBothArchitectures() throws Exception {
    List<InstalledPackage> pkgs = new DpkgDatabase(root, DEBIAN).installed();
    assertEquals(
        List.of("busybox:amd64", "dash:amd64", "liblzma5:amd64", "liblzma5:i386", "xz-utils:amd64"),
        pkgs.stream().map(InstalledPackage::displayName).toList());
    assertEquals("pkg:deb/debian/busybox@1:1.35.0-4%2Bb3?arch=amd64&distro=debian-12", pkgs.get(0).purl());
  }

  @Test
  void ownerThroughTheUsrMergeWithItsMd5() throws Exception {
    Map<String, List<OwnedFile>> o =
        new DpkgDatabase(root, DEBIAN).owners(List.of("/usr/lib/x86_64-linux-gnu/liblzma.so.5.4.1", "/usr/bin/xz", "/usr/bin/unxz", "/usr/bin/cc"));
    OwnedFile lib = o.get("/usr/lib/x86_64-linux-gnu/liblzma.so.5.4.1").get(0);
    assertEquals("liblzma5", lib.pkg().name());
    assertEquals("amd64", lib.pkg().arch());
    assertEquals("/lib/x86_64-linux-gnu/liblzma.so.5.4.1", lib.listedPath());
    assertEquals(new FileDigest("md5", "af0e525fd86aa1ea0899f6152cd6a756"), lib.digest());
    assertEquals("xz-utils", o.get("/usr/bin/xz").get(0).pkg().name());
    assertEquals("0123456789abcdef0123456789abcdef", o.get("/usr/bin/xz").get(0).digest().hex());
    assertNull(o.get("/usr/bin/unxz").get(0).digest());
    assertFalse(o.containsKey("/usr/bin/cc"));
  }

  @Test
  void sharedFilesOfMultiArchPackagesHaveBothOwners() throws Exception {
    Map<String, List<OwnedFile>> o = new DpkgDatabase(root, DEBIAN).owners(List.of("/usr/share/doc/liblzma5/copyright"));
    assertEquals(List.of("liblzma5:amd64", "liblzma5:i386"), o.get("/usr/share/doc/liblzma5/copyright").stream().map(f -> f.pkg().displayName()).toList());
  }

  @Test
  void divertedFilesBelongToWhoeverPutThemThere() throws Exception {
    Map<String, List<OwnedFile>> o = new DpkgDatabase(root, DEBIAN).owners(List.of("/usr/bin/sh", "/bin/sh.busybox"));
    // dash diverted /bin/sh but does not ship it: the file at /bin/sh belongs to no package
    assertFalse(o.containsKey("/usr/bin/sh"));
    // busybox's /bin/sh lives at the diversion's target, with busybox's digest
    OwnedFile moved = o.get("/bin/sh.busybox").get(0);
    assertEquals("busybox", moved.pkg().name());
    assertEquals("/bin/sh", moved.listedPath());
    assertEquals("11111111111111111111111111111111", moved.digest().hex());
  }

  @Test
  void listsOfPackagesNotInTheStatusFileAreIgnored() throws Exception {
    assertTrue(new DpkgDatabase(root, DEBIAN).owners(List.of("/usr/bin/stale")).isEmpty());
  }

  @Test
  void notMergedRootKeepsTheNamesApart(@TempDir Path other) throws Exception {
    Files.createDirectories(other.resolve("var/lib/dpkg/info"));
    Files.createDirectories(other.resolve("bin"));
    Files.writeString(other.resolve("var/lib/dpkg/status"), "Package: dash\nStatus: install ok installed\nArchitecture: amd64\nVersion: 1\n\n");
    Files.writeString(other.resolve("var/lib/dpkg/info/dash.list"), "/bin/dash\n");
    DpkgDatabase db = new DpkgDatabase(other, DEBIAN);
    assertTrue(db.owners(List.of("/usr/bin/dash")).isEmpty());
    assertEquals(1, db.owners(List.of("/bin/dash")).size());
  }

  @Test
  void missingStatusIsOneLine(@TempDir Path empty) {
    assertFalse(DpkgDatabase.presentIn(empty));
    PackageDatabaseException e = assertThrows(PackageDatabaseException.class, () -> new DpkgDatabase(empty, DEBIAN).installed());
    assertTrue(e.getMessage().endsWith("status: missing"), e.getMessage());
  }

  @Test
  void aChangedDatabaseFileShowsInTheFingerprint() throws Exception {
    DatabaseFiles files = new DpkgDatabase(root, DEBIAN).files();
    DatabaseFiles.Fingerprint before = files.snapshot();
    assertEquals(List.of(), files.snapshot().changedSince(before));
    Path md5 = root.resolve("var/lib/dpkg/info/xz-utils.md5sums");
    var mtime = Files.getLastModifiedTime(md5);
    Thread.sleep(20); // ctime has nanosecond resolution here; a short pause makes the change visible on coarse clocks too
    Files.writeString(md5, "fedcba9876543210fedcba9876543210  usr/bin/xz\n");
    Files.setLastModifiedTime(md5, mtime); // putting mtime back does not hide it: ctime moved
    write("var/lib/dpkg/info/new.list", "/usr/bin/new\n");
    List<String> changed = files.snapshot().changedSince(before);
    assertTrue(changed.contains(md5.toString()), changed.toString());
    assertTrue(changed.contains(root.resolve("var/lib/dpkg/info/new.list").toString()), changed.toString());
  }

  /** Every path of the fixture lists, names that are not lines (a prefix, a longer name, a directory's child), asked both ways. */
  private static final List<String> ASKED = List.of(
      "/usr/lib/x86_64-linux-gnu/liblzma.so.5.4.1", "/lib/x86_64-linux-gnu/liblzma.so.5", "/usr/bin/xz", "/usr/bin/unxz",
      "/usr/bin/x", "/usr/bin/xzz", "/usr/bin/cc", "/usr/share/doc/liblzma5/copyright", "/lib/i386-linux-gnu/liblzma.so.5.4.1",
      "/usr/bin/sh", "/bin/sh.busybox", "/bin/busybox", "/bin/dash", "/usr/bin/stale", "/etc/removed-tool.conf", "/.", "/lib");

  @Test
  void aPreparedDatabaseAnswersAsOneThatReadsWhenAsked() throws Exception {
    DpkgDatabase prepared = new DpkgDatabase(root, DEBIAN);
    prepared.prepare();
    DpkgDatabase lazy = new DpkgDatabase(root, DEBIAN);
    Map<String, List<OwnedFile>> expected = lazy.owners(ASKED);
    assertEquals(expected, prepared.owners(ASKED));
    assertEquals(lazy.installed(), prepared.installed());
    assertEquals(12, expected.size(), expected.keySet().toString()); // the fixture's owned paths, /usr merge and diversions included
    assertEquals(expected, new DpkgDatabase(root, DEBIAN).reopened().owners(ASKED));
  }

  /** Lists longer than the read buffer, lines across its boundary, a last line without a newline, a line that is a prefix of another. */
  @Test
  void longListsAreFoundLineByLineBothWays() throws Exception {
    StringBuilder status = new StringBuilder();
    List<String> asked = new ArrayList<>();
    for (int pkg = 0; pkg < 3; pkg++) {
      status.append("Package: big").append(pkg).append("\nStatus: install ok installed\nArchitecture: amd64\nVersion: 1\n\n");
      StringBuilder list = new StringBuilder();
      for (int i = 0; i < 2000; i++) {
        String line = "/usr/share/big" + (i % 7 == 0 ? "" : pkg) + "/" + "d".repeat(i % 53) + "/file-" + i;
        list.append(line).append('\n');
        asked.add(line);
      }
      list.append("/usr/share/big").append(pkg).append("/last"); // no newline
      asked.add("/usr/share/big" + pkg + "/last");
      asked.add("/usr/share/big" + pkg + "/las");
      write("var/lib/dpkg/info/big" + pkg + ".list", list.toString());
    }
    assertTrue(Files.size(root.resolve("var/lib/dpkg/info/big0.list")) > 100_000);
    write("var/lib/dpkg/status", status.toString());
    DpkgDatabase prepared = new DpkgDatabase(root, DEBIAN);
    prepared.prepare();
    Map<String, List<OwnedFile>> scanned = new DpkgDatabase(root, DEBIAN).owners(asked);
    assertEquals(scanned, prepared.owners(asked));
    assertEquals(new java.util.HashSet<>(asked).size() - 3, scanned.size()); // every line; the three "/las" are none
    // lines every list has (i % 7 == 0) belong to all three, in list order
    assertEquals(List.of("big0", "big1", "big2"),
        scanned.get("/usr/share/big//file-0").stream().map(f -> f.pkg().name()).toList());
    assertEquals(List.of("big2"), scanned.get("/usr/share/big2/last").stream().map(f -> f.pkg().name()).toList());
  }
}
