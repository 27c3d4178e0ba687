package dev.plumbline.record;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.plumbline.linux.UnnamedFile;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.ref.Cleaner;
import java.nio.file.Path;
import java.util.AbstractList;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.RandomAccess;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The record's processes, written out one at a time as {@link BuildRecorder#finish} makes them
 * (already redacted) and read back one at a time by whoever walks the finished list (the record
 * writer, the package owners, the summary, the attestation). A build of 100,000 processes then
 * holds an index of 8 bytes per process, not the processes. {@link EndedProcesses} spools the
 * processes' redacted facts the same way while the build runs ({@code T} is what one entry is).
 *
 * <p>The file is an {@link UnnamedFile}: it never has a name the build (which may run as our
 * user) could open, replace or read, and it only ever holds what the record will say anyway,
 * redacted. Its one other way in, /proc/AGENT/fd, is closed to our user only while the agent is
 * undumpable (the tracer makes it so), so a dumpable agent does not spool. When the filesystem
 * cannot make one, the processes stay in memory (never in a named file). Not thread-safe while it
 * is written; the finished list may be read by any thread.
 */
final class ProcessSpool<T> {
  private static final Logger LOG = LoggerFactory.getLogger(ProcessSpool.class);
  private static final ObjectMapper MAPPER = BuildRecords.shared(); // compact: the spool is read by us only
  private static final Cleaner CLEANER = Cleaner.create();

  private final Class<T> type;
  private UnnamedFile file; // null: in memory
  private List<T> memory;
  private LongBlocks offsets = new LongBlocks(); // offsets[i]..offsets[i + 1]: process i (in blocks: no copy as it grows)
  private int size;

  private ProcessSpool(UnnamedFile file, Class<T> type) {
    this.type = type;
    this.file = file;
    this.memory = file == null ? new ArrayList<>() : null;
  }

  /**
   * A spool in an unnamed file on {@code dir}'s filesystem, or in memory when {@code dir} is null
   * or cannot hold one, or when {@code openToOurUser}: a dumpable agent, whose /proc/AGENT/fd the
   * build (our user) could open to change what the record will say. The caller says which
   * ({@link dev.plumbline.linux.Linux#isDumpable}), so that a test does not depend on what other tests did to its JVM.
   */
  static ProcessSpool<BuildRecord.ProcessInfo> open(Path dir, boolean openToOurUser) {
    return open(dir, openToOurUser, BuildRecord.ProcessInfo.class);
  }

  /** As {@link #open(Path, boolean)}, for entries of {@code type} (a record Jackson reads back equal). */
  static <T> ProcessSpool<T> open(Path dir, boolean openToOurUser, Class<T> type) {
    if (dir == null) {
      return new ProcessSpool<>(null, type);
    }
    if (openToOurUser) {
      LOG.debug("the record's processes are kept in memory: the agent is dumpable, a spool file would be open to the build");
      return new ProcessSpool<>(null, type);
    }
    try {
      return new ProcessSpool<>(UnnamedFile.create(dir), type);
    } catch (IOException e) {
      LOG.info("the record's processes are kept in memory: {}", e.getMessage());
      return new ProcessSpool<>(null, type);
    }
  }

  /** One entry written and read back as a spool of {@code type} does, without a file ({@link RecordWarmUp}). */
  static <T> T roundTrip(T entry, Class<T> type) {
    try {
      return MAPPER.readValue(MAPPER.writeValueAsBytes(entry), type);
    } catch (IOException e) {
      throw new UncheckedIOException("a process always reads back", e);
    }
  }

  /** Whether the processes go to a file (false: held in memory). */
  boolean onFile() {
    return file != null;
  }

  /** How many entries were added: the next one's index. */
  int size() {
    return file != null ? size : memory.size();
  }

  /** Entry {@code i}, read back (while entries are still being added). */
  T get(int i) {
    return file != null ? read(file, offsets, i, type) : memory.get(i);
  }

  /** Lets go of the entries: the file is closed and its space freed. */
  void close() {
    if (file != null) {
      file.close();
      file = null;
    }
    memory = List.of();
  }

  void add(T process) {
    if (file != null) {
      try {
        byte[] bytes = MAPPER.writeValueAsBytes(process);
        file.write(offsets.get(size), bytes, bytes.length);
        offsets.set(size + 1, offsets.get(size) + bytes.length);
        size++;
        return;
      } catch (IOException e) {
        LOG.warn("the record's processes are kept in memory from here on: {}", e.getMessage());
        toMemory();
      }
    }
    memory.add(process);
  }

  /** A disk that filled up mid-way: what was written is read back, the rest stays in memory. */
  private void toMemory() {
    List<T> all = new ArrayList<>(size + 16);
    for (int i = 0; i < size; i++) {
      all.add(read(file, offsets, i, type));
    }
    file.close();
    file = null;
    offsets = null;
    memory = all;
  }

  /** The processes added, in order; the spool takes no more. The file is closed when the list is no longer reachable. */
  List<T> finished() {
    if (file == null) {
      return Collections.unmodifiableList(memory);
    }
    Spooled<T> list = new Spooled<>(file, offsets, size, type); // this spool takes no more: the offsets are the list's
    UnnamedFile f = file;
    CLEANER.register(list, f::close);
    file = null;
    memory = List.of(); // taking no more
    return list;
  }

  private static <T> T read(UnnamedFile file, LongBlocks offsets, int i, Class<T> type) {
    try {
      byte[] bytes = file.read(offsets.get(i), (int) (offsets.get(i + 1) - offsets.get(i)));
      return MAPPER.readValue(bytes, type);
    } catch (IOException e) {
      throw new UncheckedIOException("the record's spooled processes cannot be read back", e);
    }
  }

  /** Every {@code get} reads the process back from the file: nothing of it is kept. */
  private static final class Spooled<T> extends AbstractList<T> implements RandomAccess {
    private final UnnamedFile file;
    private final LongBlocks offsets;
    private final int size;
    private final Class<T> type;

    Spooled(UnnamedFile file, LongBlocks offsets, int size, Class<T> type) {
      this.file = file;
      this.offsets = offsets;
      this.size = size;
      this.type = type;
    }

    @Override
    public T get(int index) {
      if (index < 0 || index >= size) {
        throw new IndexOutOfBoundsException(index);
      }
      return read(file, offsets, index, type);
    }

    @Override
    public int size() {
      return size;
    }
  }
}
