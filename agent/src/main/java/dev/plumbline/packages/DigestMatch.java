package dev.plumbline.packages;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;

/**
 * Whether the content a build ran is the content its package installed. The record holds the
 * SHA-256 of what ran (read through /proc/PID/exe at the exec); package databases mostly hold MD5
 * (dpkg) or SHA-1 (apk), so the file is read again now: when it still has the SHA-256 that ran,
 * its package digest speaks for what ran.
 */
public enum DigestMatch {
  /** What ran has the package's digest. */
  MATCH("match"),
  /** What ran is not what the package installed: a modified or replaced packaged file. */
  MISMATCH("mismatch"),
  /** The database holds no digest for the file (a symlink, a conffile, an rpm directory). */
  NO_DIGEST("no-digest"),
  /**
   * Cannot tell: the file changed after it ran (and its package digest is not SHA-256), the file
   * is unreadable now, or the record has no digest of what ran.
   */
  UNKNOWN("unknown");

  private final String word;

  DigestMatch(String word) {
    this.word = word;
  }

  /** The word the predicate uses. */
  public String word() {
    return word;
  }

  /**
   * Compares {@code expected} (the package's digest of the file) with what ran ({@code ranSha256},
   * hex), reading {@code file} (the path under the root) only when the algorithms differ.
   */
  public static DigestMatch check(Path file, FileDigest expected, String ranSha256) {
    if (expected == null) {
      return NO_DIGEST;
    }
    if (ranSha256 == null) {
      return UNKNOWN;
    }
    if (expected.algorithm().equals("sha256")) {
      return expected.hex().equalsIgnoreCase(ranSha256) ? MATCH : MISMATCH;
    }
    Map<String, String> now;
    try {
      now = FileDigests.of(file, Set.of("sha256", expected.algorithm()));
    } catch (IOException | RuntimeException e) {
      return UNKNOWN;
    }
    boolean packaged = expected.hex().equals(now.get(expected.algorithm()));
    if (ranSha256.equalsIgnoreCase(now.get("sha256"))) {
      return packaged ? MATCH : MISMATCH;
    }
    // The file changed after it ran. If it now holds the packaged content, what ran was something else.
    return packaged ? MISMATCH : UNKNOWN;
  }
}
