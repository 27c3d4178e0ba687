package dev.plumbline.record;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * Writes an output file (record, bundle) so that readers see the old file or the whole new one,
 * never a part, and a failure leaves nothing behind. The temporary file gets a fresh name and is
 * created with O_EXCL: a file or symlink planted at a predictable name (by a build running as
 * another user, for a root agent) is never followed or truncated.
 */
public final class AtomicFiles {
  private AtomicFiles() {}

  public static void write(Path file, byte[] bytes) throws IOException {
    write(file, out -> out.write(bytes));
  }

  /** What an output file holds, written to the stream (which it must not close). */
  @FunctionalInterface
  public interface Content {
    void writeTo(OutputStream out) throws IOException;
  }

  /**
   * Writes what {@code content} produces, streamed: a record of 100,000 processes is tens of MB
   * of JSON, which as a String and then as bytes would be held two more times in memory.
   */
  public static void write(Path file, Content content) throws IOException {
    Path target = file.toAbsolutePath();
    Path dir = target.getParent();
    // not createTempFile: its 0600 would stick to the output; CREATE_NEW honours the umask
    Path tmp = dir.resolve("." + target.getFileName() + "." + ProcessHandle.current().pid() + "."
        + Long.toHexString(System.nanoTime()) + ".tmp");
    try {
      try (OutputStream out = new BufferedOutputStream(
          Files.newOutputStream(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE), 1 << 16)) {
        content.writeTo(out);
      }
      try {
        Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
      }
    } finally {
      Files.deleteIfExists(tmp); // after a failed write (disk full, a directory in the way): no *.tmp stays
    }
  }
}
