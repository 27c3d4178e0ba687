package dev.plumbline.record;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * The state of every git-tracked file before the build, compared again after it: a change the
 * tracer did not see (a write through a hard link outside the working directory, through a
 * descriptor passed in, through {@code /proc/PID/fd}, a raced path, memory-mapped writes, a process
 * outside the tree) still shows up. Identity and metadata only (device, inode, size, mtime, ctime,
 * mode): {@code ctime} changes with every write to the inode and cannot be set back by an
 * unprivileged process, so an unchanged stat means unchanged content.
 */
public final class SourceScan {
  /** What lstat says of one file; {@code null} fields mean the file did not exist. */
  record Stat(Object dev, Object ino, long size, long mtimeNanos, long ctimeNanos, Object mode) {}

  /** How a tracked file changed: {@code deleted}, {@code created}, {@code replaced} (another inode at the path), {@code changed}. */
  public record Change(String path, String kind) {}

  private final Path workdir;
  private final Map<String, Stat> before;

  private SourceScan(Path workdir, Map<String, Stat> before) {
    this.workdir = workdir;
    this.before = before;
  }

  /** Stats every tracked file now (lstat: a tracked symlink is compared as a link). */
  public static SourceScan before(Path workdir, GitTrackedFiles tracked) {
    Map<String, Stat> state = new LinkedHashMap<>();
    for (String path : tracked.paths()) {
      state.put(path, stat(workdir.resolve(path)));
    }
    return new SourceScan(workdir, state);
  }

  /** An empty scan (no git, or tests that feed events only). */
  public static SourceScan none() {
    return new SourceScan(Path.of("."), Map.of());
  }

  /** Every tracked file whose state differs from before, sorted by path. */
  public Map<String, Change> changes() {
    Map<String, Change> out = new TreeMap<>();
    before.forEach((path, then) -> {
      Stat now = stat(workdir.resolve(path));
      String kind = compare(then, now);
      if (kind != null) {
        out.put(path, new Change(path, kind));
      }
    });
    return out;
  }

  static String compare(Stat then, Stat now) {
    if (then == null && now == null) {
      return null;
    }
    if (then == null) {
      return "created";
    }
    if (now == null) {
      return "deleted";
    }
    if (!Objects.equals(then.dev(), now.dev()) || !Objects.equals(then.ino(), now.ino())) {
      return "replaced";
    }
    return then.equals(now) ? null : "changed";
  }

  static Stat stat(Path p) {
    try {
      Map<String, Object> a = Files.readAttributes(p, "unix:dev,ino,size,lastModifiedTime,ctime,mode", LinkOption.NOFOLLOW_LINKS);
      return new Stat(
          a.get("dev"),
          a.get("ino"),
          ((Number) a.get("size")).longValue(),
          nanos(a.get("lastModifiedTime")),
          nanos(a.get("ctime")),
          a.get("mode"));
    } catch (NoSuchFileException e) {
      return null;
    } catch (IOException | UnsupportedOperationException e) {
      // unreadable: compare as "changed" against anything but the same failure
      return new Stat("?", "?", -1, -1, -1, e.getClass().getSimpleName());
    }
  }

  private static long nanos(Object fileTime) {
    if (fileTime instanceof java.nio.file.attribute.FileTime t) {
      return t.to(java.util.concurrent.TimeUnit.NANOSECONDS);
    }
    return -1;
  }
}
