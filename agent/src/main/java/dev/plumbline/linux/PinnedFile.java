package dev.plumbline.linux;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.Map;

/**
 * A file pinned at one moment: an {@code O_PATH} descriptor to the inode that was there, and what
 * stat said of it then. Reading later goes through {@link #via} ({@code /proc/self/fd/N}), so a
 * path swapped afterwards does not change what is read; {@link #unchanged} tells whether the inode
 * itself was rewritten in the meantime (its size, mtime or ctime differ: ctime cannot be set back
 * by a user, and with multigrain timestamps, Linux 6.13+ on ext4, xfs, btrfs and tmpfs, a change
 * after a stat gets a finer time than the stat saw).
 */
public record PinnedFile(int fd, Path via, Identity identity) implements AutoCloseable {

  /** What identifies file content without reading it. */
  public record Identity(long device, long inode, long size, FileTime modified, FileTime changed) {
    /** stat of {@code path}, following links. */
    public static Identity of(Path path) throws IOException {
      Map<String, Object> a = Files.readAttributes(path, "unix:dev,ino,size,lastModifiedTime,ctime");
      return new Identity(
          ((Number) a.get("dev")).longValue(),
          ((Number) a.get("ino")).longValue(),
          ((Number) a.get("size")).longValue(),
          (FileTime) a.get("lastModifiedTime"),
          (FileTime) a.get("ctime"));
    }
  }

  /** Why a path could not be pinned: {@code errno} from open(2), 0 when it was the stat that failed. */
  public static final class PinException extends IOException {
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
    int fd = PathHandles.open(path.toString());
    if (fd < 0) {
      throw new PinException(fd == -2 ? "no such file" : "errno " + -fd, -fd, null);
    }
    Path via = Path.of("/proc/self/fd/" + fd);
    try {
      return new PinnedFile(fd, via, Identity.of(via));
    } catch (IOException | RuntimeException e) {
      PathHandles.close(fd);
      throw new PinException(e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage(), 0, e);
    }
  }

  /** Whether the inode still has the size, mtime and ctime it had when pinned. */
  public boolean unchanged() {
    try {
      return identity.equals(Identity.of(via));
    } catch (IOException | RuntimeException e) {
      return false;
    }
  }

  @Override
  public void close() {
    PathHandles.close(fd);
  }
}
