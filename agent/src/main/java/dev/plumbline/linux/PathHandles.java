package dev.plumbline.linux;

import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * {@code O_PATH} descriptors: a file's identity pinned at one moment, without opening it for
 * reading (no side effect on a FIFO or a device). The agent reopens the inode later through
 * {@code /proc/self/fd/N} to read it (or connects to the socket it names), so what it reaches is
 * the file that was there when it was pinned, whatever the path names by then.
 *
 * <p>The one-component calls ({@link #openAt}, {@link #stat}, {@link #readLink}) are what a path
 * walk done in the agent for a tracee needs (trace.ptrace.TraceePaths); call them on one thread
 * (they share native buffers per thread).
 */
public final class PathHandles {
  private static final int O_CLOEXEC = 02000000;
  private static final int O_PATH = 010000000;
  private static final int O_NOFOLLOW = 0400000;
  private static final int AT_EMPTY_PATH = 0x1000;
  private static final int AT_SYMLINK_NOFOLLOW = 0x100;
  private static final int AT_FDCWD = -100;
  private static final int STATX_BASIC_STATS = 0x7ff;
  private static final int STATX_MNT_ID = 0x1000;
  private static final int ENOSYS = 38;
  private static final long PROC_SUPER_MAGIC = 0x9fa0;
  private static final long OVERLAYFS_SUPER_MAGIC = 0x794c7630;
  private static final int S_IFMT = 0170000;
  private static final int S_IFLNK = 0120000;
  private static final int S_IFDIR = 0040000;

  private static final ThreadLocal<Memory> BUFFER = ThreadLocal.withInitial(() -> new Memory(4096));

  private PathHandles() {}

  /**
   * The empty C string for AT_EMPTY_PATH, made at its first use: native memory in this class's
   * initialiser would initialise JNA there, and without JNA's native support every caller (lstat,
   * which the package fingerprint calls beside the set-up) failed with NoClassDefFoundError instead
   * of getting its "libc cannot be called" answer.
   */
  private static final class Empty {
    static final Memory STRING = emptyString();

    private static Memory emptyString() {
      Memory m = new Memory(1);
      m.setByte(0, (byte) 0);
      return m;
    }
  }

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

  /**
   * An O_PATH descriptor of {@code name} (one path component, or "." / "..") in directory
   * {@code dirfd}; a symlink is opened itself unless {@code follow} (which, on a procfs magic link
   * such as /proc/N/cwd, lands where the kernel's own walk would). {@code -errno} on failure.
   */
  public static int openAt(int dirfd, String name, boolean follow) {
    int fd = LibC.openat(dirfd, name, O_PATH | O_CLOEXEC | (follow ? 0 : O_NOFOLLOW), 0);
    return fd >= 0 ? fd : -Native.getLastError();
  }

  /**
   * Identity and type of an open file (statx on the descriptor itself).
   *
   * @param dev the device as glibc's makedev encodes it (what stat(2)'s st_dev and Java's
   *     {@code unix:dev} attribute hold)
   * @param mountId the kernel's mount id (0 when the kernel does not give it): the same directory
   *     reached through two mounts is two places for {@code ..}
   * @param size st_size
   * @param modifiedNanos st_mtime in nanoseconds since the epoch
   * @param changedNanos st_ctime in nanoseconds since the epoch (with size and mtime: what says
   *     whether the content may have changed)
   */
  public record FileStat(long dev, long ino, int mode, long mountId, long size, long modifiedNanos, long changedNanos) {
    public boolean isSymlink() {
      return (mode & S_IFMT) == S_IFLNK;
    }

    public boolean isDirectory() {
      return (mode & S_IFMT) == S_IFDIR;
    }

    public boolean sameFile(FileStat o) {
      return o != null && dev == o.dev && ino == o.ino;
    }

    public boolean samePlace(FileStat o) {
      return sameFile(o) && mountId == o.mountId;
    }
  }

  /**
   * True when {@code name} is printable ASCII other than '?': such a String is the name's bytes,
   * while {@code Path.toString()} of another name may not give them back (a name undecodable in the
   * JVM's charset may turn into '?').
   */
  private static boolean plainAscii(String name) {
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      if (c < 0x20 || c > 0x7e || c == '?') {
        return false;
      }
    }
    return true;
  }

  /** statx of descriptor {@code fd}; null when it fails. */
  public static FileStat stat(int fd) {
    Memory buf = BUFFER.get();
    buf.clear(256);
    return statx(fd, Empty.STRING, AT_EMPTY_PATH, buf);
  }

  /**
   * statx of {@code path}, following symlinks, so a procfs magic link ({@code /proc/PID/exe},
   * {@code /proc/PID/fd/N}) gives the very file it stands for, without opening it (one system call
   * where open + fstat + close are three); null when it fails.
   */
  public static FileStat stat(String path) {
    return statxOfPath(path, 0);
  }

  /**
   * statx of {@code path} itself (a symlink is not followed, as lstat(2)); null when it fails, when
   * libc cannot be called, or when the name is not plain ASCII ({@link #plainAscii}: its String may
   * not be its bytes), so the caller then asks NIO, which keeps a name's bytes. One direct call:
   * ~10 µs of CPU less per file than NIO's attribute map (the package databases' fingerprint stats
   * ~2,900 files of dpkg's info directory per snapshot; the source scan every tracked file).
   */
  public static FileStat lstat(Path path) {
    String name = path.toString();
    if (!plainAscii(name)) {
      return null;
    }
    try {
      Linux.requireLibc();
    } catch (NativeUnavailableException e) {
      return null;
    }
    return statxOfPath(name, AT_SYMLINK_NOFOLLOW);
  }

  /** statx of a path, its C string after the 256 bytes of the result in this thread's buffer. */
  private static FileStat statxOfPath(String path, int flags) {
    Memory buf = BUFFER.get();
    byte[] name = path.getBytes(StandardCharsets.UTF_8);
    if (name.length + 1 > buf.size() - 256) {
      return null;
    }
    buf.clear(256);
    buf.write(256, name, 0, name.length);
    buf.setByte(256L + name.length, (byte) 0);
    return statx(AT_FDCWD, buf.share(256), flags, buf);
  }

  private static FileStat statx(int dirfd, Pointer path, int flags, Memory buf) {
    long nr = Linux.isX8664() ? 332 : 291; // statx: x86_64, aarch64 (no glibc wrapper before 2.28)
    long rc = LibC.syscall(nr, dirfd, Pointer.nativeValue(path), flags,
        STATX_BASIC_STATS | STATX_MNT_ID, Pointer.nativeValue(buf), 0);
    if (rc != 0) {
      return null;
    }
    int mode = buf.getShort(0x1C) & 0xffff;
    long ino = buf.getLong(0x20);
    long major = buf.getInt(0x88) & 0xffffffffL;
    long minor = buf.getInt(0x8C) & 0xffffffffL;
    long mask = buf.getInt(0) & 0xffffffffL;
    long mountId = (mask & STATX_MNT_ID) != 0 ? buf.getLong(0x90) : 0;
    return new FileStat(makedev(major, minor), ino, mode, mountId, buf.getLong(0x28), nanos(buf, 0x70), nanos(buf, 0x60));
  }

  /** A struct statx_timestamp (s64 seconds, u32 nanoseconds) at {@code offset}. */
  private static long nanos(Memory buf, long offset) {
    return buf.getLong(offset) * 1_000_000_000L + (buf.getInt(offset + 8) & 0xffffffffL);
  }

  /**
   * The line {@code /proc/self/maps} writes for the file open as descriptor {@code fd} (an O_PATH
   * one will do) mapped here, one read-only page that is unmapped again before this returns; null
   * when it cannot be opened for reading or mapped. Its device and inode are what the kernel shows
   * for any mapping of this very file, which is not always what stat shows: on overlayfs, older kernels
   * show the layer's file in maps and the overlay's in stat (6.18 shows the overlay's in both). Costs a read of the
   * agent's whole maps: call once per file, not per process.
   */
  public static byte[] mapsLine(int fd) {
    try {
      Linux.requireLibc();
    } catch (NativeUnavailableException e) {
      return null;
    }
    // O_NONBLOCK: a FIFO put where the file was must not block the tracer thread
    int readable = LibC.open("/proc/self/fd/" + fd, O_RDONLY | O_CLOEXEC | O_NONBLOCK, 0);
    if (readable < 0) {
      return null;
    }
    long at;
    try {
      at = LibC.mmap(0, PAGE, PROT_READ, MAP_PRIVATE, readable, 0);
    } finally {
      LibC.close(readable);
    }
    if (at == -1) {
      return null;
    }
    try {
      byte[] maps = java.nio.file.Files.readAllBytes(Path.of("/proc/self/maps"));
      byte[] start = String.format("%08x-", at).getBytes(StandardCharsets.US_ASCII);
      for (int line = 0; line < maps.length; ) {
        int end = line;
        while (end < maps.length && maps[end] != '\n') {
          end++;
        }
        if (java.util.Arrays.equals(maps, line, Math.min(line + start.length, end), start, 0, start.length)) {
          return java.util.Arrays.copyOfRange(maps, line, end);
        }
        line = end + 1;
      }
      return null;
    } catch (java.io.IOException e) {
      return null;
    } finally {
      LibC.munmap(at, PAGE);
    }
  }

  private static final int O_RDONLY = 0;
  private static final int O_NONBLOCK = 04000;
  private static final int PROT_READ = 1;
  private static final int MAP_PRIVATE = 2;
  /** The smallest page of the architectures the tracer runs on; mmap rounds a length up to its page. */
  private static final long PAGE = 4096;

  /** glibc's gnu_dev_makedev: the dev_t user space sees in st_dev. */
  public static long makedev(long major, long minor) {
    return ((major & 0xfffff000L) << 32) | ((major & 0xfffL) << 8)
        | ((minor & 0xffffff00L) << 12) | (minor & 0xffL);
  }

  /** The target of the symlink open as O_PATH descriptor {@code fd}; null when unreadable. */
  public static String readLink(int fd) {
    Memory buf = BUFFER.get();
    long n = LibC.readlinkat(fd, "", buf, buf.size());
    if (n < 0 || n >= buf.size()) {
      return null;
    }
    return new String(buf.getByteArray(0, (int) n), StandardCharsets.UTF_8);
  }

  /** Whether descriptor {@code fd} is on a procfs (where "self" and magic links mean the reader). */
  public static boolean onProcfs(int fd) {
    Memory buf = BUFFER.get();
    buf.clear(128);
    return LibC.fstatfs(fd, buf) == 0 && buf.getLong(0) == PROC_SUPER_MAGIC;
  }

  /** Whether descriptor {@code fd} is on overlayfs (statfs magic 0x794c7630). */
  public static boolean onOverlayfs(int fd) {
    Memory buf = BUFFER.get();
    buf.clear(128);
    return LibC.fstatfs(fd, buf) == 0 && buf.getLong(0) == OVERLAYFS_SUPER_MAGIC;
  }

  public static void close(int fd) {
    if (fd >= 0) {
      LibC.close(fd);
    }
  }
}
