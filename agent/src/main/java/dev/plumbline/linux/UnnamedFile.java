package dev.plumbline.linux;

import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * A scratch file that never has a name: {@code open(dir, O_TMPFILE | O_RDWR | O_EXCL, 0600)}. No
 * other process can open it by a path, replace it or link it into a directory ({@code O_EXCL}
 * forbids {@code linkat} even to us); it is reachable only through this descriptor, and through
 * {@code /proc/PID/fd} by processes that may ptrace the owner (the agent is undumpable while it
 * traces, see docs/threat-model.md). Its space is freed when the descriptor is closed or the
 * process ends, whatever way it ends. Positional reads and writes, so any thread may read.
 */
public final class UnnamedFile implements Closeable {
  private static final int O_RDWR = 02;
  private static final int O_EXCL = 0200;
  private static final int O_CLOEXEC = 02000000;
  private static final int O_TMPFILE = 020000000 | 0200000; // __O_TMPFILE | O_DIRECTORY

  private volatile int fd;

  private UnnamedFile(int fd) {
    this.fd = fd;
  }

  /**
   * An unnamed file on the filesystem of {@code dir}. Fails (never falls back to a named file)
   * when libc cannot be called or the filesystem does not support {@code O_TMPFILE}
   * ({@code EOPNOTSUPP}, {@code EISDIR} on old kernels).
   */
  public static UnnamedFile create(Path dir) throws IOException {
    try {
      Linux.requireLibc();
    } catch (NativeUnavailableException e) {
      throw new IOException(e.getMessage(), e);
    }
    int fd = LibC.open(dir.toString(), O_TMPFILE | O_RDWR | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) {
      throw new IOException("cannot create an unnamed file in " + dir + ": " + Errno.name(Linux.errno()));
    }
    return new UnnamedFile(fd);
  }

  /** Writes all of {@code bytes[0, length)} at {@code offset}. */
  public void write(long offset, byte[] bytes, int length) throws IOException {
    int done = 0;
    while (done < length) {
      byte[] rest = done == 0 ? bytes : Arrays.copyOfRange(bytes, done, length);
      long n = LibC.pwrite(open(), rest, length - done, offset + done);
      if (n < 0) {
        int errno = Linux.errno();
        if (errno == Errno.EINTR) {
          continue;
        }
        throw new IOException("cannot write the unnamed file: " + Errno.name(errno));
      }
      done += (int) n;
    }
  }

  /** Reads exactly {@code length} bytes at {@code offset}. */
  public byte[] read(long offset, int length) throws IOException {
    byte[] out = new byte[length];
    read(offset, out, length);
    return out;
  }

  /** Reads exactly {@code length} bytes at {@code offset} into {@code out[0, length)} (a reader's buffer, used again). */
  public void read(long offset, byte[] out, int length) throws IOException {
    int done = 0;
    while (done < length) {
      byte[] part = done == 0 ? out : new byte[length - done];
      long n = LibC.pread(open(), part, length - done, offset + done);
      if (n < 0 && Linux.errno() == Errno.EINTR) {
        continue;
      }
      if (n <= 0) {
        throw new IOException("cannot read the unnamed file: " + (n == 0 ? "short" : Errno.name(Linux.errno())));
      }
      if (part != out) {
        System.arraycopy(part, 0, out, done, (int) n);
      }
      done += (int) n;
    }
  }

  private int open() throws IOException {
    int f = fd;
    if (f < 0) {
      throw new IOException("the unnamed file is closed");
    }
    return f;
  }

  @Override
  public synchronized void close() {
    int f = fd;
    if (f >= 0) {
      fd = -1;
      LibC.close(f);
    }
  }
}
