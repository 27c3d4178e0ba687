package dev.plumbline.packages;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Collection;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Whether the content a build ran is the content its package installed. The record holds the
 * SHA-256 of what ran (read through /proc/PID/exe at the exec); package databases mostly hold MD5
 * (dpkg) or SHA-1 (apk), so the check needs the file's digest in that algorithm too: when the file
 * still has the SHA-256 that ran, its package digest speaks for what ran. The agent's hasher takes
 * those digests in the same read as the SHA-256 ({@link #digestsToTake}) and offers them
 * ({@link KnownDigests}) while the file is unchanged since; otherwise the file is read again here.
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
  UNKNOWN("unknown"),
  /**
   * What ran has the digest the database gives, but that database changed during the build (or
   * while it was read after it): its {@code changedDuringBuild} is not empty, so the digest is the
   * build's word, not evidence (a build that replaces a packaged binary can write its MD5 into the
   * md5sums). Never a match. Said of a record's file by {@link #shown}, never by {@link #check}.
   */
  DATABASE_CHANGED("database-changed");

  private final String word;

  DigestMatch(String word) {
    this.word = word;
  }

  /** The word the predicate uses. */
  public String word() {
    return word;
  }

  /**
   * The verdict to record and to show for a file whose database says {@code word}, when that
   * database changed during the build ({@code databaseChanged}: its {@code changedDuringBuild} is
   * not empty): a {@code match} is then {@link #DATABASE_CHANGED}; other words stay. The one rule,
   * applied where the record is made and again wherever a record is read for people or other tools
   * (reports, the CycloneDX BOM, query): records made before this verdict existed say
   * {@code match} there.
   */
  public static String shown(String word, boolean databaseChanged) {
    return databaseChanged && MATCH.word.equals(word) ? DATABASE_CHANGED.word : word;
  }

  /**
   * The digests a hasher of what ran should take beside SHA-256 so that {@link #check} needs no
   * second read of the file: the algorithms these databases hold (dpkg MD5, apk SHA-1, rpm by
   * FILEDIGESTALGO), sorted; empty when they hold SHA-256 only, or when there is no database. For
   * every file that runs, not only the packaged ones: the packages are known only after the
   * database is read, and on the xz-utils build the files no package owned were 1.3 MB of 230 MB.
   */
  public static Set<String> digestsToTake(Collection<PackageDatabase> databases) {
    Set<String> out = new TreeSet<>();
    for (PackageDatabase db : databases) {
      out.addAll(db.digestAlgorithms());
    }
    out.remove("sha256");
    return Set.copyOf(out);
  }

  /**
   * Compares {@code expected} (the package's digest of the file) with what ran ({@code ranSha256},
   * hex), reading {@code file} (the path under the root) only when the algorithms differ.
   */
  public static DigestMatch check(Path file, FileDigest expected, String ranSha256) {
    return check(file, expected, ranSha256, KnownDigests.NONE);
  }

  /**
   * As {@link #check(Path, FileDigest, String)}, with the file's digests taken from {@code known}
   * when it has both SHA-256 and the package's algorithm for the file as it is now (the same answer
   * as reading it, without the read).
   */
  public static DigestMatch check(Path file, FileDigest expected, String ranSha256, KnownDigests known) {
    if (expected == null) {
      return NO_DIGEST;
    }
    if (ranSha256 == null) {
      return UNKNOWN;
    }
    if (expected.algorithm().equals("sha256")) {
      return expected.hex().equalsIgnoreCase(ranSha256) ? MATCH : MISMATCH;
    }
    Map<String, String> now = known.of(file);
    if (now == null || now.get("sha256") == null || now.get(expected.algorithm()) == null) {
      try {
        now = FileDigests.of(file, Set.of("sha256", expected.algorithm()));
      } catch (IOException | RuntimeException e) {
        return UNKNOWN;
      }
    }
    boolean packaged = expected.hex().equals(now.get(expected.algorithm()));
    if (ranSha256.equalsIgnoreCase(now.get("sha256"))) {
      return packaged ? MATCH : MISMATCH;
    }
    // The file changed after it ran. If it now holds the packaged content, what ran was something else.
    return packaged ? MISMATCH : UNKNOWN;
  }
}
