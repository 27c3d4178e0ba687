package dev.plumbline.record;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A scratch reads back what was written where it was written, on an unnamed file or in memory, and zeros elsewhere. */
class ScratchTest {
  @TempDir Path tmp;

  @Test
  void readsBackWhatWasWrittenAndZerosPastItOnFileAndInMemory() throws Exception {
    for (Path dir : Arrays.asList(tmp, null)) {
      try (Scratch s = Scratch.open(dir, false)) {
        assertEquals(dir != null, s.onFile());
        byte[] big = new byte[200_000]; // across memory blocks
        new Random(3).nextBytes(big);
        s.write(70_000, big, big.length);
        s.write(5, new byte[] {9, 8}, 2);
        byte[] back = new byte[big.length];
        s.read(70_000, back, back.length);
        assertArrayEquals(big, back);
        byte[] edge = new byte[12];
        s.read(5, edge, 12);
        assertArrayEquals(new byte[] {9, 8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}, edge, "a hole reads as zeros");
        byte[] past = new byte[10];
        Arrays.fill(past, (byte) 7);
        s.read(270_000 - 4, past, 10);
        assertArrayEquals(new byte[] {big[big.length - 4], big[big.length - 3], big[big.length - 2], big[big.length - 1], 0, 0, 0, 0, 0, 0},
            past, "past the end: zeros");
        assertEquals(270_000, s.size());
      }
    }
    assertEquals(List.of(), ProcessSpoolTest.unnamedFilesIn(tmp), "closed: the file is gone");
    try (Stream<Path> named = Files.list(tmp)) {
      assertEquals(List.of(), named.toList(), "never a name in its directory");
    }
  }

  @Test
  void aDumpableAgentOrADirectoryWithoutUnnamedFilesKeepsItInMemory() throws Exception {
    try (Scratch dumpable = Scratch.open(tmp, true); Scratch proc = Scratch.open(Path.of("/proc"), false)) {
      assertFalse(dumpable.onFile());
      assertFalse(proc.onFile());
      assertEquals(List.of(), ProcessSpoolTest.unnamedFilesIn(tmp));
    }
    try (Scratch s = Scratch.open(tmp, false)) {
      assertTrue(s.onFile());
      assertEquals(1, ProcessSpoolTest.unnamedFilesIn(tmp).size());
    }
  }

  @Test
  void streamsWriteAndReadIntsLongsAndBytesAcrossTheirBuffers() {
    try (Scratch s = Scratch.open(tmp, false)) {
      Scratch.Out out = new Scratch.Out(s, 100, 16);
      byte[] blob = new byte[40]; // larger than the buffer
      Arrays.fill(blob, (byte) 0x5a);
      for (int i = 0; i < 50; i++) {
        out.writeInt(-i);
        out.writeLong(Long.MIN_VALUE + i);
        out.write(blob, i % 3 == 0 ? 40 : 3);
      }
      out.flush();
      assertEquals(100 + 50 * 12 + 17 * 40 + 33 * 3, out.position());
      Scratch.In in = new Scratch.In(s, 100, 13);
      for (int i = 0; i < 50; i++) {
        assertEquals(-i, in.readInt());
        assertEquals(Long.MIN_VALUE + i, in.readLong());
        in.skip(i % 3 == 0 ? 40 : 3);
      }
      assertEquals(out.position(), in.position());
    }
  }

  /**
   * A read loop through an {@link Scratch.In} allocates nothing per refill, on a file or in memory:
   * 4 MiB read back as ints and longs through a buffer of 4 KiB (1,024 refills, each keeping a few
   * bytes not taken yet) allocates (nearly) nothing: under 1 KiB, where an array per refill was 4 MiB.
   */
  @Test
  void readingThroughAnInAllocatesNothingPerRefill() {
    var threads = (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
    for (Path dir : Arrays.asList(tmp, null)) {
      try (Scratch s = Scratch.open(dir, false)) {
        Scratch.Out out = new Scratch.Out(s, 0, 64 * 1024);
        int n = 4 * 1024 * 1024 / 12;
        for (int i = 0; i < n; i++) {
          out.writeInt(i);
          out.writeLong(-i);
        }
        out.flush();
        long sum = readBack(new Scratch.In(s, 0, 4096), n); // warm: what the loop needs is compiled and loaded
        Scratch.In in = new Scratch.In(s, 0, 4096);
        long before = threads.getCurrentThreadAllocatedBytes();
        sum += readBack(in, n);
        long allocated = threads.getCurrentThreadAllocatedBytes() - before;
        assertEquals(0, sum, "read back as written, in " + dir);
        assertTrue(allocated < 1024, allocated + " bytes allocated reading " + (12L * n) + " bytes back, in " + dir);
      }
    }
  }

  /** The sum of what {@link #readingThroughAnInAllocatesNothingPerRefill} wrote: zero when each pair reads back. */
  private static long readBack(Scratch.In in, int n) {
    long sum = 0;
    for (int i = 0; i < n; i++) {
      sum += in.readInt() + in.readLong();
    }
    return sum;
  }

  @Test
  void scratchLongsKeepEveryValueThroughTheirFewPages() {
    try (Scratch s = Scratch.open(tmp, false)) {
      ScratchLongs longs = new ScratchLongs(s, 8192);
      Random rnd = new Random(5);
      long[] expected = new long[50_000]; // 98 pages through 8
      for (int i = 0; i < 200_000; i++) {
        int k = rnd.nextInt(expected.length);
        long v = rnd.nextLong();
        longs.set(k, v);
        expected[k] = v;
        int j = rnd.nextInt(expected.length);
        assertEquals(expected[j], longs.get(j));
      }
      longs.flush();
      ScratchLongs again = new ScratchLongs(s, 8192);
      for (int k = 0; k < expected.length; k++) {
        assertEquals(expected[k], again.get(k), "element " + k + " as written back");
      }
      byte[] before = new byte[8192];
      s.read(0, before, before.length);
      assertArrayEquals(new byte[8192], before, "nothing written before the region");
    }
  }
}
