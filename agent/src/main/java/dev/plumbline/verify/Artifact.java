package dev.plumbline.verify;

import dev.plumbline.attest.Subjects;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Locale;

/** The artifact a verification is about: its sha256, and the file when one was given. */
public record Artifact(String sha256, Path file) {
  /** {@code sha256:HEX} (64 hex digits) or a path to a file. */
  public static Artifact parse(String arg) throws VerifyException {
    if (arg.startsWith("sha256:")) {
      String hex = arg.substring("sha256:".length()).toLowerCase(Locale.ROOT);
      if (!hex.matches("[0-9a-f]{64}")) {
        throw new VerifyException("'" + arg + "' is not a sha256 digest (expected sha256: and 64 hex digits)");
      }
      return new Artifact(hex, null);
    }
    Path file = Path.of(arg);
    if (Files.isDirectory(file)) {
      throw new VerifyException("artifact " + arg + " is a directory; give a file or sha256:HEX");
    }
    try {
      return new Artifact(Subjects.sha256Hex(file), file);
    } catch (NoSuchFileException e) {
      throw new VerifyException("artifact " + arg + " does not exist");
    } catch (IOException e) {
      throw new VerifyException("cannot read artifact " + arg + ": " + e.getMessage(), e);
    }
  }

  public String display() {
    return file != null ? file + " (sha256:" + sha256 + ")" : "sha256:" + sha256;
  }
}
