package dev.plumbline.record;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.ref.Cleaner;
import java.nio.file.Path;
import java.util.AbstractList;
import java.util.List;
import java.util.RandomAccess;

/**
 * The record's processes, written out one at a time as {@link BuildRecorder#finish} makes them
 * (already redacted, in the record's order) and read back one at a time by whoever walks the
 * finished list (the record writer, the package owners, the summary, the attestation). Nothing of
 * a process stays in the heap: each entry is its JSON after its length, and the list's index (the
 * entries' offsets) is written after them when the list is finished, read a page at a time.
 * {@link EndedProcesses} spools the processes' redacted facts the same way while the build runs.
 *
 * <p>The bytes are in a {@link Scratch}: an unnamed file while the agent is undumpable, else
 * memory (see there). It only ever holds what the record will say anyway, redacted. Not
 * thread-safe while it is written; the finished list may be read by any thread.
 */
final class ProcessSpool<T> {
  private static final ObjectMapper MAPPER = BuildRecords.shared(); // compact: the spool is read by us only
  private static final Cleaner CLEANER = Cleaner.create();
  /** Index entries read at a time by the finished list. */
  private static final int PAGE = 512;

  private final Class<T> type;
  private Scratch scratch; // null once closed; after finished, the list's
  private Scratch.Out out;
  private int size;

  private ProcessSpool(Scratch scratch, Class<T> type) {
    this.type = type;
    this.scratch = scratch;
    this.out = new Scratch.Out(scratch, 0, 16 * 1024);
  }

  /** A spool of the record's processes: see {@link Scratch#open} for where it is. */
  static ProcessSpool<BuildRecord.ProcessInfo> open(Path dir, boolean openToOurUser) {
    return new ProcessSpool<>(Scratch.open(dir, openToOurUser), BuildRecord.ProcessInfo.class);
  }

  /** One entry written and read back as a spool of {@code type} does, without a file ({@link RecordWarmUp}). */
  static <T> T roundTrip(T entry, Class<T> type) {
    byte[] bytes = bytes(entry);
    return parse(bytes, bytes.length, type);
  }

  /** An entry as a spool holds it: compact JSON (the spool is read by us only). */
  static byte[] bytes(Object entry) {
    try {
      return MAPPER.writeValueAsBytes(entry);
    } catch (IOException e) {
      throw new UncheckedIOException("a process always serialises", e);
    }
  }

  /** An entry read back from {@code bytes[0, length)}. */
  static <T> T parse(byte[] bytes, int length, Class<T> type) {
    try {
      return MAPPER.readValue(bytes, 0, length, type);
    } catch (IOException e) {
      throw new UncheckedIOException("the record's spooled processes cannot be read back", e);
    }
  }

  /** Whether the processes go to a file (false: held in memory). */
  boolean onFile() {
    return scratch.onFile();
  }

  /** How many entries were added. */
  int size() {
    return size;
  }

  /**
   * Lets go of the entries: the file is closed and its space freed. After {@link #finished}, for a
   * record that could not be made: its list cannot be read any more.
   */
  void close() {
    if (scratch != null) {
      scratch.close();
      scratch = null;
    }
  }

  void add(T process) {
    byte[] bytes = bytes(process);
    out.writeInt(bytes.length);
    out.write(bytes, bytes.length);
    size++;
  }

  /** The processes added, in order; the spool takes no more. The file is closed when the list is no longer reachable. */
  List<T> finished() {
    out.flush();
    long end = out.position();
    // the index, after the entries: where each one starts, and the end
    Scratch.In in = new Scratch.In(scratch, 0, 32 * 1024);
    Scratch.Out index = new Scratch.Out(scratch, end, 32 * 1024);
    for (int i = 0; i < size; i++) {
      index.writeLong(in.position());
      in.skip(in.readInt());
    }
    index.writeLong(end);
    index.flush();
    Spooled<T> list = new Spooled<>(scratch, end, size, type);
    CLEANER.register(list, scratch::close);
    out = null;
    return list;
  }

  /** Every {@code get} reads the process back: nothing of it is kept but a page of the index. */
  private static final class Spooled<T> extends AbstractList<T> implements RandomAccess {
    private final Scratch scratch;
    private final long index;
    private final int size;
    private final Class<T> type;
    private volatile Page page; // the index page read last: a walk reads each page once

    private record Page(int first, long[] offsets) {}

    Spooled(Scratch scratch, long index, int size, Class<T> type) {
      this.scratch = scratch;
      this.index = index;
      this.size = size;
      this.type = type;
    }

    @Override
    public T get(int i) {
      if (i < 0 || i >= size) {
        throw new IndexOutOfBoundsException(i);
      }
      Page p = page;
      if (p == null || i < p.first() || i >= p.first() + PAGE) {
        page = p = read(i / PAGE * PAGE);
      }
      long from = p.offsets()[i - p.first()] + 4; // after its length
      int length = (int) (p.offsets()[i - p.first() + 1] - from);
      byte[] bytes = new byte[length];
      scratch.read(from, bytes, length);
      return parse(bytes, length, type);
    }

    /** Offsets {@code first} to {@code first + PAGE} (the next page's first: where the last one ends). */
    private Page read(int first) {
      int n = Math.min(PAGE, size - first) + 1;
      Scratch.In in = new Scratch.In(scratch, index + 8L * first, 8 * n);
      long[] offsets = new long[n];
      for (int k = 0; k < n; k++) {
        offsets[k] = in.readLong();
      }
      return new Page(first, offsets);
    }

    @Override
    public int size() {
      return size;
    }
  }
}
