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
