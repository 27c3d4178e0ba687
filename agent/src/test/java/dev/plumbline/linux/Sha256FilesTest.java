package dev.plumbline.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.plumbline.testing.Coreutils;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** File digests against coreutils' sha256sum, an independent implementation. */
class Sha256FilesTest {
  private static String hex(Path file) throws Exception {
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
      return Sha256Files.hex(channel);
    }
  }

  @Test
  void regularFilesOfEverySizeMatchSha256sum(@TempDir Path dir) throws Exception {
    Random random = new Random(7);
    for (int size : new int[] {0, 1, 55, 64, 4096, 1_000_003}) {
      byte[] bytes = new byte[size];
      random.nextBytes(bytes);
      Path file = Files.write(dir.resolve("f" + size), bytes);
      assertEquals(Coreutils.digest("sha256sum", file), hex(file), "size " + size);
    }
  }

  /** A digest begun on one thread and finished on another (the toolchain files' hand-over). */
  @Test
  void aStepwiseDigestContinuedOnAnotherThreadMatchesSha256sum(@TempDir Path dir) throws Exception {
    byte[] bytes = new byte[(5 << 18) + 12345]; // five full reads and a part
    new Random(11).nextBytes(bytes);
    Path file = Files.write(dir.resolve("f"), bytes);
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ);
        Sha256Files.Stepwise digest = Sha256Files.Stepwise.of(channel)) {
      java.util.concurrent.atomic.AtomicInteger steps = new java.util.concurrent.atomic.AtomicInteger();
      Thread first = new Thread(() -> {
        try {
          for (int i = 0; i < 2 && digest.step(); i++) {
            steps.incrementAndGet();
          }
        } catch (java.io.IOException e) {
          throw new java.io.UncheckedIOException(e);
        }
      });
      first.start();
      first.join();
      assertEquals(2, steps.get());
      while (digest.step()) {
        steps.incrementAndGet();
      }
      assertEquals(6, steps.get());
      assertEquals(Coreutils.digest("sha256sum", file), digest.hex());
    }
  }

  @Test
  void aProcfsFileThatReportsSizeZeroIsReadAsAStream() throws Exception {
    Path status = Path.of("/proc/self/cmdline"); // size 0 in stat, content when read
    String ours = hex(status);
    assertEquals(64, ours.length());
    // the same bytes through sha256sum: copy them first, the content is per reader
    byte[] bytes = Files.readAllBytes(status);
    java.security.MessageDigest md = java.security.MessageDigest.getInstance("SHA-256");
    assertEquals(java.util.HexFormat.of().formatHex(md.digest(bytes)), ours);
  }
}
