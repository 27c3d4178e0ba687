package dev.plumbline.cli;

import dev.plumbline.sign.SigningException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Reads a secret handed over in a file or on a descriptor ({@code /dev/fd/3}), never on the
 * command line: any process of the same user reads a command line in /proc/PID/cmdline.
 */
final class SecretFiles {
  private static final int MAX = 64 * 1024;

  private SecretFiles() {}

  /** The content without surrounding white space; fails naming the file when unreadable, empty or large. */
  static String read(Path file, String what) throws SigningException {
    byte[] bytes;
    try (var in = Files.newInputStream(file)) {
      bytes = in.readNBytes(MAX + 1);
    } catch (IOException e) {
      throw new SigningException("cannot read the " + what + " from " + file + ": " + ErrorHandler.ioReason(e), e);
    }
    if (bytes.length > MAX) {
      throw new SigningException("the " + what + " file " + file + " is larger than 64 KiB");
    }
    String value = new String(bytes, StandardCharsets.UTF_8).strip();
    if (value.isEmpty()) {
      throw new SigningException("the " + what + " file " + file + " is empty");
    }
    return value;
  }
}
