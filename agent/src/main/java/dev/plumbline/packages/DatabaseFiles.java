package dev.plumbline.packages;

import dev.plumbline.linux.PathHandles;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The files a package database consists of (single files, and directories whose entries count),
 * so that a snapshot taken before a build and one taken after tell whether the build changed the
 * database it is then judged by: a build running as root could rewrite an md5sums file to hide a
 * modified binary. A snapshot holds (inode, size, mtime, ctime) of each file; ctime cannot be set
 * back by anyone, so a write shows even when mtime is restored.
 */
public record DatabaseFiles(List<Path> files, List<Path> directories) {

  public DatabaseFiles {
    files = List.copyOf(files);
    directories = List.copyOf(directories);
  }

  /** The state of every file now; missing files are recorded as missing. */
  public Fingerprint snapshot() {
    Map<String, String> stats = new HashMap<>(); // unsorted: dpkg's info/ has thousands of entries
    for (Path f : files) {
      stats.put(f.toString(), stat(f));
    }
    for (Path d : directories) {
      stats.put(d + "/", stat(d));
      try (DirectoryStream<Path> entries = Files.newDirectoryStream(d)) {
        for (Path e : entries) {
          stats.put(e.toString(), stat(e));
        }
      } catch (IOException e) {
        // a missing or unreadable directory is recorded by its own stat above
      }
    }
    return new Fingerprint(stats);
  }

  /** A file's state as a snapshot holds it (what {@link FilesRead} notes of a file it read, too). */
  static String state(long ino, long size, long modifiedNanos, long changedNanos) {
    return ino + "/" + size + "/" + modifiedNanos + "/" + changedNanos;
  }

  static String stat(Path p) {
    // one statx where the name is plain ASCII (all of dpkg's and apk's); another name through NIO
    PathHandles.FileStat s = PathHandles.lstat(p);
    if (s != null) { // the same four numbers as NIO's below
      return state(s.ino(), s.size(), s.modifiedNanos(), s.changedNanos());
    }
    try { // and every failure as before: a missing file, an unreadable one
      Map<String, Object> a = Files.readAttributes(p, "unix:ino,size,lastModifiedTime,ctime", LinkOption.NOFOLLOW_LINKS);
      // times as nanosecond counts: FileTime.toString formats a date, which was most of a snapshot's cost
      return a.get("ino") + "/" + a.get("size") + "/" + nanos(a.get("lastModifiedTime")) + "/" + nanos(a.get("ctime"));
    } catch (NoSuchFileException e) {
      return FilesRead.MISSING;
    } catch (IOException | UnsupportedOperationException e) {
      return "unreadable";
    }
  }

  private static String nanos(Object time) {
    return time instanceof FileTime t ? Long.toString(t.to(TimeUnit.NANOSECONDS)) : String.valueOf(time);
  }

  /** File → state, as {@link #snapshot()} saw it. */
  public record Fingerprint(Map<String, String> stats) {
    public Fingerprint {
      stats = Map.copyOf(stats);
    }

    /** The files (directories end in /) added, removed or changed since {@code before}, sorted. */
    public List<String> changedSince(Fingerprint before) {
      List<String> changed = new ArrayList<>();
      stats.forEach((f, state) -> {
        if (!state.equals(before.stats.get(f))) {
          changed.add(f);
        }
      });
      before.stats.keySet().forEach(f -> {
        if (!stats.containsKey(f)) {
          changed.add(f);
        }
      });
      changed.sort(null); // only the few that changed are sorted
      return changed;
    }

    /**
     * The files of {@code read} (file → its state while a database read it, {@link
     * PackageDatabase#filesRead}) whose state is not the one this fingerprint holds (a file it does
     * not hold counts as missing), sorted: what a database answered from them is not what this
     * fingerprint vouches for.
     */
    public List<String> disagreeing(Map<String, String> read) {
      List<String> out = new ArrayList<>();
      read.forEach((f, state) -> {
        if (!state.equals(stats.getOrDefault(f, FilesRead.MISSING))) {
          out.add(f);
        }
      });
      out.sort(null);
      return out;
    }
  }
}
