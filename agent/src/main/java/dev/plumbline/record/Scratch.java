package dev.plumbline.record;

import dev.plumbline.linux.UnnamedFile;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Arrays;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Bytes at offsets, for what the recorder would otherwise hold per process (the spooled
 * processes, their facts for the record's order, the sort of that order): an {@link UnnamedFile},
 * or memory where none may or can be made. The one place that decides which.
 *
 * <p>The file never has a name the build (which may run as our user) could open, replace or read,
 * and its space is freed when it is closed or the agent ends, however it ends. Its one other way
 * in, /proc/AGENT/fd, is closed to our user only while the agent is undumpable (the tracer makes
 * it so), so a dumpable agent keeps its scratch in memory; so does one whose filesystem cannot
 * make an unnamed file (never a named file), and one whose disk fills up (what was written is read
 * back). Reads past what was written give zeros. Writes are one thread's; once they are done, any
 * thread may read.
 */
final class Scratch implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Scratch.class);
  private static final int SHIFT = 16; // memory: blocks of 64 KiB, grown without copying what they hold
  private static final int BLOCK = 1 << SHIFT;

  private UnnamedFile file; // null: in memory
  private byte[][] blocks = new byte[0][];
  private long size; // one past the last byte written

  private Scratch(UnnamedFile file) {
    this.file = file;
  }

  /**
   * A scratch in an unnamed file on {@code dir}'s filesystem, or in memory when {@code dir} is
   * null or cannot hold one, or when {@code openToOurUser}: a dumpable agent, whose /proc/AGENT/fd
   * the build (our user) could open to change what the record will say. The caller says which
   * ({@link dev.plumbline.linux.Linux#isDumpable}), so that a test does not depend on what other
   * tests did to its JVM.
   */
  static Scratch open(Path dir, boolean openToOurUser) {
    if (dir == null) {
      return new Scratch(null);
    }
    if (openToOurUser) {
      LOG.debug("the record's processes are kept in memory: the agent is dumpable, a spool file would be open to the build");
      return new Scratch(null);
    }
    try {
      return new Scratch(UnnamedFile.create(dir));
    } catch (IOException e) {
      LOG.info("the record's processes are kept in memory: {}", e.getMessage());
      return new Scratch(null);
    }
  }

  /** Whether the bytes go to a file (false: held in memory). */
  boolean onFile() {
    return file != null;
  }

  /** One past the last byte written. */
  long size() {
    return size;
  }

  /** Writes {@code bytes[0, length)} at {@code at}. */
  void write(long at, byte[] bytes, int length) {
    if (file != null) {
      try {
        file.write(at, bytes, length);
        size = Math.max(size, at + length);
        return;
      } catch (IOException e) {
        // nothing is lost (what was written is read back) and nothing for the user to do: the
        // agent holds the rest in memory, as it does where no unnamed file can be made
        LOG.debug("the record's processes are kept in memory from here on: {}", e.getMessage());
        toMemory();
      }
    }
    for (int done = 0; done < length; ) {
      long p = at + done;
      int n = Math.min(length - done, BLOCK - (int) (p & (BLOCK - 1)));
      System.arraycopy(bytes, done, block(p), (int) (p & (BLOCK - 1)), n);
      done += n;
    }
    size = Math.max(size, at + length);
  }

  /** Reads {@code length} bytes at {@code at} into {@code into[0, length)}; past what was written, zeros. */
  void read(long at, byte[] into, int length) {
    int written = (int) Math.max(0, Math.min(length, size - at));
    Arrays.fill(into, written, length, (byte) 0);
    if (file != null) {
      try {
        if (written > 0) {
          file.read(at, into, written);
        }
        return;
      } catch (IOException e) {
        throw new UncheckedIOException("the record's spooled processes cannot be read back", e);
      }
    }
    for (int done = 0; done < written; ) {
      long p = at + done;
      int b = (int) (p >>> SHIFT);
      int n = Math.min(written - done, BLOCK - (int) (p & (BLOCK - 1)));
      if (b < blocks.length && blocks[b] != null) {
        System.arraycopy(blocks[b], (int) (p & (BLOCK - 1)), into, done, n);
      } else {
        Arrays.fill(into, done, done + n, (byte) 0);
      }
      done += n;
    }
  }

  /** Lets go of the bytes: the file is closed and its space freed. */
  @Override
  public synchronized void close() {
    if (file != null) {
      file.close();
      file = null;
    }
    blocks = new byte[0][];
    size = 0;
  }

  private byte[] block(long at) {
    int b = (int) (at >>> SHIFT);
    if (b >= blocks.length) {
      blocks = Arrays.copyOf(blocks, Math.max(b + 1, blocks.length + (blocks.length >> 1) + 1));
    }
    if (blocks[b] == null) {
      blocks[b] = new byte[BLOCK];
    }
    return blocks[b];
  }

  /** A disk that filled up mid-way: what was written is read back, the rest stays in memory. */
  private void toMemory() {
    UnnamedFile f = file;
    byte[] buffer = new byte[BLOCK];
    try {
      for (long at = 0; at < size; at += BLOCK) {
        int n = (int) Math.min(BLOCK, size - at);
        f.read(at, buffer, n);
        System.arraycopy(buffer, 0, block(at), 0, n);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("the record's spooled processes cannot be read back", e);
    } finally {
      f.close();
      file = null;
    }
  }

  /** Writes at a position onwards, through a buffer; {@link #flush} before what was written is read. */
  static final class Out {
    private final Scratch to;
    private final byte[] buffer;
    private long at; // where buffer[0] goes
    private int used;

    Out(Scratch to, long at, int bufferSize) {
      this.to = to;
      this.at = at;
      this.buffer = new byte[bufferSize];
    }

    /** Where the next byte goes. */
    long position() {
      return at + used;
    }

    void writeInt(int v) {
      room(4);
      for (int s = 24; s >= 0; s -= 8) {
        buffer[used++] = (byte) (v >>> s);
      }
    }

    void writeLong(long v) {
      room(8);
      for (int s = 56; s >= 0; s -= 8) {
        buffer[used++] = (byte) (v >>> s);
      }
    }

    void write(byte[] bytes, int length) {
      if (length > buffer.length - used) {
        flush();
        if (length > buffer.length) {
          to.write(at, bytes, length);
          at += length;
          return;
        }
      }
      System.arraycopy(bytes, 0, buffer, used, length);
      used += length;
    }

    void flush() {
      if (used > 0) {
        to.write(at, buffer, used);
        at += used;
        used = 0;
      }
    }

    private void room(int n) {
      if (buffer.length - used < n) {
        flush();
      }
    }
  }

  /** Reads from a position onwards, through a buffer. */
  static final class In {
    private final Scratch from;
    private final byte[] buffer;
    private long at; // where buffer[0] came from
    private int pos;
    private int filled;

    In(Scratch from, long at, int bufferSize) {
      this.from = from;
      this.at = at;
      this.buffer = new byte[bufferSize];
    }

    /** Where the next byte comes from. */
    long position() {
      return at + pos;
    }

    int readInt() {
      need(4);
      int v = 0;
      for (int i = 0; i < 4; i++) {
        v = (v << 8) | (buffer[pos++] & 0xff);
      }
      return v;
    }

    long readLong() {
      need(8);
      long v = 0;
      for (int i = 0; i < 8; i++) {
        v = (v << 8) | (buffer[pos++] & 0xff);
      }
      return v;
    }

    void skip(long n) {
      long left = filled - pos;
      if (n <= left) {
        pos += (int) n;
      } else {
        at += pos + n;
        pos = 0;
        filled = 0;
      }
    }

    private void need(int n) {
      if (filled - pos < n) {
        // the few bytes not taken yet are read again with the rest, from the scratch that holds
        // them, into the same buffer: no array per refill; what is not written yet reads as
        // zeros (the caller knows where its records end)
        at += pos;
        pos = 0;
        from.read(at, buffer, buffer.length);
        filled = buffer.length;
      }
    }
  }
}
