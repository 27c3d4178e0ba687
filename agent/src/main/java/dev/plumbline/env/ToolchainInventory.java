package dev.plumbline.env;

import dev.plumbline.env.Environment.Toolchain;
import dev.plumbline.linux.Linux;
import dev.plumbline.linux.PinnedFile;
import dev.plumbline.linux.Sha256Files;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The toolchains a build had, in two phases. {@link #probe} runs <em>before</em> the build: it
 * finds the well-known toolchains on PATH, asks each for its version and pins its file, which is
 * hashed while the build runs. {@link #merge} runs after and only reads the record: nothing is
 * executed once the build has run, since the build could have planted a binary on PATH that would
 * then run outside the trace and the egress policy.
 */
public final class ToolchainInventory {
  /** Well-known toolchain names and the argument that makes each print its version. */
  public static final Map<String, String> WELL_KNOWN = wellKnown();

  private static Map<String, String> wellKnown() {
    Map<String, String> m = new LinkedHashMap<>();
    m.put("java", "-version");
    m.put("javac", "-version");
    m.put("mvn", "--version");
    m.put("gcc", "--version");
    m.put("cc", "--version");
    m.put("g++", "--version");
    m.put("clang", "--version");
    m.put("make", "--version");
    m.put("cmake", "--version");
    m.put("node", "--version");
    m.put("npm", "--version");
    m.put("python3", "--version");
    m.put("go", "version");
    m.put("rustc", "--version");
    m.put("cargo", "--version");
    m.put("git", "--version");
    return Map.copyOf(m);
  }

  private final Map<String, String> env;
  private final CommandRunner runner;
  private final Duration timeout;

  public ToolchainInventory(Map<String, String> env, CommandRunner runner, Duration timeout) {
    this.env = env;
    this.runner = runner;
    this.timeout = timeout;
  }

  /** How long {@link #onPath()} waits for the digests (no build runs meanwhile: only the reading). */
  private static final Duration HASH_WAIT = Duration.ofSeconds(60);

  /** Both phases at once, for callers with no build in between: {@link #probe()} then its digests. */
  public List<Toolchain> onPath() {
    try (Probed probed = probe()) {
      return probed.complete(HASH_WAIT);
    }
  }

  /**
   * Before the build: each well-known toolchain PATH finds, under the path PATH found it at, with
   * its real path and version line. The version is asked through the PATH name, since
   * multiplexers (rustup, pyenv shims, busybox) answer by the name they are called with; every
   * probe has ended when this returns. Each file is pinned now ({@link PinnedFile}) and hashed on
   * a low-priority thread while the build runs: hashing reads, it runs nothing. {@link
   * Probed#complete} waits for the digests and says which file changed in the meantime.
   */
  public Probed probe() {
    return probe(Digests::onLowPriorityThread);
  }

  /** As {@link #probe()}, the hashing handed to {@code hashing} (tests decide when it runs). */
  Probed probe(java.util.function.Consumer<Runnable> hashing) {
    TreeMap<String, String> found = new TreeMap<>();
    for (String name : WELL_KNOWN.keySet()) {
      onPath(name).ifPresent(p -> found.put(p.toString(), name));
    }
    // pinned before any probe runs, hashed beside the probes and the build
    Digests digests = new Digests();
    Map<String, String> realPaths = new LinkedHashMap<>();
    for (String path : found.keySet()) {
      try {
        String real = Path.of(path).toRealPath().toString();
        realPaths.put(path, real);
        digests.pin(real);
      } catch (IOException e) {
        // a dangling link: listed as found, without real path or digest
      }
    }
    hashing.accept(digests::hashAll);
    // all at once: the slowest sets the time, not the sum
    ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, found.size()), r -> {
      Thread t = new Thread(r, "plumbline-toolchain");
      t.setDaemon(true);
      return t;
    });
    try {
      List<Future<Found>> futures = new ArrayList<>();
      for (Map.Entry<String, String> e : found.entrySet()) {
        futures.add(pool.submit(() -> describe(e.getValue(), Path.of(e.getKey()), realPaths.get(e.getKey()))));
      }
      List<Found> out = new ArrayList<>();
      for (Future<Found> f : futures) {
        out.add(f.get());
      }
      return new Probed(List.copyOf(out), digests);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      digests.close();
      return new Probed(List.of(), digests);
    } catch (ExecutionException e) {
      digests.close();
      throw new IllegalStateException("toolchain inventory failed", e.getCause());
    } finally {
      pool.shutdownNow();
    }
  }

  /** A toolchain as found before the build, its digest still to come from {@code realFile}. */
  private record Found(String name, String path, String realFile, String version, String note) {}

  private Found describe(String name, Path at, String real) {
    String version = versionFromFiles(name, at)
        .or(() -> runner.run(List.of(at.toString(), WELL_KNOWN.get(name)), null, timeout).flatMap(ToolchainInventory::firstLine))
        .orElse(null);
    String note = version != null ? null
        : "version unknown: '" + WELL_KNOWN.get(name) + "' failed or ran longer than " + seconds(timeout);
    return new Found(name, at.toString(), real, version, note);
  }

  /**
   * The toolchains found before the build, their files pinned and being hashed. Close it (or
   * {@link #complete}) to release the descriptors.
   */
  public static final class Probed implements AutoCloseable {
    private final List<Found> found;
    private final Digests digests;

    private Probed(List<Found> found, Digests digests) {
      this.found = found;
      this.digests = digests;
    }

    /**
     * The toolchains with their digests, waiting up to {@code wait} for the hashing. A file that
     * changed between the moment it was pinned (before the build) and the end of its hashing has
     * no digest, and its note says so: the bytes read may not be the ones it had before the build.
     */
    public List<Toolchain> complete(Duration wait) {
      Map<String, Digests.Outcome> outcomes = digests.await(wait);
      List<Toolchain> out = new ArrayList<>();
      for (Found f : found) {
        Digests.Outcome o = f.realFile() == null ? new Digests.Outcome(null, "not hashed: the link leads nowhere")
            : outcomes.get(f.realFile());
        String realPath = f.realFile() == null || f.realFile().equals(f.path()) ? null : f.realFile();
        String note = f.note() == null ? o.note() : o.note() == null ? f.note() : o.note() + "; " + f.note();
        out.add(new Toolchain(f.name(), f.path(), realPath, o.sha256(), f.version(), false, true, note));
      }
      return List.copyOf(out);
    }

    @Override
    public void close() {
      digests.close();
    }
  }

  /**
   * The toolchain files, each pinned once (rustup stands behind both rustc and cargo) and hashed
   * one after the other on a daemon thread at nice 19, so a build that wants both CPUs gets them.
   */
  private static final class Digests implements AutoCloseable {
    record Outcome(String sha256, String note) {}

    private final Map<String, PinnedFile> pinned = new LinkedHashMap<>();
    private final Map<String, Outcome> failed = new LinkedHashMap<>();
    private final CompletableFuture<Map<String, Outcome>> done = new CompletableFuture<>();
    private Thread worker; // guarded by this, with started and closed
    private boolean started;
    private boolean closed;

    void pin(String real) {
      if (pinned.containsKey(real) || failed.containsKey(real)) {
        return;
      }
      try {
        pinned.put(real, PinnedFile.pin(Path.of(real)));
      } catch (PinnedFile.PinException e) {
        failed.put(real, new Outcome(null, "not hashed: cannot open it (" + e.getMessage() + ")"));
      }
    }

    static void onLowPriorityThread(Runnable hashing) {
      Thread t = new Thread(() -> {
        try {
          Linux.requireLibc();
          Linux.lowerThisThreadPriority();
        } catch (dev.plumbline.linux.NativeUnavailableException | LinkageError e) {
          // hashed at the normal priority
        }
        hashing.run();
      }, "plumbline-toolchain-hash");
      t.setDaemon(true);
      t.start();
    }

    void hashAll() {
      synchronized (this) {
        if (closed) {
          return;
        }
        started = true;
        worker = Thread.currentThread();
      }
      Map<String, Outcome> out = new ConcurrentHashMap<>(failed);
      for (Map.Entry<String, PinnedFile> e : pinned.entrySet()) {
        if (Thread.currentThread().isInterrupted()) {
          break;
        }
        out.put(e.getKey(), hash(e.getValue()));
      }
      synchronized (this) {
        worker = null;
        done.complete(out);
      }
    }

    private static Outcome hash(PinnedFile file) {
      try (FileChannel channel = FileChannel.open(file.via(), StandardOpenOption.READ)) {
        String hex = Sha256Files.hex(channel);
        if (!file.unchanged()) {
          return new Outcome(null, "changed during the build (size, mtime or ctime differ; unlinking a file changes its ctime too): no digest");
        }
        return new Outcome(hex, null);
      } catch (IOException | RuntimeException e) {
        return new Outcome(null, "not hashed: " + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()));
      }
    }

    /** Every pinned file's outcome; one not hashed within {@code wait} says so. */
    Map<String, Outcome> await(Duration wait) {
      Map<String, Outcome> out;
      try {
        out = done.get(wait.toMillis(), TimeUnit.MILLISECONDS);
      } catch (TimeoutException | ExecutionException e) {
        out = Map.of();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        out = Map.of();
      }
      Map<String, Outcome> all = new LinkedHashMap<>(out);
      for (String real : pinned.keySet()) {
        all.putIfAbsent(real, new Outcome(null, "not hashed within " + seconds(wait)));
      }
      close();
      return all;
    }

    /** Stops the hashing (a file not hashed yet stays so) and closes the descriptors once it is done with them. */
    @Override
    public void close() {
      synchronized (this) {
        closed = true;
        if (!started) {
          done.complete(Map.copyOf(failed));
        } else if (worker != null) {
          worker.interrupt();
        }
      }
      done.whenComplete((r, t) -> pinned.values().forEach(PinnedFile::close));
    }
  }

  /**
   * The version of a toolchain whose version option starts a JVM or a script runtime (a second or
   * more each: java, javac, mvn, npm were most of the pause before a signed build), read from the
   * files it would have read: the JDK's {@code release} file, Maven's {@code maven-core} jar, npm's
   * {@code package.json}, found from the real path of the binary, and a pyenv shim's version
   * ({@link #pyenvShimVersion}). Empty when the layout is not the expected one (a wrapper, another
   * shim): then the tool is asked.
   */
  static Optional<String> versionFromFiles(String name, Path at) {
    try {
      Path real = at.toRealPath();
      Path home = real.getParent() == null ? null : real.getParent().getParent();
      if (home == null) {
        return Optional.empty();
      }
      switch (name) {
        case "java", "javac" -> {
          if (!real.getParent().getFileName().toString().equals("bin")) {
            return Optional.empty();
          }
          Map<String, String> release = keyValues(home.resolve("release"));
          String v = release.getOrDefault("JAVA_RUNTIME_VERSION", release.get("JAVA_VERSION"));
          return v == null || v.isBlank() ? Optional.empty()
              : Optional.of(name + " " + v + (release.containsKey("IMPLEMENTOR") ? " (" + release.get("IMPLEMENTOR") + ")" : ""));
        }
        case "mvn" -> {
          try (java.util.stream.Stream<Path> jars = Files.list(home.resolve("lib"))) {
            for (Path jar : jars.filter(j -> j.getFileName().toString().startsWith("maven-core")).toList()) {
              try (java.util.zip.ZipFile zip = new java.util.zip.ZipFile(jar.toFile())) {
                java.util.zip.ZipEntry e = zip.getEntry("META-INF/maven/org.apache.maven/maven-core/pom.properties");
                if (e != null) {
                  java.util.Properties p = new java.util.Properties();
                  try (InputStream in = zip.getInputStream(e)) {
                    p.load(in);
                  }
                  String v = p.getProperty("version");
                  if (v != null && !v.isBlank()) {
                    return Optional.of("Apache Maven " + v.strip());
                  }
                }
              }
            }
          }
          return Optional.empty();
        }
        case "npm" -> {
          Path pkg = home.resolve("package.json");
          if (!real.getFileName().toString().equals("npm-cli.js") || !Files.isRegularFile(pkg)) {
            return Optional.empty();
          }
          // the streaming parser, not an ObjectMapper: databind's classes took 0.1 to 0.9 s to load,
          // before the build, in a run that otherwise loads them only after it
          String packageName = null;
          String v = null;
          try (com.fasterxml.jackson.core.JsonParser json = new com.fasterxml.jackson.core.JsonFactory().createParser(pkg.toFile())) {
            if (json.nextToken() != com.fasterxml.jackson.core.JsonToken.START_OBJECT) {
              return Optional.empty();
            }
            while (json.nextToken() == com.fasterxml.jackson.core.JsonToken.FIELD_NAME) {
              String field = json.getCurrentName();
              com.fasterxml.jackson.core.JsonToken value = json.nextToken();
              if (value == com.fasterxml.jackson.core.JsonToken.VALUE_STRING && field.equals("name")) {
                packageName = json.getText();
              } else if (value == com.fasterxml.jackson.core.JsonToken.VALUE_STRING && field.equals("version")) {
                v = json.getText();
              } else {
                json.skipChildren();
              }
            }
          }
          return "npm".equals(packageName) && v != null && !v.isBlank() ? Optional.of(v) : Optional.empty();
        }
        case "python3" -> {
          return pyenvShimVersion(at, Path.of("/"));
        }
        default -> {
          return Optional.empty();
        }
      }
    } catch (IOException | RuntimeException e) {
      return Optional.empty();
    }
  }

  private static final java.util.regex.Pattern PYENV_ROOT_LINE =
      java.util.regex.Pattern.compile("(?m)^export PYENV_ROOT=\"([^\"\\n]+)\"$");
  private static final java.util.regex.Pattern PY_VERSION =
      java.util.regex.Pattern.compile("(?m)^#define PY_VERSION\\s+\"([0-9][0-9A-Za-z.+]*)\"");

  /**
   * A pyenv shim's answer, read from pyenv's files: asking it runs several bash scripts (0.6 s of
   * CPU, 0.3 to 1.5 s), most of the probes' cost. The probe runs in {@code probeDir} ({@code /})
   * without PYENV_VERSION, so pyenv would pick its {@code .python-version}, else {@code PYENV_ROOT/version};
   * that version's {@code include/python3.X/patchlevel.h} holds the {@code PY_VERSION} that
   * {@code python3 --version} prints. Empty for anything else ("system", a virtualenv, a missing
   * file): then the shim is asked.
   */
  static Optional<String> pyenvShimVersion(Path at, Path probeDir) throws IOException {
    Path shims = at.getParent();
    if (shims == null || shims.getFileName() == null || !shims.getFileName().toString().equals("shims")
        || Files.size(at) > 4096) {
      return Optional.empty();
    }
    java.util.regex.Matcher root = PYENV_ROOT_LINE.matcher(Files.readString(at));
    if (!root.find() || !Path.of(root.group(1)).equals(shims.getParent())) {
      return Optional.empty();
    }
    Path local = probeDir.resolve(".python-version");
    Path versionFile = Files.isRegularFile(local) ? local : shims.resolveSibling("version");
    String version = null;
    for (String line : Files.readAllLines(versionFile)) {
      String s = line.strip();
      if (!s.isEmpty() && !s.startsWith("#")) {
        version = s.split("\\s+")[0];
        break;
      }
    }
    if (version == null || version.contains("/") || version.startsWith(".")) {
      return Optional.empty();
    }
    Path prefix = shims.resolveSibling("versions").resolve(version);
    if (!Files.isExecutable(prefix.resolve("bin").resolve(at.getFileName().toString()))) {
      return Optional.empty();
    }
    try (java.util.stream.Stream<Path> includes = Files.list(prefix.resolve("include"))) {
      for (Path dir : includes.filter(d -> d.getFileName().toString().startsWith("python3")).sorted().toList()) {
        Path patchlevel = dir.resolve("patchlevel.h");
        if (Files.isRegularFile(patchlevel)) {
          java.util.regex.Matcher v = PY_VERSION.matcher(Files.readString(patchlevel));
          if (v.find()) {
            return Optional.of("Python " + v.group(1));
          }
        }
      }
    }
    return Optional.empty();
  }

  /** KEY="value" lines (the JDK's release file). */
  private static Map<String, String> keyValues(Path file) throws IOException {
    Map<String, String> out = new TreeMap<>();
    for (String line : Files.readAllLines(file)) {
      int eq = line.indexOf('=');
      if (eq > 0) {
        out.put(line.substring(0, eq).strip(), line.substring(eq + 1).strip().replaceAll("^\"|\"$", ""));
      }
    }
    return out;
  }

  /**
   * After the build, without running anything: the PATH toolchains, each marked executed when the
   * build ran that very binary (same path or real path, same digest), and an entry of its own for
   * every other binary the build executed. A PATH tool whose file changed during the build shows
   * up twice, once with each digest. Sorted by path.
   */
  /** A binary the build executed, as the record has it. */
  public record Executed(String path, String sha256) {}

  public static List<Toolchain> merge(List<Toolchain> pathTools, List<Executed> executed) {
    TreeMap<String, Toolchain> byPath = new TreeMap<>();
    List<Toolchain> tools = new ArrayList<>(pathTools);
    List<Toolchain> extra = new ArrayList<>();
    for (Executed tool : executed == null ? List.<Executed>of() : executed) {
      boolean matched = false;
      for (int i = 0; i < tools.size(); i++) {
        Toolchain t = tools.get(i);
        boolean samePath = tool.path().equals(t.path()) || tool.path().equals(t.realPath());
        if (samePath && tool.sha256() != null && tool.sha256().equals(t.sha256())) {
          tools.set(i, new Toolchain(t.name(), t.path(), t.realPath(), t.sha256(), t.version(), true, t.onPath(), t.note()));
          matched = true;
        }
      }
      if (!matched) {
        extra.add(new Toolchain(baseName(tool.path()), tool.path(), null, tool.sha256(), null, true, false));
      }
    }
    for (Toolchain t : tools) {
      byPath.put(t.path(), t);
    }
    List<Toolchain> out = new ArrayList<>(byPath.values());
    for (Toolchain t : extra) {
      // same path as a PATH tool but another digest: keep both, the changed one after
      out.add(t);
    }
    out.sort(java.util.Comparator.comparing(Toolchain::path).thenComparing(t -> t.onPath() ? 0 : 1));
    return List.copyOf(out);
  }

  static Optional<String> firstLine(String output) {
    for (String line : output.split("\n")) {
      String s = line.strip();
      if (!s.isEmpty()) {
        return Optional.of(s.length() > 200 ? s.substring(0, 200) : s);
      }
    }
    return Optional.empty();
  }

  /** The first executable called {@code name} in the PATH given, as an absolute path. */
  Optional<Path> onPath(String name) {
    String path = env.getOrDefault("PATH", "");
    for (String dir : path.split(":")) {
      if (dir.isEmpty() || !dir.startsWith("/")) {
        // relative PATH entries (".", "bin") depend on the directory and are what a planted binary hides behind
        continue;
      }
      Path candidate = Path.of(dir, name);
      if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
        return Optional.of(candidate.normalize());
      }
    }
    return Optional.empty();
  }

  private static String seconds(Duration d) {
    return String.format(java.util.Locale.ROOT, "%.1f s", d.toMillis() / 1000.0);
  }

  private static String baseName(String path) {
    int slash = path.lastIndexOf('/');
    return slash < 0 ? path : path.substring(slash + 1);
  }
}
