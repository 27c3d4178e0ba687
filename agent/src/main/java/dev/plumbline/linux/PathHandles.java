package dev.plumbline.linux;

import com.sun.jna.Native;

/**
 * {@code O_PATH} descriptors: a file's identity pinned at one moment, without opening it for
 * reading (no side effect on a FIFO or a device). The agent reopens the inode later through
 * {@code /proc/self/fd/N} to read it, so what it reads is the file that was there when it was
 * pinned, whatever the path names by then.
 */
public final class PathHandles {
  private static final int O_CLOEXEC = 02000000;
  private static final int O_PATH = 010000000;
  private static final int ENOSYS = 38;

  private PathHandles() {}

  /** The descriptor, or {@code -errno} when the path cannot be opened (or libc cannot be called). */
  public static int open(String path) {
    try {
      Linux.requireLibc();
    } catch (NativeUnavailableException e) {
      return -ENOSYS;
    }
    int fd = LibC.open(path, O_PATH | O_CLOEXEC, 0);
    return fd >= 0 ? fd : -Native.getLastError();
  }

  public static void close(int fd) {
    if (fd >= 0) {
      LibC.close(fd);
    }
  }
}
