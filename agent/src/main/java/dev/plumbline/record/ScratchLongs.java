package dev.plumbline.record;

/**
 * An array of longs in a region of a {@link Scratch}, read and written through a few cached pages:
 * what the recorder keeps per process at the end of the build (its facts by id, its node in the
 * tree of signature chains) costs the heap those pages, not 8 bytes per element. Accesses that
 * go mostly forward, or back to a few hot places (a loop's parent), stay in the pages. Unset
 * elements read 0. Not thread-safe.
 */
final class ScratchLongs {
  private static final int SHIFT = 9; // pages of 512 longs: 4 KiB
  private static final int PAGE = 1 << SHIFT;
  private static final int PAGES = 8;

  private final Scratch scratch;
  private final long base;
  private final long[][] pages = new long[PAGES][PAGE];
  private final long[] pageOf = new long[PAGES]; // which page each slot holds, -1 none
  private final long[] used = new long[PAGES]; // when each slot was last used
  private final boolean[] dirty = new boolean[PAGES];
  private final byte[] bytes = new byte[PAGE * 8];
  private long clock;
  private int last; // the slot used last: most accesses hit it again

  /** The longs at {@code base} onwards, a region nothing else writes. */
  ScratchLongs(Scratch scratch, long base) {
    this.scratch = scratch;
    this.base = base;
    java.util.Arrays.fill(pageOf, -1);
  }

  long get(long i) {
    return pages[slot(i >>> SHIFT)][(int) (i & (PAGE - 1))];
  }

  void set(long i, long value) {
    int s = slot(i >>> SHIFT);
    pages[s][(int) (i & (PAGE - 1))] = value;
    dirty[s] = true;
  }

  /** Writes the pages changed back: the region then holds every value set. */
  void flush() {
    for (int s = 0; s < PAGES; s++) {
      writeBack(s);
    }
  }

  private int slot(long page) {
    if (pageOf[last] == page) {
      used[last] = ++clock;
      return last;
    }
    int victim = 0;
    for (int s = 0; s < PAGES; s++) {
      if (pageOf[s] == page) {
        used[s] = ++clock;
        return last = s;
      }
      if (used[s] < used[victim]) {
        victim = s;
      }
    }
    writeBack(victim);
    scratch.read(base + page * PAGE * 8, bytes, bytes.length);
    long[] p = pages[victim];
    for (int k = 0, b = 0; k < PAGE; k++) {
      long v = 0;
      for (int j = 0; j < 8; j++) {
        v = (v << 8) | (bytes[b++] & 0xff);
      }
      p[k] = v;
    }
    pageOf[victim] = page;
    used[victim] = ++clock;
    return last = victim;
  }

  private void writeBack(int s) {
    if (!dirty[s]) {
      return;
    }
    long[] p = pages[s];
    for (int k = 0, b = 0; k < PAGE; k++) {
      long v = p[k];
      for (int j = 56; j >= 0; j -= 8) {
        bytes[b++] = (byte) (v >>> j);
      }
    }
    scratch.write(base + pageOf[s] * PAGE * 8, bytes, bytes.length);
    dirty[s] = false;
  }
}
