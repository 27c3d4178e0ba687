package dev.plumbline.packages;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Every line of dpkg's file lists, indexed so that the owners of any path can be found later
 * without holding the paths: made while the build runs ({@link DpkgDatabase#prepare}), asked after
 * it. Not the paths themselves (136k lines, 8 MB of text on an ordinary system, several times that
 * as Strings): 4 bytes a line, a keyed hash of the line with the number of the list it is in, in
 * chunks that are never copied (0.5 MB for those 136k lines; with each line's number and offset,
 * 12 bytes a line, the index was 1.6 MB of the agent's live heap for the whole run). Hits are
 * confirmed by reading each list that has one again, once for all the paths asked (11 KB on
 * average), so a hash collision costs at most a read, never a wrong owner; the hash is keyed per run, so a build cannot name its files to collide on purpose.
 * The hashes are only good while the lists are the files they were read from: the caller checks
 * that (the database's fingerprint) before it asks.
 */
final class DpkgListIndex {
  private static final int MAX_LIST_BITS = 16; // 65,536 lists at most: the hash keeps 16 bits or more

  /** One list: the package's info key and the file. */
  record ListFile(String key, Path file) {}

  private static final int CHUNK_BITS = 14; // lines are kept in chunks of 16384: no array is copied to grow
  private static final int CHUNK = 1 << CHUNK_BITS;

  private final long seed;
  private final List<ListFile> lists;
  private final int listBits; // the low bits of a key: the list's number
  private final List<int[]> keys; // per chunk: hash << listBits | list number, sorted (as signed: one hash's keys stay together)

  private DpkgListIndex(long seed, List<ListFile> lists, int listBits, List<int[]> keys) {
    this.seed = seed;
    this.lists = lists;
    this.listBits = listBits;
    this.keys = keys;
  }

  /** Reads every list (in the order given, which is the order owners are reported in), noting each in {@code files}. */
  static DpkgListIndex of(List<ListFile> lists, FilesRead files) throws PackageDatabaseException {
    int listBits = Math.max(1, 32 - Integer.numberOfLeadingZeros(Math.max(1, lists.size() - 1)));
    if (listBits > MAX_LIST_BITS) {
      throw new IndexLimit();
    }
    long seed = seed();
    Builder b = new Builder(seed, listBits);
    ListLines reader = new ListLines();
    for (int i = 0; i < lists.size(); i++) {
      b.list = i;
      reader.read(files, lists.get(i).file(), b);
    }
    int last = b.count & (CHUNK - 1);
    if (last != 0) { // the last chunk cut to its lines, so that its sorted keys are all real
      int i = b.keys.size() - 1;
      b.keys.set(i, Arrays.copyOf(b.keys.get(i), last));
    }
    for (int[] chunk : b.keys) {
      Arrays.sort(chunk); // each chunk on its own: a lookup searches each (a dozen on an ordinary system)
    }
    return new DpkgListIndex(seed, List.copyOf(lists), listBits, List.copyOf(b.keys));
  }

  /**
   * The run's key: 8 bytes of the kernel's random source, read directly. {@code new SecureRandom()}
   * gave the same (NativePRNG reads /dev/urandom and mixes in SHA1PRNG), but in an unsigned run it
   * was the first use of the JDK's security providers: ~20 ms of CPU loading and initialising them,
   * on the thread a short build's record waits for (docs/benchmarks.md). SecureRandom only when
   * the device cannot be read.
   */
  private static long seed() {
    try (InputStream in = Files.newInputStream(Path.of("/dev/urandom"))) {
      byte[] b = in.readNBytes(Long.BYTES);
      if (b.length == Long.BYTES) {
        return ByteBuffer.wrap(b).getLong();
      }
    } catch (IOException | RuntimeException e) {
      // then SecureRandom
    }
    return new SecureRandom().nextLong();
  }

  /** Lines so far, chunk by chunk: the lists' size is not known before they are read. */
  private static final class Builder implements ListLines.Sink {
    final long seed;
    final int listBits;
    final List<int[]> keys = new ArrayList<>();
    int count;
    int list;

    Builder(long seed, int listBits) {
      this.seed = seed;
      this.listBits = listBits;
    }

    @Override
    public void line(byte[] bytes, int from, int to, long offset) {
      int at = count & (CHUNK - 1);
      if (at == 0) {
        keys.add(new int[CHUNK]);
      }
      keys.get(keys.size() - 1)[at] = hash(seed, bytes, from, to, listBits) << listBits | list;
      count++;
    }
  }

  /** More than 65,536 lists: they are then scanned after the build instead. */
  static final class IndexLimit extends RuntimeException {
    IndexLimit() {
      super("dpkg's lists are too many to index", null, false, false);
    }
  }

  /**
   * Listed path → info keys of the lists that have that line, in list order (a list that has it
   * twice twice), for the paths asked: the same answer as a scan of every list for them. The lists
   * read again to confirm a hit are noted in {@code files}.
   */
  Map<String, List<String>> find(Collection<String> wanted, FilesRead files) throws PackageDatabaseException {
    // list number (in list order) -> the paths it may hold; each such list is then read once for
    // all of them: a large list (a cloud SDK's is MBs) that owns many of the paths that ran costs
    // one read, not one per path
    TreeMap<Integer, List<Wanted>> candidates = new TreeMap<>();
    for (String path : new LinkedHashSet<>(wanted)) {
      Wanted w = new Wanted(path, path.getBytes(StandardCharsets.UTF_8));
      if (w.bytes().length == 0) {
        continue;
      }
      int h = hash(seed, w.bytes(), 0, w.bytes().length, listBits);
      for (int[] chunk : keys) {
        for (int i = lowerBound(chunk, h << listBits); i < chunk.length && chunk[i] >>> listBits == h; i++) {
          List<Wanted> paths = candidates.computeIfAbsent(chunk[i] & ((1 << listBits) - 1), n -> new ArrayList<>());
          if (paths.isEmpty() || paths.get(paths.size() - 1) != w) { // a list with the line twice: one candidate
            paths.add(w);
          }
        }
      }
    }
    Map<String, List<String>> out = new HashMap<>();
    ListLines reader = new ListLines();
    for (Map.Entry<Integer, List<Wanted>> e : candidates.entrySet()) {
      ListFile file = lists.get(e.getKey());
      List<Wanted> paths = e.getValue();
      reader.read(files, file.file(), (text, from, to, offset) -> {
        for (Wanted w : paths) {
          if (to - from == w.bytes().length && Arrays.equals(text, from, to, w.bytes(), 0, w.bytes().length)) {
            out.computeIfAbsent(w.path(), p -> new ArrayList<>()).add(file.key());
          }
        }
      });
    }
    return out;
  }

  private record Wanted(String path, byte[] bytes) {}

  private static int lowerBound(int[] keys, int key) {
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

  /**
   * The top {@code 32 - listBits} bits of a keyed hash of {@code bytes[from, to)}: FNV-1a from the
   * key, then MurmurHash3's finalizer.
   */
  static int hash(long seed, byte[] bytes, int from, int to, int listBits) {
    long h = seed ^ 0xcbf29ce484222325L;
    for (int i = from; i < to; i++) {
      h = (h ^ (bytes[i] & 0xff)) * 0x100000001b3L;
    }
    h ^= h >>> 33;
    h *= 0xff51afd7ed558ccdL;
    h ^= h >>> 33;
    h *= 0xc4ceb9fe1a85ec53L;
    h ^= h >>> 33;
    return (int) (h >>> (32 + listBits));
  }
}
