package dev.plumbline.record;

import dev.plumbline.env.Environment;
import dev.plumbline.env.HelperCommands;
import dev.plumbline.env.HostFacts;
import dev.plumbline.packages.DatabaseFiles;
import dev.plumbline.packages.DigestMatch;
import dev.plumbline.packages.Distro;
import dev.plumbline.packages.InstalledPackage;
import dev.plumbline.packages.KnownDigests;
import dev.plumbline.packages.OwnedFile;
import dev.plumbline.packages.PackageDatabase;
import dev.plumbline.packages.PackageDatabaseException;
import dev.plumbline.packages.PackageDatabases;
import dev.plumbline.packages.RpmDatabase;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the package databases add to a build record: the package (name, version, arch, purl) of
 * every file the build ran, whether what ran still has the package's digest, the files no package
 * owns, and how many packages were installed against how many were used.
 *
 * <p>Two phases, like the environment: {@link #before} (before the build starts) finds the
 * databases, fingerprints their files and runs rpm if the root has an rpm database (nothing is
 * run after the build: the build may have planted an rpm); {@link #annotate} (after) says which of
 * their files changed in between, since a build that can write them could make a modified binary
 * look packaged, and answers from the databases as they are after the build.
 *
 * <p>{@link #prepare} reads the text databases while the build runs (dpkg's status and an index
 * of its file lists: most of what was left to do after the build). What it read is used only when
 * the fingerprint after the build equals the one taken before the reading began, so nothing a
 * build changed meanwhile goes unseen; otherwise the database is read again after the build.
 * What is read after that fingerprint (md5sums, the lists that confirm an owner, or all of it)
 * must have had the state it holds while it was read ({@link PackageDatabase#filesRead}): a file
 * written after it (by a process outside the trace) is named as changed. A database with a changed
 * file never says {@code match}: {@code database-changed} ({@link DigestMatch#shown}).
 */
public final class PackageRecords {
  private static final Logger log = LoggerFactory.getLogger(PackageRecords.class);

  private final Path root;
  private final List<PackageDatabase> databases;
  private final Map<PackageDatabase, DatabaseFiles.Fingerprint> fingerprints = new LinkedHashMap<>();

  private PackageRecords(Path root, List<PackageDatabase> databases) {
    this.root = root;
    this.databases = databases;
    for (PackageDatabase db : databases) {
      fingerprints.put(db, db.files().snapshot());
      if (db instanceof RpmDatabase) {
        try {
          db.installed(); // the one rpm run, now rather than after the build
        } catch (PackageDatabaseException e) {
          log.debug("rpm database unreadable: {}", e.getMessage());
        }
      }
    }
  }

  /** Before the build, for the databases under {@code root} of {@code distro}. */
  public static PackageRecords before(Path root, Distro distro, RpmDatabase.Query rpm) {
    return new PackageRecords(root, PackageDatabases.in(root, distro, rpm));
  }

  /**
   * Before the build, for this machine (distribution from /etc/os-release). rpm is a helper
   * command like git: from a root-owned system directory, never the one first on PATH, with the
   * helpers' minimal environment (no key password, no token).
   */
  public static PackageRecords beforeOnThisHost() {
    Path root = Path.of("/");
    Environment.OperatingSystem os = new HostFacts(root, Map.of()).os();
    Distro distro = os == null ? null : new Distro(os.id(), os.versionId(), null);
    return before(root, distro, rpmQuery());
  }

  /** The rpm of this host as a helper command ({@link HelperCommands}). */
  static RpmDatabase.Query rpmQuery() {
    return HelperCommands.trusted("rpm")
        .map(rpm -> RpmDatabase.processes(rpm, HelperCommands.environment(rpm.toString())))
        .orElseGet(() -> RpmDatabase.unavailable("no rpm program in a root-owned system directory"));
  }

  /**
   * What a database says after the build that does not depend on the record, read while the record
   * is finished: {@code current} answers the rest (the prepared database, or one read afresh).
   */
  private record After(
      DatabaseFiles.Fingerprint fingerprint, List<String> changed, PackageDatabase current, List<InstalledPackage> installed,
      PackageDatabaseException failure) {}

  private final Map<PackageDatabase, CompletableFuture<After>> after = new LinkedHashMap<>();
  private CompletableFuture<Void> preparing; // null: prepare was not called

  /**
   * Call once the databases are fingerprinted (after {@link #before}) and before the build ends:
   * reads every database on {@code background} (one task, in the order of the databases), while the
   * build runs. A database that fails here is read again after the build, where its error is said.
   */
  public synchronized void prepare(Executor background) {
    if (preparing != null || !after.isEmpty()) {
      return;
    }
    preparing = CompletableFuture.runAsync(() -> {
      for (PackageDatabase db : databases) {
        try {
          db.prepare();
        } catch (PackageDatabaseException | RuntimeException e) {
          log.debug("{} database not read during the build: {}", db.manager(), e.getMessage());
        }
      }
    }, background);
  }

  /**
   * Call once the build has ended (and before {@link #annotate}): starts reading each database's
   * state and installed packages on another thread, in parallel with the work that makes the
   * record; {@link #annotate} waits for them.
   */
  public synchronized void buildEnded() {
    for (PackageDatabase db : databases) {
      after.computeIfAbsent(db, d -> CompletableFuture.supplyAsync(() -> readAfter(d)));
    }
  }

  /**
   * After the preparation (if any) is done: the fingerprint now, and what the prepared database
   * says when it equals the one before, else what the files say now. (A preparation that failed
   * half-way left the database unchanged or partly read; the rest is read when asked.)
   */
  private After readAfter(PackageDatabase db) {
    CompletableFuture<Void> reading;
    synchronized (this) {
      reading = preparing;
    }
    if (reading != null) {
      try {
        reading.join(); // its reads must come before the fingerprint that vouches for them
      } catch (CompletionException e) {
        log.debug("package databases not read during the build: {}", e.getMessage());
      }
    }
    DatabaseFiles.Fingerprint now = db.files().snapshot();
    List<String> changed = now.changedSince(fingerprints.get(db));
    PackageDatabase current = changed.isEmpty() ? db : db.reopened();
    try {
      return new After(now, changed, current, current.installed(), null);
    } catch (PackageDatabaseException e) {
      return new After(now, changed, current, null, e);
    }
  }

  /**
   * The digests the hasher should take of every file that runs, beside SHA-256, so that
   * {@link #annotate(BuildRecord, KnownDigests)} need not read the packaged files again
   * ({@link DigestMatch#digestsToTake}).
   */
  public Set<String> digestsToTake() {
    return DigestMatch.digestsToTake(databases);
  }

  /** The record with its {@code packages} section filled in, every packaged file read again for its package digest. */
  public BuildRecord annotate(BuildRecord r) {
    return annotate(r, KnownDigests.NONE);
  }

  /**
   * The record with its {@code packages} section filled in; a packaged file whose digests
   * {@code known} has (the hasher's, {@link ExecutableHasher#digestsTaken}) is not read again.
   */
  public BuildRecord annotate(BuildRecord r, KnownDigests taken) {
    int[] answered = new int[1];
    KnownDigests known = file -> {
      Map<String, String> d = taken.of(file);
      answered[0] += d == null ? 0 : 1;
      return d;
    };
    buildEnded(); // a no-op when the caller did it
    Map<PathDigest, Set<String>> ran = filesThatRan(r);
    Set<String> paths = new TreeSet<>();
    ran.keySet().forEach(f -> paths.add(f.path()));

    List<BuildRecord.PackageDatabase> dbs = new ArrayList<>();
    Map<String, UsedBuilder> used = new TreeMap<>();
    Set<PathDigest> owned = new HashSet<>();
    for (PackageDatabase db : databases) {
      CompletableFuture<After> reading;
      synchronized (this) {
        reading = after.get(db);
      }
      After state = reading.join();
      Map<String, List<OwnedFile>> owners = null;
      PackageDatabaseException failure = state.failure();
      if (failure == null) {
        try {
          owners = state.current().owners(paths);
        } catch (PackageDatabaseException e) {
          failure = e;
        }
      }
      // Every file the answers came from must have had, while it was read, the state the fingerprint
      // after the build holds: some are read only now (md5sums, the lists that confirm an owner), and
      // a process outside the trace (a daemon the build started) could rewrite one after that
      // fingerprint. One that differs is named as changed, like a file the build itself changed; then
      // no file of this database is said to match (database-changed): its digests are the build's word.
      List<String> unvouched = state.fingerprint().disagreeing(state.current().filesRead());
      List<String> changed = changed(state.changed(), unvouched);
      if (failure != null) {
        dbs.add(new BuildRecord.PackageDatabase(db.manager(), null, null, changed, failure.getMessage()));
        continue;
      }
      if (!unvouched.isEmpty()) {
        log.debug("{} database files changed after the fingerprint taken after the build: {}", db.manager(), unvouched);
      }
      Set<String> usedHere = new TreeSet<>();
      for (Map.Entry<PathDigest, Set<String>> f : ran.entrySet()) {
        for (OwnedFile o : owners.getOrDefault(f.getKey().path(), List.of())) {
          InstalledPackage p = o.pkg();
          usedHere.add(p.displayName());
          owned.add(f.getKey());
          String key = p.manager() + "\u0000" + p.name() + "\u0000" + p.arch() + "\u0000" + p.version();
          used.computeIfAbsent(key, k -> new UsedBuilder(p)).files.add(packageFile(f.getKey(), f.getValue(), o, known, changed != null));
        }
      }
      List<InstalledPackage> installed = state.installed();
      List<String> unused = installed.stream().map(InstalledPackage::displayName).filter(n -> !usedHere.contains(n)).sorted().toList();
      dbs.add(new BuildRecord.PackageDatabase(db.manager(), installed.size(), unused, changed, null));
    }
    List<BuildRecord.PackageFile> unowned = new ArrayList<>();
    ran.forEach((f, kinds) -> {
      if (!owned.contains(f)) {
        unowned.add(new BuildRecord.PackageFile(f.path(), f.sha256(), List.copyOf(kinds), null, null, null));
      }
    });
    unowned.sort(FILE_ORDER);
    List<BuildRecord.UsedPackage> usedList = used.values().stream().map(UsedBuilder::build).toList();
    log.debug("{} packaged files checked, {} of them with the digests taken as they ran (not read again)",
        usedList.stream().mapToInt(u -> u.files().size()).sum(), answered[0]);
    return r.withPackages(new BuildRecord.Packages(List.copyOf(dbs), usedList, List.copyOf(unowned)));
  }

  private static final Comparator<BuildRecord.PackageFile> FILE_ORDER =
      Comparator.comparing(BuildRecord.PackageFile::path).thenComparing(f -> String.valueOf(f.sha256()));

  /** The database's changed files: during the build, and while it was read after; null when none. */
  private static List<String> changed(List<String> duringBuild, List<String> whileRead) {
    Set<String> all = new TreeSet<>(duringBuild);
    all.addAll(whileRead);
    return all.isEmpty() ? null : List.copyOf(all);
  }

  /** {@code databaseChanged}: the database names files changed during the build (or while read after it); then no match is said. */
  private BuildRecord.PackageFile packageFile(PathDigest f, Set<String> kinds, OwnedFile o, KnownDigests known, boolean databaseChanged) {
    DigestMatch match = DigestMatch.check(root.resolve(f.path().substring(1)), o.digest(), f.sha256(), known);
    return new BuildRecord.PackageFile(
        f.path(),
        f.sha256(),
        List.copyOf(kinds),
        o.listedPath().equals(f.path()) ? null : o.listedPath(),
        o.digest() == null ? null : o.digest().toString(),
        DigestMatch.shown(match.word(), databaseChanged));
  }

  /** Executed binaries (tools), files mapped executable (libraries) and the scripts interpreters ran, with the ways they ran. */
  private static Map<PathDigest, Set<String>> filesThatRan(BuildRecord r) {
    Map<PathDigest, Set<String>> out = new TreeMap<>(Comparator.comparing(PathDigest::path).thenComparing(f -> String.valueOf(f.sha256())));
    if (r.tools() != null) {
      for (BuildRecord.Tool t : r.tools()) {
        if (t.path() != null && t.path().startsWith("/")) {
          out.computeIfAbsent(new PathDigest(t.path(), t.sha256()), k -> new TreeSet<>()).add("exec");
        }
      }
    }
    if (r.libraries() != null) {
      for (BuildRecord.Library l : r.libraries()) {
        if (l.path() != null && l.path().startsWith("/")) {
          out.computeIfAbsent(new PathDigest(l.path(), l.sha256()), k -> new TreeSet<>()).add("library");
        }
      }
    }
    if (r.processes() != null) {
      for (BuildRecord.ProcessInfo p : r.processes()) {
        for (BuildRecord.Exec e : p.execs() == null ? List.<BuildRecord.Exec>of() : p.execs()) {
          if (e.script() != null && e.script().path() != null && e.script().path().startsWith("/")) {
            out.computeIfAbsent(new PathDigest(e.script().path(), e.script().sha256()), k -> new TreeSet<>()).add("script");
          }
        }
      }
    }
    return out;
  }

  private static final class UsedBuilder {
    final InstalledPackage pkg;
    final List<BuildRecord.PackageFile> files = new ArrayList<>();

    UsedBuilder(InstalledPackage pkg) {
      this.pkg = pkg;
    }

    BuildRecord.UsedPackage build() {
      files.sort(FILE_ORDER);
      return new BuildRecord.UsedPackage(pkg.manager(), pkg.name(), pkg.version(), pkg.arch(), pkg.purl(), List.copyOf(files));
    }
  }
}
