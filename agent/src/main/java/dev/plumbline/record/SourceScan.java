package dev.plumbline.record;

import dev.plumbline.linux.PathHandles;
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
  /**
   * What lstat says of one file (a file that does not exist has no Stat); {@code failure} names why
   * it could not be stat'ed (then every number is -1). Compared field by field ({@link #compare}),
   * not by the record's equals: its first call after the build made the JDK spin its method
   * handles on the way to the record (~50 classes, docs/benchmarks.md).
   */
  record Stat(long dev, long ino, long size, long mtimeNanos, long ctimeNanos, long mode, String failure) {
    boolean same(Stat o) {
      return dev == o.dev && ino == o.ino && size == o.size && mtimeNanos == o.mtimeNanos
          && ctimeNanos == o.ctimeNanos && mode == o.mode && Objects.equals(failure, o.failure);
    }
  }

  /**
   * How a tracked file changed: {@code deleted}, {@code created}, {@code replaced} (another inode at
   * the path), {@code changed}; {@code unverifiable}: it could not be stat'ed before or after.
   */
  public record Change(String path, String kind) {}

  /** The kind of a tracked file the agent could not stat before or after the build. */
  public static final String UNVERIFIABLE = "unverifiable";

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
    if (then.failure() != null || now.failure() != null) {
      // a failure says nothing of the file: two equal failures are not an unchanged file. An agent
      // that is not root fails where the build made the file or a folder above it unreadable (a
      // folder of mode 000 before and after, written in between by a route the tracer does not
      // see); a root agent never does (CAP_DAC_OVERRIDE), which hid this
      return UNVERIFIABLE;
    }
    if (then.dev() != now.dev() || then.ino() != now.ino()) {
      return "replaced";
    }
    return then.same(now) ? null : "changed";
  }

  static Stat stat(Path p) {
    // one statx where the name is plain ASCII, as the package databases' fingerprint does (NIO's
    // attribute map cost ~10 µs more per file, twice per tracked file and run, once after the
    // build); other names, and every failure, through NIO as before
    PathHandles.FileStat s = PathHandles.lstat(p);
    if (s != null) {
      return new Stat(s.dev(), s.ino(), s.size(), s.modifiedNanos(), s.changedNanos(), s.mode(), null);
    }
    try {
      Map<String, Object> a = Files.readAttributes(p, "unix:dev,ino,size,lastModifiedTime,ctime,mode", LinkOption.NOFOLLOW_LINKS);
      return new Stat(
          ((Number) a.get("dev")).longValue(),
          ((Number) a.get("ino")).longValue(),
          ((Number) a.get("size")).longValue(),
          nanos(a.get("lastModifiedTime")),
          nanos(a.get("ctime")),
          ((Number) a.get("mode")).longValue(),
          null);
    } catch (NoSuchFileException e) {
      return null;
    } catch (IOException | UnsupportedOperationException e) {
      // unreadable: unverifiable against anything but a file that does not exist
      return new Stat(-1, -1, -1, -1, -1, -1, e.getClass().getSimpleName());
    }
  }

  private static long nanos(Object fileTime) {
    if (fileTime instanceof java.nio.file.attribute.FileTime t) {
      return t.to(java.util.concurrent.TimeUnit.NANOSECONDS);
    }
    return -1;
  }
}
