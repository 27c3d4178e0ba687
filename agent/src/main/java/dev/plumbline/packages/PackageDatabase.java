package dev.plumbline.packages;

import java.util.Collection;
import java.util.List;
import java.util.Map;

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

  /** The files whose change during a build would change what this database says. */
  DatabaseFiles files();
}
