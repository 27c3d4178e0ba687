package dev.plumbline.packages;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

/**
 * rpm's database under a root. Its formats (Berkeley DB, NDB, SQLite) are not text, so this runs
 * the rpm program once for the whole database ({@code rpm --root ROOT -qa --queryformat ...}, not
 * once per file) and parses what it prints ({@link RpmQueryOutput}).
 */
public final class RpmDatabase implements PackageDatabase {
  /** Where rpm keeps its database, newest layout first. */
  static final List<String> DB_DIRS = List.of("usr/lib/sysimage/rpm", "var/lib/rpm");

  private static final List<String> DB_FILES = List.of("rpmdb.sqlite", "Packages.db", "Packages");

  /** Runs rpm with these arguments and returns its standard output; an interface so tests answer from fixtures. */
  public interface Query {
    String run(List<String> argv) throws IOException;
  }

  private final Path root;
  private final Distro distro;
  private final Query query;
  private final UsrMerge usrMerge;
  private List<RpmQueryOutput.Entry> entries;
  private Map<String, List<OwnedFile>> byPath;
  private PackageDatabaseException failure; // rpm's one run failed: said again, rpm not run again

  public RpmDatabase(Path root, Distro distro, Query query) {
    this.root = root;
    this.distro = distro;
    this.query = query;
    this.usrMerge = new UsrMerge(root);
  }

  /** The database directory under root, or null when this root has no rpm database. */
  public static Path databaseDir(Path root) {
    for (String dir : DB_DIRS) {
      for (String file : DB_FILES) {
        if (Files.isRegularFile(root.resolve(dir).resolve(file))) {
          return root.resolve(dir);
        }
      }
    }
    return null;
  }

  public static boolean presentIn(Path root) {
    return databaseDir(root) != null;
  }

  @Override
  public String manager() {
    return "rpm";
  }

  /**
   * Itself: rpm runs before the build only (the build may plant an rpm; {@code PackageRecords}),
   * so what it printed then is all this database ever says, changed during the build or not.
   */
  @Override
  public PackageDatabase reopened() {
    return this;
  }

  @Override
  public DatabaseFiles files() {
    Path dir = databaseDir(root);
    return new DatabaseFiles(List.of(), dir == null ? List.of() : List.of(dir));
  }

  /**
   * The FILEDIGESTALGOs of the packages rpm listed (it runs before the build: {@code
   * PackageRecords}), or none when it has not run or failed: rpm is not run for this.
   */
  @Override
  public synchronized Set<String> digestAlgorithms() {
    Set<String> out = new TreeSet<>();
    if (entries != null) {
      for (RpmQueryOutput.Entry e : entries) {
        for (FileDigest d : e.files().values()) {
          if (d != null) {
            out.add(d.algorithm());
          }
        }
      }
    }
    return out;
  }

  /** rpm's one run: a failure is remembered, so that rpm never runs after the build (PackageRecords runs it before). */
  private synchronized void load() throws PackageDatabaseException {
    if (entries != null) {
      return;
    }
    if (failure != null) {
      throw failure;
    }
    try {
      entries = run();
    } catch (PackageDatabaseException e) {
      failure = e;
      throw e;
    }
    byPath = new HashMap<>();
    for (RpmQueryOutput.Entry e : entries) {
      InstalledPackage pkg = packageOf(e);
      e.files().forEach((path, digest) -> byPath.computeIfAbsent(path, k -> new ArrayList<>()).add(new OwnedFile(path, pkg, digest)));
    }
  }

  private List<RpmQueryOutput.Entry> run() throws PackageDatabaseException {
    String output;
    List<String> argv = List.of("rpm", "--root", root.toString(), "-qa", "--queryformat", RpmQueryOutput.FORMAT);
    try {
      output = query.run(argv);
    } catch (IOException e) {
      throw new PackageDatabaseException("rpm database at " + databaseDir(root) + ": rpm -qa failed: " + e.getMessage(), e);
    }
    try {
      return RpmQueryOutput.parse(output);
    } catch (IllegalArgumentException e) {
      throw new PackageDatabaseException("rpm -qa printed something unexpected: " + e.getMessage(), e);
    }
  }

  private InstalledPackage packageOf(RpmQueryOutput.Entry e) {
    String purl = Purl.ofOsPackage("rpm", distro, e.name(), e.version(), e.arch(), e.epoch()).toString();
    return new InstalledPackage("rpm", e.name(), e.fullVersion(), e.arch(), purl);
  }

  @Override
  public List<InstalledPackage> installed() throws PackageDatabaseException {
    load();
    List<InstalledPackage> out = new ArrayList<>();
    for (RpmQueryOutput.Entry e : entries) {
      out.add(packageOf(e));
    }
    out.sort(Comparator.comparing(InstalledPackage::name).thenComparing(p -> String.valueOf(p.arch())));
    return out;
  }

  @Override
  public Map<String, List<OwnedFile>> owners(Collection<String> paths) throws PackageDatabaseException {
    load();
    return usrMerge.owners(paths, byPath);
  }

  /**
   * The rpm program at {@code rpm} (a helper command: the caller resolves it from a directory the
   * build cannot have planted into, and gives it a minimal environment without the agent's
   * secrets), run in {@code /}, reading the output fully (a database lists 100k+ files), with a
   * time limit; started when first needed. The argv's {@code rpm} is replaced by that path.
   */
  public static Query processes(Path rpm, Map<String, String> environment) {
    return argv -> {
      List<String> command = new ArrayList<>(argv);
      command.set(0, rpm.toString());
      ProcessBuilder pb = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD).directory(new java.io.File("/"));
      pb.environment().clear();
      pb.environment().putAll(environment);
      Process p = pb.start();
      p.getOutputStream().close();
      byte[] out;
      try (InputStream in = p.getInputStream()) {
        out = in.readAllBytes();
      }
      try {
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
          p.destroyForcibly();
          throw new IOException("rpm ran longer than 60 s");
        }
      } catch (InterruptedException e) {
        p.destroyForcibly();
        Thread.currentThread().interrupt();
        throw new IOException("interrupted while rpm ran", e);
      }
      if (p.exitValue() != 0) {
        throw new IOException("rpm exited with " + p.exitValue());
      }
      return new String(out, StandardCharsets.UTF_8);
    };
  }

  /** No rpm to run (none in a system directory): the database is reported unreadable, with this reason. */
  public static Query unavailable(String reason) {
    return argv -> {
      throw new IOException(reason);
    };
  }
}
