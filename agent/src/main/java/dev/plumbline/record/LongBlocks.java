package dev.plumbline.record;

import java.util.Arrays;

/**
 * A growable array of longs kept in blocks of 4,096: it grows without copying what it holds, so
 * there is never a moment with the old and the new array both alive, and the slack is one block
 * (an array doubled to hold 100,000 processes' facts would briefly take 2.5 times their size, and
 * the heap grows for that peak). Unset elements read 0. Not thread-safe.
 */
final class LongBlocks {
  private static final int SHIFT = 12;
  private static final int MASK = (1 << SHIFT) - 1;

  private long[][] blocks = new long[0][];

  long get(long i) {
    int b = (int) (i >>> SHIFT);
    return b < blocks.length ? blocks[b][(int) (i & MASK)] : 0;
  }

  void set(long i, long value) {
    int b = (int) (i >>> SHIFT);
    if (b >= blocks.length) {
      int old = blocks.length;
      blocks = Arrays.copyOf(blocks, Math.max(b + 1, old + (old >> 1) + 1));
      for (int k = old; k < blocks.length; k++) {
        blocks[k] = new long[1 << SHIFT];
      }
    }
    blocks[b][(int) (i & MASK)] = value;
  }
}
