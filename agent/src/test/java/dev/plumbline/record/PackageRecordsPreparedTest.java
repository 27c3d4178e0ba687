package dev.plumbline.record;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.plumbline.packages.Distro;
import dev.plumbline.packages.RpmDatabase;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A dpkg database read while the build runs ({@link PackageRecords#prepare}) and changed by the
 * build afterwards: the record must say what the database says after the build, as if nothing had
 * been read before, and name what changed. The changes keep each file's size and put its mtime
 * back, so only the ctime tells.
 */
class PackageRecordsPreparedTest {
  private static final Distro DEBIAN = new Distro("debian", "12", "bookworm");
  private static final RpmDatabase.Query NO_RPM = RpmDatabase.unavailable("not in this test");
  @TempDir Path root;

  private void write(String relative, String text) throws Exception {
    Path p = root.resolve(relative);
    Files.createDirectories(p.getParent());
    Files.writeString(p, text);
  }

  private static String hex(String algorithm, byte[] bytes) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance(algorithm).digest(bytes));
  }

  private String xzSha256;

  @BeforeEach
  void database() throws Exception {
    byte[] xz = "the packaged xz".getBytes();
    write("usr/bin/xz", "the packaged xz");
    write("usr/bin/lzma", "the packaged lzma");
    xzSha256 = hex("SHA-256", xz);
    write("var/lib/dpkg/status", String.join("\n",
        "Package: xz-utils", "Status: install ok installed", "Architecture: amd64", "Version: 5.4.1-0.2", "",
        "Package: lzma", "Status: install ok installed", "Architecture: amd64", "Version: 9.22-2.2", "", ""));
    write("var/lib/dpkg/info/xz-utils.list", "/usr/bin\n/usr/bin/xz\n");
    write("var/lib/dpkg/info/xz-utils.md5sums", hex("MD5", xz) + "  usr/bin/xz\n");
    write("var/lib/dpkg/info/lzma.list", "/usr/bin\n/usr/bin/xy\n");
  }

  private BuildRecord ran() {
    BuildRecord base = dev.plumbline.testing.Records.sample(true);
    return new BuildRecord(base.format(), base.agent(), base.invocation(), base.completeness(),
        List.of(new BuildRecord.Tool("/usr/bin/xz", xzSha256, 1)), List.of(), List.of(), List.of(), List.of(), null, null,
        null, null, null);
  }

  /** The build rewrites {@code relative} in place: same size, mtime put back. */
  private void changeInPlace(String relative, String from, String to) throws Exception {
    Path p = root.resolve(relative);
    FileTime mtime = Files.getLastModifiedTime(p);
    String text = Files.readString(p);
    String changed = text.replace(from, to);
    assertEquals(text.length(), changed.length(), "the change keeps the size");
    Thread.sleep(20); // a ctime tick on coarse clocks too
    Files.writeString(p, changed);
    Files.setLastModifiedTime(p, mtime);
  }

  private static String ownerOf(BuildRecord r, String path) {
    for (BuildRecord.UsedPackage u : r.packages().used()) {
      for (BuildRecord.PackageFile f : u.files()) {
        if (f.path().equals(path)) {
          return u.name() + " " + u.version();
        }
      }
    }
    return null;
  }

  @Test
  void unchangedDatabaseRecordsWhatWasReadDuringTheBuild() throws Exception {
    PackageRecords packages = PackageRecords.before(root, DEBIAN, NO_RPM);
    packages.prepare(Runnable::run);
    BuildRecord r = packages.annotate(ran());
    assertEquals("xz-utils 5.4.1-0.2", ownerOf(r, "/usr/bin/xz"));
    assertEquals("match", r.packages().used().get(0).files().get(0).digestMatch());
    assertNull(r.packages().databases().get(0).changedDuringBuild());
    assertEquals(r.packages(), PackageRecords.before(root, DEBIAN, NO_RPM).annotate(ran()).packages(), "as if read after the build");
  }

  @Test
  void statusChangedAfterItWasReadIsReadAgain() throws Exception {
    PackageRecords packages = PackageRecords.before(root, DEBIAN, NO_RPM);
    packages.prepare(Runnable::run);
    changeInPlace("var/lib/dpkg/status", "Version: 5.4.1-0.2", "Version: 5.6.0-0.1"); // the build, as root
    BuildRecord r = packages.annotate(ran());
    assertEquals("xz-utils 5.6.0-0.1", ownerOf(r, "/usr/bin/xz"));
    assertEquals(List.of(root.resolve("var/lib/dpkg/status").toString()), r.packages().databases().get(0).changedDuringBuild());
  }

  @Test
  void listChangedAfterItWasIndexedIsReadAgain() throws Exception {
    PackageRecords packages = PackageRecords.before(root, DEBIAN, NO_RPM);
    packages.prepare(Runnable::run);
    // the build hands /usr/bin/xz to another package: its list now names it, xz-utils' no longer does
    changeInPlace("var/lib/dpkg/info/lzma.list", "/usr/bin/xy", "/usr/bin/xz");
    changeInPlace("var/lib/dpkg/info/xz-utils.list", "/usr/bin/xz", "/usr/bin/xy");
    BuildRecord r = packages.annotate(ran());
    assertEquals("lzma 9.22-2.2", ownerOf(r, "/usr/bin/xz"));
    assertEquals("no-digest", r.packages().used().get(0).files().get(0).digestMatch()); // lzma has no md5sums
    assertEquals(List.of(root.resolve("var/lib/dpkg/info/lzma.list").toString(), root.resolve("var/lib/dpkg/info/xz-utils.list").toString()),
        r.packages().databases().get(0).changedDuringBuild());
    assertEquals(r.packages().used(), PackageRecords.before(root, DEBIAN, NO_RPM).annotate(ran()).packages().used(),
        "as a database read only after the build says");
  }

  @Test
  void aListRewrittenWithAnotherSizeIsSeen() throws Exception {
    PackageRecords packages = PackageRecords.before(root, DEBIAN, NO_RPM);
    packages.prepare(Runnable::run);
    write("var/lib/dpkg/info/lzma.list", "/usr/bin\n/usr/bin/xz\n"); // replaced by a longer one: also a new size
    BuildRecord r = packages.annotate(ran());
    assertEquals(List.of("lzma", "xz-utils"), r.packages().used().stream().map(BuildRecord.UsedPackage::name).toList());
  }
}
