package dev.plumbline.linux;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class UnnamedFileTest {
  @TempDir Path tmp;

  @Test
  void writesAndReadsBackAtOffsetsWithoutEverHavingAName() throws Exception {
    try (UnnamedFile f = UnnamedFile.create(tmp)) {
      byte[] a = "first record\n".getBytes(StandardCharsets.UTF_8);
      byte[] b = new byte[300_000]; // more than one pipe-sized chunk
      for (int i = 0; i < b.length; i++) {
        b[i] = (byte) (i * 31);
      }
      f.write(0, a, a.length);
      f.write(a.length, b, b.length);
      assertArrayEquals(b, f.read(a.length, b.length));
      assertArrayEquals(a, f.read(0, a.length));
      try (Stream<Path> names = Files.list(tmp)) {
        assertEquals(List.of(), names.toList(), "no name in the directory");
      }
      assertThrows(IOException.class, () -> f.read(a.length + b.length - 4, 8), "reading past the end");
    }
  }

  @Test
  void aFilesystemWithoutUnnamedFilesIsAnErrorNotANamedFile() throws Exception {
    IOException onProc = assertThrows(IOException.class, () -> UnnamedFile.create(Path.of("/proc")));
    assertTrue(onProc.getMessage().startsWith("cannot create an unnamed file in /proc: E"), onProc.getMessage());
    IOException missing = assertThrows(IOException.class, () -> UnnamedFile.create(tmp.resolve("missing")));
    assertTrue(missing.getMessage().endsWith("ENOENT"), missing.getMessage());
    try (Stream<Path> names = Files.list(tmp)) {
      assertEquals(List.of(), names.toList());
    }
  }

  @Test
  void aClosedFileCannotBeUsed() throws Exception {
    UnnamedFile f = UnnamedFile.create(tmp);
    f.close();
    f.close(); // twice is fine
    assertThrows(IOException.class, () -> f.write(0, new byte[1], 1));
  }
}
