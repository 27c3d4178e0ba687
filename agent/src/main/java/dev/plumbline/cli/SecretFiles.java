package dev.plumbline.cli;

import dev.plumbline.sign.SigningException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * Secrets handed over in a file or on a descriptor ({@code /dev/fd/3}), never on the command line:
 * any process of the same user reads a command line in /proc/PID/cmdline. Descriptors are read
 * with {@link #readDescriptors} before the agent makes itself undumpable: from then on its
 * /proc/self/fd belongs to root and /dev/fd/N cannot be opened any more, by the build or by us.
 */
final class SecretFiles {
  private static final int MAX = 64 * 1024;

  private final Map<Path, byte[]> preread = new HashMap<>();

  /** Reads now every path among {@code paths} that names a descriptor of this process. */
  static SecretFiles readDescriptors(Path... paths) throws SigningException {
    SecretFiles files = new SecretFiles();
    for (Path p : paths) {
      if (p != null && isDescriptor(p) && !files.preread.containsKey(p)) {
        String s = p.toString();
        int fd = s.equals("/dev/stdin") ? 0 : Integer.parseInt(s.substring(s.lastIndexOf('/') + 1));
        int[] errno = new int[1];
        byte[] bytes;
        try {
          dev.plumbline.linux.Linux.requireLibc();
          bytes = dev.plumbline.linux.Linux.readDescriptor(fd, MAX, errno);
        } catch (dev.plumbline.linux.NativeUnavailableException e) {
          throw new SigningException("cannot read descriptor " + p + ": " + e.getMessage(), e);
        }
        if (bytes == null) {
          throw new SigningException("cannot read " + p + ": " + dev.plumbline.linux.Linux.strerror(errno[0]));
        }
        if (bytes.length > MAX) {
          throw new SigningException(p + " holds more than 64 KiB");
        }
        files.preread.put(p, bytes);
      }
    }
    return files;
  }

  /**
   * A descriptor of this process ({@code /dev/fd/N}, {@code /proc/self/fd/N}, {@code /dev/stdin}):
   * read with read(2), since opening the path would re-check the file's permissions.
   */
  static boolean isDescriptor(Path p) {
    String s = p.toString();
    return s.matches("/dev/fd/[0-9]+|/proc/self/fd/[0-9]+|/dev/stdin");
  }

  /** The file's bytes (read earlier when it is a descriptor); fails naming the file. */
  byte[] bytes(Path file, String what) throws SigningException {
    byte[] earlier = preread.get(file);
    if (earlier != null) {
      return earlier;
    }
    byte[] bytes;
    try (var in = Files.newInputStream(file)) {
      bytes = in.readNBytes(MAX + 1);
    } catch (IOException e) {
      throw new SigningException("cannot read the " + what + " from " + file + ": " + ErrorHandler.ioReason(e), e);
    }
    if (bytes.length > MAX) {
      throw new SigningException("the " + what + " file " + file + " is larger than 64 KiB");
    }
    return bytes;
  }

  /** The content as text without surrounding white space; fails naming the file when unreadable, empty or large. */
  String text(Path file, String what) throws SigningException {
    String value = new String(bytes(file, what), StandardCharsets.UTF_8).strip();
    if (value.isEmpty()) {
      throw new SigningException("the " + what + " file " + file + " is empty");
    }
    return value;
  }
}
