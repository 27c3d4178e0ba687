package dev.plumbline.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/** File digests by coreutils' md5sum, sha1sum, sha256sum...: an implementation independent of ours, for tests to compare with. */
public final class Coreutils {
  private Coreutils() {}

  /** The lower-case hex digest {@code tool} (md5sum, sha1sum, sha256sum, ...) prints for {@code file}. */
  public static String digest(String tool, Path file) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(tool, file.toString()).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (p.waitFor() != 0 || out.indexOf(' ') < 0) {
      throw new AssertionError(tool + " " + file + " failed: " + out.strip());
    }
    return out.substring(0, out.indexOf(' '));
  }
}
