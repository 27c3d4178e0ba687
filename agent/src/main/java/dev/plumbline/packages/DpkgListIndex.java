package dev.plumbline.packages;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Every line of dpkg's file lists, indexed so that the owners of any path can be found later
 * without reading the lists again: made while the build runs ({@link DpkgDatabase#prepare}), asked
 * after it. Not the paths themselves (136k lines, 8 MB of text on an ordinary system, several times
 * that as Strings): 12 bytes a line, a 40-bit hash (with the line's number) and the line's offset
 * in its list, in chunks that are never copied (1.6 MB for those 136k lines). A hit is
 * confirmed by reading those few bytes of the list back, so a hash collision costs a read, never a
 * wrong owner; the hash is keyed per run, so a build cannot name its files to collide on purpose.
 * The offsets are only good while the lists are the files they were read from: the caller checks
 * that (the database's fingerprint) before it asks.
 */
final class DpkgListIndex {
  private static final int ENTRY_BITS = 24; // the low bits of a key: the line's number

  /** One list: the package's info key and the file. */
  record ListFile(String key, Path file) {}

  private static final int CHUNK_BITS = 14; // lines are kept in chunks of 16384: no array is copied to grow
  private static final int CHUNK = 1 << CHUNK_BITS;

  private final long seed;
  private final List<ListFile> lists;
  private final int[] firstLine; // lists.get(i)'s lines are numbers firstLine[i] .. firstLine[i + 1] - 1
  private final List<long[]> keys; // per chunk: hash << ENTRY_BITS | line number, sorted (as signed: one hash's keys stay together)
  private final List<int[]> offsets; // per chunk, by line number

  private DpkgListIndex(long seed, List<ListFile> lists, int[] firstLine, List<long[]> keys, List<int[]> offsets) {
    this.seed = seed;
    this.lists = lists;
    this.firstLine = firstLine;
    this.keys = keys;
    this.offsets = offsets;
  }

  /** Reads every list (in the order given, which is the order owners are reported in). */
  static DpkgListIndex of(List<ListFile> lists) throws PackageDatabaseException {
    long seed = new SecureRandom().nextLong();
    int[] firstLine = new int[lists.size() + 1];
    Builder b = new Builder(seed);
    ListLines reader = new ListLines();
    for (int i = 0; i < lists.size(); i++) {
      firstLine[i] = b.count;
      reader.read(lists.get(i).file(), b);
    }
    firstLine[lists.size()] = b.count;
    int last = b.count & (CHUNK - 1);
    if (last != 0) { // the last chunk cut to its lines, so that its sorted keys are all real
      int i = b.keys.size() - 1;
      b.keys.set(i, Arrays.copyOf(b.keys.get(i), last));
    }
    for (long[] chunk : b.keys) {
      Arrays.sort(chunk); // each chunk on its own: a lookup searches each (a dozen on an ordinary system)
    }
    return new DpkgListIndex(seed, List.copyOf(lists), firstLine, List.copyOf(b.keys), List.copyOf(b.offsets));
  }

  /** Lines so far, chunk by chunk: the lists' size is not known before they are read. */
  private static final class Builder implements ListLines.Sink {
    final long seed;
    final List<long[]> keys = new ArrayList<>();
    final List<int[]> offsets = new ArrayList<>();
    int count;

    Builder(long seed) {
      this.seed = seed;
    }

    @Override
    public void line(byte[] bytes, int from, int to, long offset) {
      if (count == 1 << ENTRY_BITS || offset > Integer.MAX_VALUE) {
        throw new IndexLimit();
      }
      int at = count & (CHUNK - 1);
      if (at == 0) {
        keys.add(new long[CHUNK]);
        offsets.add(new int[CHUNK]);
      }
      keys.get(keys.size() - 1)[at] = hash(seed, bytes, from, to) << ENTRY_BITS | count;
      offsets.get(offsets.size() - 1)[at] = (int) offset;
      count++;
    }
  }

  /** More than 16M lines or a list over 2 GB: the lists are then scanned after the build instead. */
  static final class IndexLimit extends RuntimeException {
    IndexLimit() {
      super("dpkg's lists are too large to index", null, false, false);
    }
  }

  /**
   * Listed path → info keys of the lists that have that line, in list order, for the paths asked
   * (the same answer as a scan of every list for them).
   */
  Map<String, List<String>> find(Collection<String> wanted) throws PackageDatabaseException {
    Map<String, List<String>> out = new HashMap<>();
    for (String w : wanted) {
      byte[] b = w.getBytes(StandardCharsets.UTF_8);
      if (b.length == 0) {
        continue;
      }
      long h = hash(seed, b, 0, b.length);
      List<Integer> hits = new ArrayList<>();
      for (long[] chunk : keys) {
        for (int i = lowerBound(chunk, h << ENTRY_BITS); i < chunk.length && chunk[i] >>> ENTRY_BITS == h; i++) {
          hits.add((int) (chunk[i] & ((1 << ENTRY_BITS) - 1)));
        }
      }
      hits.sort(null); // line numbers grow with the list order
      List<String> owners = new ArrayList<>();
      for (int line : hits) {
        ListFile list = lists.get(listOf(line));
        if (lineIs(list.file(), offsets.get(line >>> CHUNK_BITS)[line & (CHUNK - 1)], b)) {
          owners.add(list.key());
        }
      }
      if (!owners.isEmpty()) {
        out.put(w, owners);
      }
    }
    return out;
  }

  private static int lowerBound(long[] keys, long key) {
    int lo = 0;
    int hi = keys.length;
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (keys[mid] < key) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return lo;
  }

  private int listOf(int line) {
    int i = Arrays.binarySearch(firstLine, line);
    if (i < 0) {
      return -i - 2;
    }
    while (i + 1 < firstLine.length && firstLine[i + 1] == line) {
      i++; // lists without lines share a first line number with the next one
    }
    return i;
  }

  /** Whether the line at {@code offset} of {@code file} is {@code wanted} (followed by a newline or the end). */
  private static boolean lineIs(Path file, int offset, byte[] wanted) throws PackageDatabaseException {
    ByteBuffer buf = ByteBuffer.allocate(wanted.length + 1);
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
      long at = offset;
      while (buf.hasRemaining()) {
        int n = channel.read(buf, at);
        if (n < 0) {
          break;
        }
        at += n;
      }
    } catch (IOException e) {
      throw new PackageDatabaseException(file + ": cannot read: " + e.getMessage(), e);
    }
    byte[] got = buf.array();
    if (buf.position() < wanted.length || (buf.position() > wanted.length && got[wanted.length] != '\n')) {
      return false;
    }
    return Arrays.equals(got, 0, wanted.length, wanted, 0, wanted.length);
  }

  /** A 40-bit keyed hash of {@code bytes[from, to)}: FNV-1a from the key, then MurmurHash3's finalizer. */
  static long hash(long seed, byte[] bytes, int from, int to) {
    long h = seed ^ 0xcbf29ce484222325L;
    for (int i = from; i < to; i++) {
      h = (h ^ (bytes[i] & 0xff)) * 0x100000001b3L;
    }
    h ^= h >>> 33;
    h *= 0xff51afd7ed558ccdL;
    h ^= h >>> 33;
    h *= 0xc4ceb9fe1a85ec53L;
    h ^= h >>> 33;
    return h >>> ENTRY_BITS;
  }
}
