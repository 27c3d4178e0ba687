package dev.plumbline.record;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SourceScanTest {
  @TempDir Path dir;

  @Test
  void theStatOfAPlainNameIsWhatNioSays() throws Exception {
    Path f = Files.writeString(dir.resolve("plain.txt"), "x");
    SourceScan.Stat s = SourceScan.stat(f); // statx
    Map<String, Object> a = Files.readAttributes(f, "unix:dev,ino,size,lastModifiedTime,ctime,mode", LinkOption.NOFOLLOW_LINKS);
    assertEquals(((Number) a.get("dev")).longValue(), s.dev());
    assertEquals(((Number) a.get("ino")).longValue(), s.ino());
    assertEquals(1, s.size());
    assertEquals(((FileTime) a.get("lastModifiedTime")).to(TimeUnit.NANOSECONDS), s.mtimeNanos());
    assertEquals(((FileTime) a.get("ctime")).to(TimeUnit.NANOSECONDS), s.ctimeNanos());
    assertEquals(((Number) a.get("mode")).longValue(), s.mode());
    assertNull(s.failure());
  }

  @Test
  void eachKindOfChangeOfAPlainAndANonAsciiName() throws Exception {
    for (String name : new String[] {"plain.txt", "n\u00e4me?.txt"}) { // the second through NIO
      Path f = Files.writeString(dir.resolve(name), "before");
      SourceScan.Stat then = SourceScan.stat(f);
      assertNotNull(then, name);
      assertNull(SourceScan.compare(then, SourceScan.stat(f)), name);

      Files.writeString(f, "after!"); // same inode, new content
      assertEquals("changed", SourceScan.compare(then, SourceScan.stat(f)), name);

      SourceScan.Stat written = SourceScan.stat(f);
      Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rwx------")); // metadata only
      assertEquals("changed", SourceScan.compare(written, SourceScan.stat(f)), name);

      SourceScan.Stat chmodded = SourceScan.stat(f);
      Path other = Files.writeString(dir.resolve("other"), "after!");
      Files.move(other, f, StandardCopyOption.REPLACE_EXISTING); // another inode at the path
      assertEquals("replaced", SourceScan.compare(chmodded, SourceScan.stat(f)), name);

      SourceScan.Stat moved = SourceScan.stat(f);
      Files.delete(f);
      assertNull(SourceScan.stat(f), name);
      assertEquals("deleted", SourceScan.compare(moved, SourceScan.stat(f)), name);
      assertNull(SourceScan.compare(null, SourceScan.stat(f)), name);
      Files.writeString(f, "again");
      assertEquals("created", SourceScan.compare(null, SourceScan.stat(f)), name);
    }
  }

  @Test
  void aFailureIsNeverAnUnchangedFile() {
    SourceScan.Stat denied = new SourceScan.Stat(-1, -1, -1, -1, -1, -1, "AccessDeniedException");
    SourceScan.Stat loop = new SourceScan.Stat(-1, -1, -1, -1, -1, -1, "FileSystemLoopException");
    SourceScan.Stat file = new SourceScan.Stat(2049, 12, 5, 1, 1, 0100644, null);
    // the same failure before and after: a folder of mode 000 may have been opened, written and closed again
    assertEquals("unverifiable", SourceScan.compare(denied, new SourceScan.Stat(-1, -1, -1, -1, -1, -1, "AccessDeniedException")));
    assertEquals("unverifiable", SourceScan.compare(denied, loop));
    assertEquals("unverifiable", SourceScan.compare(file, denied));
    assertEquals("unverifiable", SourceScan.compare(denied, file));
    assertEquals("deleted", SourceScan.compare(denied, null));
    assertEquals("created", SourceScan.compare(null, denied));
  }
}
