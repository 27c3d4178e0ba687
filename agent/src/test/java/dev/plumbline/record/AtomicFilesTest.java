package dev.plumbline.record;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Outputs are whole or absent; a failed write leaves no temporary file behind (issue 11). */
class AtomicFilesTest {
  @TempDir Path dir;

  private List<String> names() throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      return s.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }

  @Test
  void aWriteReplacesTheFileAndLeavesNothingElse() throws Exception {
    Path out = Files.writeString(dir.resolve("b.json"), "old");
    AtomicFiles.write(out, "new".getBytes());
    assertEquals("new", Files.readString(out));
    assertEquals(List.of("b.json"), names());
  }

  @Test
  void aFailedMoveLeavesNoTemporaryFile() throws Exception {
    Path target = Files.createDirectories(dir.resolve("b.json"));
    Files.writeString(target.resolve("inside"), "a directory in the way");
    assertThrows(IOException.class, () -> AtomicFiles.write(target, "x".repeat(100_000).getBytes()));
    assertEquals(List.of("b.json"), names(), "no *.tmp stays");
  }
}
