package dev.plumbline.packages;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * An OS package database read from a root directory: which packages are installed and which own
 * a given file. Implementations read lazily and at most once: the first call pays for parsing.
 */
public interface PackageDatabase {
  /** dpkg, apk or rpm. */
  String manager();

  /** Every installed package, sorted by name then architecture. */
  List<InstalledPackage> installed() throws PackageDatabaseException;

  /**
   * The owners of each absolute path asked for, as the file at that path in this root (aliases
   * across a /usr merge and dpkg diversions resolved); paths no package owns are absent.
   */
  Map<String, List<OwnedFile>> owners(Collection<String> paths) throws PackageDatabaseException;

  /**
   * The algorithms of the file digests this database holds (md5, sha1, sha256, ...), as far as
   * known without reading it: what {@link DigestMatch#digestsToTake} asks the hasher to take. A file
   * whose digest is in another algorithm is read again when checked, nothing worse.
   */
  Set<String> digestAlgorithms();

  /** The files whose change during a build would change what this database says. */
  DatabaseFiles files();

  /**
   * Reads now what {@link #installed} and {@link #owners} will answer from (while the build runs,
   * so that little is left for after it): they then answer as of this reading, so a caller that
   * asks after the build must first see {@link #files} unchanged since before this call, and ask
   * {@link #reopened} otherwise. md5sums-like files that only some answers need may still be read
   * when asked. Default: nothing (everything is read when asked).
   */
  default void prepare() throws PackageDatabaseException {}

  /**
   * Each file what this database answered so far was read from (its path; a directory's ends in
   * /), with the state it had while it was read, in {@link DatabaseFiles.Fingerprint}'s form ("changed
   * while read" when it changed during the read): {@link DatabaseFiles.Fingerprint#disagreeing}
   * tells whether the answers come from the files a fingerprint holds. Not what {@link #prepare}
   * read: the fingerprint taken after it vouches for that. Default: nothing read (rpm, whose
   * answers are the rpm program's, run before the build).
   */
  default Map<String, String> filesRead() {
    return Map.of();
  }

  /** This database with nothing read yet (what it answers is read when asked, from then on). */
  PackageDatabase reopened();
}
