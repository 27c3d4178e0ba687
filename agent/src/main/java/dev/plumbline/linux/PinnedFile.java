package dev.plumbline.linux;

import java.nio.file.Path;

/**
 * A file pinned at one moment: an {@code O_PATH} descriptor to the inode that was there, and what
 * stat said of it then. Reading later goes through {@link #via} ({@code /proc/self/fd/N}), so a
 * path swapped afterwards does not change what is read; {@link #unchanged} tells whether the inode
 * itself was rewritten in the meantime (its size, mtime or ctime differ: ctime cannot be set back
 * by a user, and with multigrain timestamps, Linux 6.13+ on ext4, xfs, btrfs and tmpfs, a change
 * after a stat gets a finer time than the stat saw).
 */
public record PinnedFile(int fd, Path via, Identity identity) implements AutoCloseable {

  /**
   * What identifies file content without reading it (times in nanoseconds since the epoch). The
   * tracer looks these up at every exec stop: {@code equals}/{@code hashCode} are written out, a
   * record's generated ones go through method handles, several times slower under C1.
   */
  public record Identity(long device, long inode, long size, long modifiedNanos, long changedNanos) {
    public static Identity of(PathHandles.FileStat s) {
      return new Identity(s.dev(), s.ino(), s.size(), s.modifiedNanos(), s.changedNanos());
    }

    /**
     * statx of {@code path}, following links (a procfs magic link such as /proc/PID/exe gives the
     * very file), without opening it; null when it fails.
     */
    public static Identity of(String path) {
      PathHandles.FileStat s = PathHandles.stat(path);
      return s == null ? null : of(s);
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Identity k && k.inode == inode && k.device == device && k.size == size
          && k.modifiedNanos == modifiedNanos && k.changedNanos == changedNanos;
    }

    @Override
    public int hashCode() {
      long h = inode * 31 + device;
      h = h * 31 + size;
      h = h * 31 + modifiedNanos;
      h = h * 31 + changedNanos;
      return Long.hashCode(h);
    }
  }

  /** Why a path could not be pinned: {@code errno} from open(2), 0 when it was the stat that failed. */
  public static final class PinException extends java.io.IOException {
    private final int errno;

    PinException(String message, int errno, Throwable cause) {
      super(message, cause);
      this.errno = errno;
    }

    public int errno() {
      return errno;
    }
  }

  /** Pins what {@code path} names now (following links). */
  public static PinnedFile pin(Path path) throws PinException {
    return pin(path.toString());
  }

  /** Pins what {@code path} names now (following links): an open and a statx of the descriptor. */
  public static PinnedFile pin(String path) throws PinException {
    int fd = PathHandles.open(path);
    if (fd < 0) {
      throw new PinException(fd == -2 ? "no such file" : "errno " + -fd, -fd, null);
    }
    PathHandles.FileStat stat = PathHandles.stat(fd);
    if (stat == null) {
      PathHandles.close(fd);
      throw new PinException("statx failed", 0, new java.io.IOException("statx failed"));
    }
    return new PinnedFile(fd, Path.of("/proc/self/fd/" + fd), Identity.of(stat));
  }

  /** Whether the inode still has the size, mtime and ctime it had when pinned. */
  public boolean unchanged() {
    PathHandles.FileStat now = PathHandles.stat(fd);
    return now != null && identity.equals(Identity.of(now));
  }

  @Override
  public void close() {
    PathHandles.close(fd);
  }
}
