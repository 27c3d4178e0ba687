package dev.plumbline.record;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The external sort gives what an in-memory stable sort of the same records gives, however many runs it merges. */
class ExternalSortTest {
  @TempDir Path tmp;

  private static final int WIDTH = 5;
  private static final int KEYS = 3;

  @Test
  void sortsLikeAStableSortInMemoryForEveryNumberOfRuns() {
    Random rnd = new Random(7);
    // one partial run, exactly one run, runs that pair up, an odd run out, a short last run, many passes
    for (int count : new int[] {0, 1, 7, 64, 65, 128, 129, 200, 1_000, 5_003}) {
      for (Path dir : Arrays.asList(tmp, null)) {
        long[][] records = new long[count][];
        for (int i = 0; i < count; i++) {
          // few distinct keys: ties everywhere, broken by the last key or left as they were (stable)
          records[i] = new long[] {rnd.nextInt(5) - 2, rnd.nextBoolean() ? Long.MIN_VALUE : rnd.nextInt(4) * 1_000_000_007L,
              rnd.nextInt(3), i, rnd.nextLong()};
        }
        long[][] expected = records.clone();
        Arrays.sort(expected, Comparator.<long[]>comparingLong(r -> r[0]).thenComparingLong(r -> r[1]).thenComparingLong(r -> r[2]));

        try (Scratch s = Scratch.open(dir, false)) {
          assertEquals(dir != null, s.onFile());
          long at = 4096 * 3; // past something else in the scratch, as the recorder's region is
          s.write(0, new byte[] {1, 2, 3}, 3);
          Scratch.Out out = new Scratch.Out(s, at, 1_000); // a buffer that records straddle
          for (long[] r : records) {
            for (long v : r) {
              out.writeLong(v);
            }
          }
          out.flush();
          long spare = at + 8L * WIDTH * count + 100;
          long sorted = ExternalSort.sort(s, at, count, WIDTH, KEYS, spare, 64);
          Scratch.In in = new Scratch.In(s, sorted, 777);
          for (int i = 0; i < count; i++) {
            long[] got = new long[WIDTH];
            for (int k = 0; k < WIDTH; k++) {
              got[k] = in.readLong();
            }
            assertArrayEquals(expected[i], got, "record " + i + " of " + count + " (dir " + dir + ")");
          }
          byte[] head = new byte[3];
          s.read(0, head, 3);
          assertArrayEquals(new byte[] {1, 2, 3}, head, "the sort stays in its regions");
          if (count > 64) {
            assertTrue(sorted == at || sorted == spare);
          }
        }
      }
    }
  }

  @Test
  void theIntSortIsStable() {
    int[] a = {5, 3, 8, 1, 9, 2, 7};
    ExternalSort.sort(a, (x, y) -> Integer.compare(x % 3, y % 3));
    assertArrayEquals(new int[] {3, 9, 1, 7, 5, 8, 2}, a);
  }
}
