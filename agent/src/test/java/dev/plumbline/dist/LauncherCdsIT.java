package dev.plumbline.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.plumbline.testing.Processes;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The launcher (scripts/plumbline) as root, as separate-user mode runs it through sudo: a
 * class-data archive is code the JVM maps into the agent, so as root it maps one only from beside
 * a jar in a folder no other user can change (root's, no group/other write, and so up to /), and
 * never from ~/.cache. The archive is the launcher's own, made by its first run; the JVM's class
 * loading log says whether Plumbline's classes came from it. docs/threat-model.md cites this.
 */
@Tag("needs-root")
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class LauncherCdsIT {
  static final Path ROOT = ShadedJarIT.ROOT;
  static final int NOBODY = 65534;
  /** A Plumbline class the JVM took from a class-data archive (the JDK's own archive holds none). */
  static final Pattern FROM_ARCHIVE = Pattern.compile("(?m)^.*\\bdev\\.plumbline\\.\\S+ source: shared objects file");

  @TempDir Path dir;

  @Test
  void asRootTheArchiveIsMappedOnlyFromAFolderOnlyRootCanChange() throws Exception {
    assertRoot("sudo does");
    Path lib = rootOwnedCopyWithClassList();
    Path home = Files.createDirectories(dir.resolve("home"));
    setOwner(home, NOBODY);

    // the first run (all root's) starts the archive's dump; wait for it
    run("first");
    Path archive = null;
    for (int i = 0; i < 600 && archive == null; i++) {
      archive = archiveIn(lib);
      if (archive == null) {
        Thread.sleep(500);
      }
    }
    assertTrue(archive != null, "the launcher made no class-data archive in " + lib + " within 5 minutes");

    // control: in a root-only folder, the archive is mapped (so the log below can tell)
    assertTrue(FROM_ARCHIVE.matcher(run("root-only")).find(), "a root-only archive is mapped");

    // the folder of the jar and the archive belongs to another user: not mapped, no new dump
    setOwner(lib, NOBODY);
    assertFalse(FROM_ARCHIVE.matcher(run("lib-owned-by-nobody")).find(), "an archive in a folder another user owns was mapped");
    setOwner(lib, 0);

    // writable by the group or others
    Files.setPosixFilePermissions(lib, PosixFilePermissions.fromString("rwxrwxr-x"));
    assertFalse(FROM_ARCHIVE.matcher(run("lib-group-writable")).find(), "an archive in a group-writable folder was mapped");
    Files.setPosixFilePermissions(lib, PosixFilePermissions.fromString("rwxr-xr-x"));

    // a folder above it is writable by others (it could be renamed away and replaced)
    Files.setPosixFilePermissions(lib.getParent(), PosixFilePermissions.fromString("rwxrwxrwx"));
    assertFalse(FROM_ARCHIVE.matcher(run("parent-world-writable")).find(), "an archive under a world-writable folder was mapped");
    Files.setPosixFilePermissions(lib.getParent(), PosixFilePermissions.fromString("rwxr-xr-x"));

    // an archive planted in the caller's ~/.cache (sudo -E keeps HOME) while the jar's folder is not root-only
    Path cache = Files.createDirectories(home.resolve(".cache/plumbline"));
    Files.copy(archive, cache.resolve(archive.getFileName()));
    setOwner(lib, NOBODY);
    Files.delete(archive);
    assertFalse(FROM_ARCHIVE.matcher(run("planted-in-home-cache")).find(), "an archive in the caller's ~/.cache was mapped");
    setOwner(lib, 0);
    try (Stream<Path> s = Files.list(lib)) {
      assertEquals(List.of(), s.filter(p -> p.getFileName().toString().contains(".jsa")).toList(),
          "as root, no archive is made in a folder another user owns");
    }
  }

  /**
   * A run without --key or --keyless maps an archive of its own classes (plumbline-run.classlist:
   * no verify or signing classes, ~13 MiB less RSS), everything else the whole one; each kind is
   * made on its first use, and making one never removes the other (older archives of the same
   * kind are removed). The JVM's CDS log names the archive it opened.
   */
  @Test
  void anUnsignedRunMapsTheRunArchiveAndEveryOtherCommandTheWholeOne() throws Exception {
    Path lib = rootOwnedCopyWithClassList();
    Files.copy(ROOT.resolve("agent/target/plumbline-run.classlist"), lib.resolve("plumbline-run.classlist"));
    Path home = Files.createDirectories(dir.resolve("home"));
    // the JVM's device and inode, a dash between them (run together, device 6502 and inode 4327901
    // would read as device 65024 and inode 327901)
    String jvm = Files.getAttribute(launchersJava(), "unix:dev") + "-" + Files.getAttribute(launchersJava(), "unix:ino");
    Pattern runArchive = Pattern.compile("plumbline-run-[0-9]+-[0-9]+-" + jvm + "-[0-9]+\\.jsa");
    Pattern wholeArchive = Pattern.compile("plumbline-[0-9]+-[0-9]+-" + jvm + "-[0-9]+\\.jsa");
    // archives of this jar and JVM named as before the dash and as before the jar's path was in the
    // name, not class-data archives at all: never mapped (a new one is made), and removed with the
    // older ones of their kind once that is
    String stamp = Files.size(lib.resolve("plumbline.jar")) + "-" + Files.getLastModifiedTime(lib.resolve("plumbline.jar")).toMillis() / 1000;
    Path stale = Files.writeString(lib.resolve("plumbline-run-" + stamp + "-" + jvm.replace("-", "") + ".jsa"), "stale");
    Path pathless = Files.writeString(lib.resolve("plumbline-run-" + stamp + "-" + jvm + ".jsa"), "stale");

    String firstRun = opened("first-run", List.of("run", "--", "/bin/true"));
    assertFalse(firstRun.equals(stale.getFileName().toString()), "the archive named as before the dash was mapped");
    assertFalse(firstRun.equals(pathless.getFileName().toString()), "the archive named without the jar's path was mapped");
    Path run = waitForArchive(lib, runArchive);
    assertFalse(Files.exists(stale), "the archive named as before the dash is removed once the new one is made");
    assertFalse(Files.exists(pathless), "the archive named without the jar's path is removed once the new one is made");
    opened("first-version", List.of("--version"));
    Path whole = waitForArchive(lib, wholeArchive);
    assertTrue(Files.exists(run), "making the whole archive removed the run archive");

    assertEquals(run.getFileName().toString(), opened("unsigned-run", List.of("run", "--", "/bin/true")));
    assertEquals(run.getFileName().toString(), opened("unsigned-run-key-after-dashes", List.of("run", "--", "/bin/echo", "--key")));
    assertEquals(whole.getFileName().toString(), opened("version", List.of("--version")));
    Processes.Result keygen = Processes.run(List.of(dir.resolve("agent/bin/plumbline").toString(), "keygen", "--prefix=" + home.resolve("k")),
        dir, Duration.ofMinutes(2), env -> env.put("PLUMBLINE_KEY_PASSWORD", ""));
    assertEquals(0, keygen.exit(), () -> Processes.tail(keygen.output()));
    assertEquals(whole.getFileName().toString(), opened("signed-run", List.of("run", "--key", home.resolve("k.key").toString(),
        "--bundle", home.resolve("b.json").toString(), "--", "/bin/true")));
    assertEquals(whole.getFileName().toString(), opened("signed-run-key=", List.of("run", "--key=" + home.resolve("k.key"),
        "--bundle", home.resolve("b2.json").toString(), "--", "/bin/true")));
  }

  /**
   * An install folder moved ({@code mv}) or copied with its times ({@code cp -a}) keeps its jar's
   * size and mtime and the JVM, but the JVM maps an archive only for the jar path it was made
   * with (it records the class path; -Xshare:auto then goes on silently without it): the jar's
   * path is in the archive's name, so the moved and the copied install each make one of their own
   * and map it, and the original's stays its own.
   */
  @Test
  void aMovedOrCopiedInstallMakesAndMapsAnArchiveOfItsOwn() throws Exception {
    assertRoot("sudo does");
    Path lib = rootOwnedCopyWithClassList();
    Path logs = Files.createDirectories(dir.resolve("home"));
    Pattern whole = Pattern.compile("plumbline-[0-9][0-9-]*\\.jsa");

    Path agent = dir.resolve("agent");
    logged(List.of(), agent, "first", logs);
    Path made = waitForArchive(lib, whole);
    String log = logged(List.of(), agent, "before-the-move", logs);
    assertTrue(FROM_ARCHIVE.matcher(log).find(), "control: the archive is mapped where it was made");

    // mv: a rename, the same inodes and times
    Path moved = Files.move(agent, dir.resolve("moved"));
    String original = made.getFileName().toString();
    Path own = ownArchiveAfter(moved, "moved", logs, List.of(), Set.of(original));
    log = logged(List.of(), moved, "moved", logs);
    assertTrue(FROM_ARCHIVE.matcher(log).find(), "the moved install maps no archive: " + opened(log));
    assertEquals(own.getFileName().toString(), opened(log));

    // cp -a: a second install, the same jar's size and mtime and the same JVM
    Path copy = dir.resolve("copy");
    Processes.Result cp = Processes.run(List.of("cp", "-a", moved.toString(), copy.toString()), dir, Duration.ofMinutes(2));
    assertEquals(0, cp.exit(), cp.output());
    Set<String> copied;
    try (Stream<Path> s = Files.list(copy.resolve("lib"))) {
      copied = s.map(p -> p.getFileName().toString()).collect(Collectors.toSet());
    }
    Path copyOwn = ownArchiveAfter(copy, "copied", logs, List.of(), copied);
    log = logged(List.of(), copy, "copied", logs);
    assertTrue(FROM_ARCHIVE.matcher(log).find(), "the copied install maps no archive: " + opened(log));
    assertEquals(copyOwn.getFileName().toString(), opened(log));
    log = logged(List.of(), moved, "moved-after-the-copy", logs);
    assertTrue(FROM_ARCHIVE.matcher(log).find(), "the moved install no longer maps its archive after the copy made its own");
    assertEquals(own.getFileName().toString(), opened(log));
  }

  /**
   * Two copies of one release in folders the user cannot write (root's) share
   * ~/.cache/plumbline: the same jar size and mtime and JVM, different jar paths. Each makes and
   * maps an archive of its own there; an update of one jar removes that path's older archive and
   * not the other copy's.
   */
  @Test
  void twoCopiesOfOneReleaseEachMapAnArchiveOfTheirOwnFromTheUsersCache() throws Exception {
    assertRoot("another user");
    Path lib = rootOwnedCopyWithClassList();
    Path first = dir.resolve("agent");
    Path second = dir.resolve("second");
    Processes.Result cp = Processes.run(List.of("cp", "-a", first.toString(), second.toString()), dir, Duration.ofMinutes(2));
    assertEquals(0, cp.exit(), cp.output());
    Path home = Files.createDirectories(dir.resolve("home"));
    setOwner(home, NOBODY);
    Path logs = Files.createDirectories(home.resolve("logs"));
    setOwner(logs, NOBODY);
    Path cache = home.resolve(".cache/plumbline");
    List<String> asNobody = List.of("setpriv", "--reuid=" + NOBODY, "--regid=" + NOBODY, "--clear-groups");
    Pattern whole = Pattern.compile("plumbline-[0-9]+-[0-9]+-[0-9]+-[0-9]+-[0-9]+\\.jsa");

    Path a = ownArchiveAfter(first, "first-copy", logs, asNobody, Set.of());
    assertEquals(cache, a.getParent(), "the archive of a jar in a folder the user cannot write is in the user's cache");
    Path b = ownArchiveAfter(second, "second-copy", logs, asNobody, Set.of(a.getFileName().toString()));
    for (Path[] install : new Path[][] {{first, a}, {second, b}}) {
      String log = logged(asNobody, install[0], install[0].getFileName() + "-maps", logs);
      assertTrue(FROM_ARCHIVE.matcher(log).find(), install[0] + " maps no archive: " + opened(log));
      assertEquals(install[1].getFileName().toString(), opened(log));
    }

    // the first copy's jar updated in place (a new mtime): a new archive for its path, the older one
    // of that path removed, the second copy's kept
    Path jar = lib.resolve("plumbline.jar");
    Files.setLastModifiedTime(jar, java.nio.file.attribute.FileTime.fromMillis(Files.getLastModifiedTime(jar).toMillis() + 60_000));
    Set<String> before;
    try (Stream<Path> s = Files.list(cache)) {
      before = s.map(p -> p.getFileName().toString()).collect(Collectors.toSet());
    }
    Path updated = ownArchiveAfter(first, "first-updated", logs, asNobody, before);
    assertTrue(whole.matcher(updated.getFileName().toString()).matches(), updated.toString());
    assertFalse(Files.exists(a), "the older archive of the updated jar's path was kept");
    assertTrue(Files.exists(b), "the update of one copy removed the other copy's archive");
    String log = logged(asNobody, second, "second-after-the-update", logs);
    assertEquals(b.getFileName().toString(), opened(log));
    assertTrue(FROM_ARCHIVE.matcher(log).find(), "the second copy maps no archive after the first one's update");
  }

  /**
   * Runs INSTALL's launcher, which is to find no archive of its own and start making one (the
   * folder or cache holds only the names in {@code others}, or ones it makes); waits for that
   * archive. With an archive name that ignored what changed, no dump would start and this fails at
   * once.
   */
  private Path ownArchiveAfter(Path install, String label, Path logs, List<String> prefix, Set<String> others) throws Exception {
    logged(prefix, install, label + "-first", logs);
    Path where = prefix.isEmpty() ? install.resolve("lib") : dir.resolve("home/.cache/plumbline"); // root's: beside the jar
    try (Stream<Path> s = Files.list(where)) {
      List<String> started = s.map(p -> p.getFileName().toString())
          .filter(n -> n.startsWith("plumbline-") && n.contains(".jsa") && !others.contains(n)).toList();
      assertFalse(started.isEmpty(), label + ": the launcher made no archive of its own and started none (it took one of "
          + others + ", which the JVM does not map for this jar path)");
    }
    return waitForArchive(where, n -> n.startsWith("plumbline-") && n.endsWith(".jsa") && !others.contains(n), "but " + others);
  }

  /**
   * {@code INSTALL/bin/plumbline --version} (through PREFIX, e.g. setpriv), the launcher choosing
   * by itself; the JVM's class loading and CDS log.
   */
  private String logged(List<String> prefix, Path install, String label, Path logs) throws Exception {
    Path log = logs.resolve("logged-" + label + ".log");
    List<String> command = new ArrayList<>(prefix);
    command.add(install.resolve("bin/plumbline").toString());
    command.add("--version");
    Processes.Result r = Processes.run(command, dir, Duration.ofMinutes(2),
        env -> launcherOnly(env, "-Xlog:class+load=info,cds=info:file=" + log));
    assertEquals(0, r.exit(), () -> label + ": " + Processes.tail(r.output()));
    assertTrue(r.output().startsWith("plumbline "), () -> label + ": " + Processes.tail(r.output()));
    return Files.readString(log);
  }

  /** The name of the archive a JVM log says was opened, or "" for none. */
  private static String opened(String log) {
    Matcher m = Pattern.compile("(?m)Opened archive (\\S+\\.jsa)\\.?$").matcher(log);
    return m.find() ? Path.of(m.group(1)).getFileName().toString() : "";
  }

  /** The java the launcher runs when nothing names one: $JAVA_HOME's, else the first on PATH. */
  private static Path launchersJava() {
    String home = System.getenv("JAVA_HOME");
    if (home != null && !home.isEmpty()) {
      return Path.of(home, "bin", "java");
    }
    for (String d : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":")) {
      if (!d.isEmpty() && Files.isExecutable(Path.of(d, "java"))) {
        return Path.of(d, "java");
      }
    }
    throw new AssertionError("needs java on PATH or JAVA_HOME (the launcher runs it)");
  }

  /** The name of the archive the JVM opened for {@code plumbline ARGS} (the copy's launcher), or "" for none. */
  private String opened(String label, List<String> args) throws Exception {
    Path log = dir.resolve("cds-" + label + ".log");
    List<String> command = new ArrayList<>(List.of(dir.resolve("agent/bin/plumbline").toString()));
    command.addAll(args);
    Processes.Result r = Processes.run(command, dir, Duration.ofMinutes(2), env -> launcherOnly(env, "-Xlog:cds=info:file=" + log));
    assertEquals(0, r.exit(), () -> label + ": " + Processes.tail(r.output()));
    Matcher m = Pattern.compile("(?m)Opened archive (\\S+\\.jsa)\\.?$").matcher(Files.readString(log));
    return m.find() ? Path.of(m.group(1)).getFileName().toString() : "";
  }

  private static Path waitForArchive(Path lib, Pattern name) throws Exception {
    return waitForArchive(lib, n -> name.matcher(n).matches(), "named " + name);
  }

  private static Path waitForArchive(Path lib, Predicate<String> name, String what) throws Exception {
    for (int i = 0; i < 600; i++) {
      try (Stream<Path> s = Files.list(lib)) {
        Optional<Path> found = s.filter(p -> name.test(p.getFileName().toString())).findFirst();
        if (found.isPresent()) {
          return found.get();
        }
      }
      Thread.sleep(500);
    }
    throw new AssertionError("the launcher made no archive " + what + " in " + lib + " within 5 minutes");
  }

  /**
   * JNA unpacks its native library into {@code $XDG_CACHE_HOME/JNA/temp} and loads it: under
   * {@code sudo -E} a folder the caller may own, where it could swap the library for its own code
   * between the write and the load. As root the launcher points JNA at a folder of root's.
   */
  @Test
  void asRootJnaNeverUnpacksItsLibraryIntoTheCallersCache() throws Exception {
    assertRoot("sudo does");
    Path cache = Files.createDirectories(dir.resolve("caller-cache"));
    setOwner(cache, NOBODY);
    java.util.function.Consumer<java.util.Map<String, String>> callersEnv = env -> {
      env.remove("PLUMBLINE_JAVA_OPTS");
      env.put("XDG_CACHE_HOME", cache.toString());
    };
    Processes.Result r = Processes.run(List.of(ROOT.resolve("scripts/plumbline").toString(), "run", "--", "/bin/true"),
        dir, Duration.ofMinutes(2), callersEnv.andThen(env -> env.put("PLUMBLINE_JAVA_OPTS", "-XshowSettings:properties")));
    assertEquals(0, r.exit(), () -> Processes.tail(r.output()));
    assertFalse(Files.exists(cache.resolve("JNA")), "the launcher let JNA unpack into the caller's XDG_CACHE_HOME");
    java.util.regex.Matcher tmpdir = Pattern.compile("(?m)^\\s*jna\\.tmpdir = (\\S+)$").matcher(r.output());
    assertTrue(tmpdir.find(), () -> "the launcher set no jna.tmpdir: " + Processes.tail(r.output()));
    assertTrue(tmpdir.group(1).matches("/run/plumbline-jna|/var/cache/plumbline-jna|/tmp/plumbline-jna-root(\\.\\d+)?"),
        "JNA's folder is not one of root's own: " + tmpdir.group(1));

    // control: the same agent without the launcher's setting unpacks there (so the check above can fail)
    Processes.Result direct = Processes.run(List.of("java", "-jar", ROOT.resolve("agent/target/plumbline.jar").toString(),
        "run", "--", "/bin/true"), dir, Duration.ofMinutes(2), callersEnv);
    assertEquals(0, direct.exit(), () -> Processes.tail(direct.output()));
    assertTrue(Files.isDirectory(cache.resolve("JNA")), "without -Djna.tmpdir JNA did not use XDG_CACHE_HOME: the test proves nothing");
  }

  /**
   * scripts/dist puts JNA's native library beside the jar ({@code lib/jna/ARCH/libjnidispatch.so})
   * and the launcher points JNA at it instead of letting it unpack its own copy. That file is code
   * loaded into the agent: as root, one another user could have written (its folder, a folder
   * above it, or the file itself theirs or writable by others) is never loaded. The planted
   * library runs its constructor when loaded (it leaves a marker file); the control loads it from
   * a folder only root can change.
   */
  @Test
  void asRootJnaLoadsTheLibraryBesideTheJarOnlyFromAFolderOnlyRootCanChange() throws Exception {
    assertRoot("sudo does");
    String arch = switch (System.getProperty("os.arch")) {
      case "amd64", "x86_64" -> "linux-x86-64";
      case "aarch64" -> "linux-aarch64";
      default -> throw new AssertionError("no JNA library of the jar for " + System.getProperty("os.arch"));
    };
    Path lib = rootOwnedCopy();
    assertTrue(Files.isRegularFile(ROOT.resolve("agent/target/jna/" + arch + "/libjnidispatch.so")),
        "scripts/dist put no JNA library beside the jar (agent/target/jna/" + arch + ")");
    Path jna = Files.createDirectories(lib.resolve("jna"));
    Path archDir = Files.createDirectories(jna.resolve(arch));
    Path planted = archDir.resolve("libjnidispatch.so");
    Path marker = dir.resolve("planted-library-ran");
    Path source = dir.resolve("planted.c");
    Files.writeString(source, "#include <fcntl.h>\n#include <unistd.h>\n"
        + "__attribute__((constructor)) static void planted(void) { close(open(MARKER, O_CREAT | O_WRONLY, 0644)); }\n");
    Processes.Result gcc = Processes.run(List.of("gcc", "-shared", "-fPIC", "-DMARKER=\"" + marker + "\"", "-o", planted.toString(),
        source.toString()), dir, Duration.ofMinutes(1));
    assertEquals(0, gcc.exit(), () -> "LauncherCdsIT needs gcc to build the planted library: " + Processes.tail(gcc.output()));
    Files.setPosixFilePermissions(planted, PosixFilePermissions.fromString("rw-r--r--"));

    // control: root's file in root's folders is what JNA loads (its constructor ran)
    runJna(); // (JNA then fails: the planted library has none of its functions)
    assertTrue(Files.exists(marker), "the launcher did not give JNA the library beside the jar: the checks below prove nothing");
    Files.delete(marker);

    // the library's folder belongs to another user
    setOwner(archDir, NOBODY);
    assertNotLoaded("arch-folder-owned-by-nobody", marker);
    setOwner(archDir, 0);

    // the file belongs to another user, or is writable by the group
    setOwner(planted, NOBODY);
    assertNotLoaded("file-owned-by-nobody", marker);
    setOwner(planted, 0);
    Files.setPosixFilePermissions(planted, PosixFilePermissions.fromString("rw-rw-r--"));
    assertNotLoaded("file-group-writable", marker);
    Files.setPosixFilePermissions(planted, PosixFilePermissions.fromString("rw-r--r--"));

    // a folder above it is writable by others (jna/ could be renamed away and replaced)
    Files.setPosixFilePermissions(lib, PosixFilePermissions.fromString("rwxrwxrwx"));
    assertNotLoaded("lib-world-writable", marker);
    Files.setPosixFilePermissions(lib, PosixFilePermissions.fromString("rwxr-xr-x"));

    // the library is a link (to root's own file): its target is not what was checked
    Path real = Files.move(planted, jna.resolve("elsewhere.so"));
    Files.createSymbolicLink(planted, real);
    assertNotLoaded("file-is-a-link", marker);
  }

  private void assertNotLoaded(String label, Path marker) throws Exception {
    Processes.Result r = runJna();
    assertFalse(Files.exists(marker), label + ": as root, JNA loaded a library another user could have planted");
    assertEquals(0, r.exit(), () -> label + ": JNA did not fall back to its own copy: " + Processes.tail(r.output()));
  }

  /** {@code plumbline run -- /bin/true} as root with the copied launcher, no class-data archive. */
  private Processes.Result runJna() throws Exception {
    Files.createDirectories(dir.resolve("home"));
    return Processes.run(List.of(dir.resolve("agent/bin/plumbline").toString(), "run", "--", "/bin/true"), dir, Duration.ofMinutes(2),
        env -> {
          env.put("PLUMBLINE_CDS", "0");
          env.remove("PLUMBLINE_JAR");
          env.remove("PLUMBLINE_JAVA");
          env.remove("PLUMBLINE_JAVA_OPTS");
          env.put("HOME", dir.resolve("home").toString());
        });
  }

  /**
   * The launcher choosing by itself (no archive switch, jar or java of the caller's, its cache in
   * this test's home), with {@code javaOptions} for the JVM's log.
   */
  private void launcherOnly(Map<String, String> env, String javaOptions) {
    env.remove("PLUMBLINE_CDS");
    env.remove("PLUMBLINE_JAR");
    env.remove("PLUMBLINE_JAVA");
    env.remove("XDG_CACHE_HOME");
    env.put("HOME", dir.resolve("home").toString());
    env.put("PLUMBLINE_JAVA_OPTS", javaOptions);
  }

  /** {@code plumbline --version} as root, HOME the other user's; the JVM's class loading log. */
  private String run(String label) throws Exception {
    Path log = dir.resolve("class-load-" + label + ".log");
    Processes.Result r = Processes.run(List.of(dir.resolve("agent/bin/plumbline").toString(), "--version"), dir, Duration.ofMinutes(2),
        env -> launcherOnly(env, "-Xlog:class+load=info:file=" + log));
    assertEquals(0, r.exit(), () -> label + ": " + Processes.tail(r.output()));
    assertTrue(r.output().startsWith("plumbline "), () -> label + ": " + Processes.tail(r.output()));
    return Files.readString(log);
  }

  private void assertRoot(String why) throws Exception {
    Processes.Result uid = Processes.run(List.of("id", "-u"), dir, Duration.ofSeconds(30));
    assertEquals("0", uid.output().strip(), "LauncherCdsIT needs root: it runs the launcher as " + why);
  }

  /** {@link #rootOwnedCopy()} with the whole archive's class list beside the jar. */
  private Path rootOwnedCopyWithClassList() throws Exception {
    Path lib = rootOwnedCopy();
    Files.copy(ROOT.resolve("agent/target/plumbline.classlist"), lib.resolve("plumbline.classlist"));
    return lib;
  }

  /** The launcher and the jar as a tarball lays them out, in DIR/agent/{bin,lib} (root's, 0755): the lib folder. */
  private Path rootOwnedCopy() throws Exception {
    Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
    Path agent = Files.createDirectories(dir.resolve("agent"));
    Path bin = Files.createDirectories(agent.resolve("bin"));
    Path lib = Files.createDirectories(agent.resolve("lib"));
    Files.copy(ROOT.resolve("scripts/plumbline"), bin.resolve("plumbline"), StandardCopyOption.COPY_ATTRIBUTES);
    Files.copy(ROOT.resolve("agent/target/plumbline.jar"), lib.resolve("plumbline.jar"));
    return lib;
  }

  private static Path archiveIn(Path lib) throws Exception {
    try (Stream<Path> s = Files.list(lib)) {
      return s.filter(p -> p.getFileName().toString().endsWith(".jsa")).findFirst().orElse(null);
    }
  }

  private static void setOwner(Path p, int uid) throws Exception {
    Files.setAttribute(p, "unix:uid", uid, LinkOption.NOFOLLOW_LINKS);
  }
}
