package dev.plumbline.packages;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DatabaseFilesTest {

  /** What the fingerprint held when every file was stat'ed through NIO: statx must give the same. */
  private static String nio(Path p) throws IOException {
    try {
      Map<String, Object> a = Files.readAttributes(p, "unix:ino,size,lastModifiedTime,ctime", LinkOption.NOFOLLOW_LINKS);
      return a.get("ino") + "/" + a.get("size") + "/" + ((FileTime) a.get("lastModifiedTime")).to(TimeUnit.NANOSECONDS)
          + "/" + ((FileTime) a.get("ctime")).to(TimeUnit.NANOSECONDS);
    } catch (NoSuchFileException e) {
      return "missing";
    }
  }

  @Test
  void theFingerprintIsWhatLstatSaysOfEachFileSymlinksNotFollowed(@TempDir Path dir) throws IOException {
    Path info = Files.createDirectory(dir.resolve("info"));
    Path status = Files.writeString(dir.resolve("status"), "Package: a\n");
    Path list = Files.writeString(info.resolve("a:amd64.list"), "/usr/bin/a\n");
    Files.createSymbolicLink(info.resolve("b.list"), list); // the link's own numbers, not its target's
    Files.createSymbolicLink(info.resolve("dangling.md5sums"), dir.resolve("nowhere"));
    // not plain printable ASCII: stat'ed by NIO, the same numbers
    Files.writeString(info.resolve("odd?name.list"), "x");
    Files.writeString(info.resolve("tab\tname.list"), "xy");
    Path missing = dir.resolve("diversions");

    DatabaseFiles files = new DatabaseFiles(List.of(status, missing), List.of(info));
    Map<String, String> expected = new HashMap<>();
    expected.put(status.toString(), nio(status));
    expected.put(missing.toString(), "missing");
    expected.put(info + "/", nio(info));
    try (var entries = Files.list(info)) {
      for (Path e : entries.toList()) {
        expected.put(e.toString(), nio(e));
      }
    }
    assertEquals(8, expected.size()); // the five entries, the directory, the two files
    assertEquals(expected, files.snapshot().stats());
  }

  @Test
  void aFileRewrittenWithItsTimesRestoredShowsByItsCtime(@TempDir Path dir) throws Exception {
    Path info = Files.createDirectory(dir.resolve("info"));
    Path md5 = Files.writeString(info.resolve("a.md5sums"), "0123  usr/bin/a\n");
    DatabaseFiles files = new DatabaseFiles(List.of(), List.of(info));
    DatabaseFiles.Fingerprint before = files.snapshot();
    FileTime mtime = Files.getLastModifiedTime(md5);
    Thread.sleep(20); // a ctime tick apart
    Files.writeString(md5, "9876  usr/bin/a\n"); // same size
    Files.setLastModifiedTime(md5, mtime);
    assertEquals(List.of(md5.toString()), files.snapshot().changedSince(before));
  }

  /**
   * What a database read is checked against a fingerprint taken before the read: a file rewritten
   * in between (same size, mtime put back), one that appeared and one that went are named; the
   * files read as they were are not.
   */
  @Test
  void filesReadAfterAFingerprintDisagreeWithItWhenTheyChanged(@TempDir Path root) throws Exception {
    Path admin = root.resolve("var/lib/dpkg");
    Path info = Files.createDirectories(admin.resolve("info"));
    Files.writeString(admin.resolve("status"), String.join("\n",
        "Package: a", "Status: install ok installed", "Architecture: amd64", "Version: 1", "",
        "Package: b", "Status: install ok installed", "Architecture: amd64", "Version: 1", "", ""));
    Files.writeString(info.resolve("a.list"), "/usr/bin/a\n");
    Files.writeString(info.resolve("b.list"), "/usr/bin/b\n");
    Path aSums = Files.writeString(info.resolve("a.md5sums"), "0".repeat(32) + "  usr/bin/a\n");
    Path bSums = info.resolve("b.md5sums"); // none yet

    DpkgDatabase unchanged = new DpkgDatabase(root, null);
    DatabaseFiles.Fingerprint fingerprint = unchanged.files().snapshot();
    unchanged.owners(List.of("/usr/bin/a", "/usr/bin/b"));
    assertEquals(List.of(), fingerprint.disagreeing(unchanged.filesRead()));
    assertEquals(FilesRead.MISSING, unchanged.filesRead().get(bSums.toString()), "an absent md5sums counts as read, missing");

    FileTime mtime = Files.getLastModifiedTime(aSums);
    Thread.sleep(20); // a ctime tick on coarse clocks too
    Files.writeString(aSums, "1".repeat(32) + "  usr/bin/a\n");
    Files.setLastModifiedTime(aSums, mtime);
    Files.writeString(bSums, "2".repeat(32) + "  usr/bin/b\n");
    DpkgDatabase after = new DpkgDatabase(root, null);
    after.owners(List.of("/usr/bin/a", "/usr/bin/b"));
    assertEquals(List.of(info + "/", aSums.toString(), bSums.toString()), fingerprint.disagreeing(after.filesRead()));
  }
}
