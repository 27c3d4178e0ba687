package dev.plumbline.packages;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.TreeSet;

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
    Map<String, String> stats = new TreeMap<>();
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

  private static String stat(Path p) {
    try {
      Map<String, Object> a = Files.readAttributes(p, "unix:ino,size,lastModifiedTime,ctime", LinkOption.NOFOLLOW_LINKS);
      return a.get("ino") + "/" + a.get("size") + "/" + a.get("lastModifiedTime") + "/" + a.get("ctime");
    } catch (NoSuchFileException e) {
      return "missing";
    } catch (IOException | UnsupportedOperationException e) {
      return "unreadable";
    }
  }

  /** File → state, as {@link #snapshot()} saw it. */
  public record Fingerprint(Map<String, String> stats) {
    public Fingerprint {
      stats = Map.copyOf(stats);
    }

    /** The files (directories end in /) added, removed or changed since {@code before}, sorted. */
    public List<String> changedSince(Fingerprint before) {
      TreeSet<String> all = new TreeSet<>(stats.keySet());
      all.addAll(before.stats.keySet());
      List<String> changed = new ArrayList<>();
      for (String f : all) {
        if (!Objects.equals(stats.get(f), before.stats.get(f))) {
          changed.add(f);
        }
      }
      return changed;
    }
  }
}
