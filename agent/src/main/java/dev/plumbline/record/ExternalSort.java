package dev.plumbline.record;

/**
 * Sorts records of a few longs held in a {@link Scratch}, in runs that fit a bounded buffer, then
 * merged two at a time through buffered streams: the record's order of 100,000 processes costs
 * the heap a run's worth, not the 40 bytes of each. Records compare by their first {@code keys}
 * longs, signed, in turn; the sort is stable.
 */
final class ExternalSort {
  private ExternalSort() {}

  /** Records per run sorted in memory. */
  static final int RUN = 4096;
  private static final int BUFFER = 32 * 1024;

  /**
   * Sorts the {@code count} records of {@code width} longs at {@code at}; {@code spare} is a region
   * of the same size nothing else uses. Returns where the sorted records are ({@code at} or
   * {@code spare}).
   */
  static long sort(Scratch scratch, long at, long count, int width, int keys, long spare) {
    return sort(scratch, at, count, width, keys, spare, RUN);
  }

  static long sort(Scratch scratch, long at, long count, int width, int keys, long spare, int run) {
    sortRuns(scratch, at, count, width, keys, run);
    long from = at;
    long to = spare;
    long bytes = 8L * width;
    for (long w = run; w < count; w *= 2) {
      Scratch.Out out = new Scratch.Out(scratch, to, BUFFER);
      for (long lo = 0; lo < count; lo += 2 * w) {
        long mid = Math.min(lo + w, count);
        long hi = Math.min(lo + 2 * w, count);
        merge(new Scratch.In(scratch, from + lo * bytes, BUFFER), mid - lo,
            new Scratch.In(scratch, from + mid * bytes, BUFFER), hi - mid, width, keys, out);
      }
      out.flush();
      long t = from;
      from = to;
      to = t;
    }
    return from;
  }

  private static void sortRuns(Scratch scratch, long at, long count, int width, int keys, int run) {
    int n = (int) Math.min(run, count);
    long[] records = new long[n * width];
    int[] order = new int[n];
    byte[] bytes = new byte[n * width * 8];
    for (long lo = 0; lo < count; lo += run) {
      int m = (int) Math.min(run, count - lo);
      long where = at + lo * width * 8;
      scratch.read(where, bytes, m * width * 8);
      for (int i = 0, b = 0; i < m * width; i++) {
        long v = 0;
        for (int j = 0; j < 8; j++) {
          v = (v << 8) | (bytes[b++] & 0xff);
        }
        records[i] = v;
      }
      int[] idx = m == n ? order : new int[m];
      for (int i = 0; i < m; i++) {
        idx[i] = i;
      }
      sort(idx, (a, c) -> compare(records, a * width, records, c * width, keys));
      int b = 0;
      for (int i : idx) {
        for (int k = 0; k < width; k++) {
          long v = records[i * width + k];
          for (int j = 56; j >= 0; j -= 8) {
            bytes[b++] = (byte) (v >>> j);
          }
        }
      }
      scratch.write(where, bytes, m * width * 8);
    }
  }

  private static void merge(Scratch.In a, long na, Scratch.In b, long nb, int width, int keys, Scratch.Out out) {
    long[] x = new long[width];
    long[] y = new long[width];
    if (na > 0) {
      read(a, x);
    }
    if (nb > 0) {
      read(b, y);
    }
    while (na > 0 && nb > 0) {
      if (compare(y, 0, x, 0, keys) < 0) {
        write(out, y);
        if (--nb > 0) {
          read(b, y);
        }
      } else {
        write(out, x);
        if (--na > 0) {
          read(a, x);
        }
      }
    }
    for (; na > 0; na--) {
      write(out, x);
      if (na > 1) {
        read(a, x);
      }
    }
    for (; nb > 0; nb--) {
      write(out, y);
      if (nb > 1) {
        read(b, y);
      }
    }
  }

  private static void read(Scratch.In in, long[] record) {
    for (int k = 0; k < record.length; k++) {
      record[k] = in.readLong();
    }
  }

  private static void write(Scratch.Out out, long[] record) {
    for (long v : record) {
      out.writeLong(v);
    }
  }

  private static int compare(long[] a, int i, long[] b, int j, int keys) {
    for (int k = 0; k < keys; k++) {
      int c = Long.compare(a[i + k], b[j + k]);
      if (c != 0) {
        return c;
      }
    }
    return 0;
  }

  interface IntOrder {
    int compare(int a, int b);
  }

  /** A stable merge sort of ints: no boxing of 100,000 processes. */
  static void sort(int[] a, IntOrder order) {
    int[] from = a;
    int[] to = new int[a.length];
    for (int width = 1; width < a.length; width *= 2) {
      for (int lo = 0; lo < a.length; lo += 2 * width) {
        int mid = Math.min(lo + width, a.length);
        int hi = Math.min(lo + 2 * width, a.length);
        int i = lo;
        int j = mid;
        int k = lo;
        while (i < mid && j < hi) {
          to[k++] = order.compare(from[j], from[i]) < 0 ? from[j++] : from[i++];
        }
        while (i < mid) {
          to[k++] = from[i++];
        }
        while (j < hi) {
          to[k++] = from[j++];
        }
      }
      int[] t = from;
      from = to;
      to = t;
    }
    if (from != a) {
      System.arraycopy(from, 0, a, 0, a.length);
    }
  }
}
