package dev.plumbline.packages;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * The lines of a file list (dpkg's {@code info/*.list}), streamed through one small buffer with
 * each line's byte offset: the lists of an ordinary system hold 8 MB in a few thousand files, one
 * of them (google-cloud-cli) 3.8 MB, and reading each whole made a 3.8 MB array plus a direct
 * buffer of the same size that NIO then keeps for the thread (the agent's peak RSS).
 * Empty lines are skipped; a last line without a newline counts.
 */
final class ListLines {
  /** One line: {@code bytes[from, to)} starts at {@code offset} in the file. */
  interface Sink {
    void line(byte[] bytes, int from, int to, long offset);
  }

  private byte[] buf = new byte[64 * 1024]; // one for every file this reader reads

  /**
   * Calls {@code sink} with each line of {@code file}, in order; the file's state while read is
   * noted in {@code files}.
   */
  void read(FilesRead files, Path file, Sink sink) throws PackageDatabaseException {
    if (files.readIfPresent(file, channel -> lines(channel, sink)) == null) {
      throw new PackageDatabaseException(file + ": missing", new NoSuchFileException(file.toString()));
    }
  }

  private Boolean lines(FileChannel channel, Sink sink) throws IOException {
    int held = 0; // bytes of an unfinished line carried over, at buf[0, held)
    long heldAt = 0; // its offset in the file
    while (true) {
      if (held == buf.length) {
        buf = Arrays.copyOf(buf, buf.length * 2); // a line longer than the buffer (not a path)
      }
      int n = channel.read(ByteBuffer.wrap(buf, held, buf.length - held));
      if (n <= 0) {
        if (held > 0) {
          sink.line(buf, 0, held, heldAt);
        }
        return Boolean.TRUE;
      }
      int end = held + n;
      int start = 0;
      for (int i = held; i < end; i++) {
        if (buf[i] == '\n') {
          if (i > start) {
            sink.line(buf, start, i, heldAt + start);
          }
          start = i + 1;
        }
      }
      held = end - start;
      heldAt += start;
      System.arraycopy(buf, start, buf, 0, held);
    }
  }
}
