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
   * a low-priority thread while the build runs, what is left at normal priority once it has ended
   * ({@link Probed#buildEnded}): hashing reads, it runs nothing. {@link Probed#complete} waits for
   * the digests and says which file changed in the meantime.
   */
  public Probed probe() {
    return probe(Digests::onLowPriorityThread);
  }

  /** As {@link #probe()}, the hashing handed to {@code hashing} (tests decide when it runs). */
  Probed probe(java.util.function.Consumer<Runnable> hashing) {
    return probe(hashing, Digests::onNewThread);
  }

  /**
   * As {@link #probe()}, the hashing handed to {@code hashing} while the build runs and to {@code
   * hurried} once it has ended (tests decide when each runs).
   */
  Probed probe(java.util.function.Consumer<Runnable> hashing, java.util.function.Consumer<Runnable> hurried) {
    TreeMap<String, String> found = new TreeMap<>();
    for (String name : WELL_KNOWN.keySet()) {
      onPath(name).ifPresent(p -> found.put(p.toString(), name));
    }
    // pinned before any probe runs, hashed beside the probes and the build
    Digests digests = new Digests(hurried);
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
    digests.pinned();
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
     * The build has ended: the files not hashed yet are hashed at normal priority from now on, on
     * threads started by the caller ({@link #complete} does it too, later).
     */
    public void buildEnded() {
      digests.hurry();
    }

    /** For tests: whether the low-priority thread is hashing a file now. */
    boolean lowPriorityBusy() {
      return digests.lowHoldsAJob();
    }

    /** For tests: how many files the low-priority thread had begun and left to another thread. */
    int handedOverMidway() {
      return digests.handedOver();
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
   * one after the other on a daemon thread at nice 19 while the build runs, so a build that wants
   * both CPUs gets them. Once the build has ended ({@link #hurry}) nothing competes with it any
   * more, and a file still being hashed at nice 19 would keep the attestation waiting behind the
   * agent's other threads: what is left, the file in progress included, goes to threads at normal
   * priority (a thread that raised its nice value cannot lower it again without privilege, so the
   * work moves, not the priority). It moves between two reads of one buffer ({@link
   * Sha256Files.Stepwise}), one thread at a time.
   */
  private static final class Digests implements AutoCloseable {
    record Outcome(String sha256, String note) {}

    /**
     * Threads at normal priority once the build has ended. One: two measured the same on 2 cores
     * (docs/benchmarks.md, "Fixed cost, key-signed"), and the agent's own work after the build
     * (the record, the package digests) runs beside it.
     */
    private static final int NORMAL_THREADS = 1;

    /** One file's hashing: its channel and digest so far, carried from one thread to the next. */
    private static final class Job {
      final String real;
      final PinnedFile file;
      FileChannel channel; // opened by the first step
      Sha256Files.Stepwise digest;

      Job(String real, PinnedFile file) {
        this.real = real;
        this.file = file;
      }

      /** Hashes until the end (its outcome) or until {@code stop} says so between two reads (null). */
      Outcome run(java.util.function.BooleanSupplier stop) {
        try {
          if (channel == null) {
            channel = FileChannel.open(file.via(), StandardOpenOption.READ);
            digest = Sha256Files.Stepwise.of(channel);
          }
          while (digest.step()) {
            if (stop.getAsBoolean()) {
              return null;
            }
          }
          String hex = digest.hex();
          // the whole read lies between the pinning and now: a rewrite at any moment of it shows here
          if (!file.unchanged()) {
            return new Outcome(null, "changed during the build (size, mtime or ctime differ; unlinking a file changes its ctime too): no digest");
          }
          return new Outcome(hex, null);
        } catch (IOException | RuntimeException e) {
          return new Outcome(null, "not hashed: " + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()));
        }
      }

      void release() {
        if (digest != null) {
          digest.close();
        }
        if (channel != null) {
          try {
            channel.close();
          } catch (IOException e) {
            // read only: nothing to lose
          }
        }
      }
    }

    private final Map<String, PinnedFile> pinned = new LinkedHashMap<>();
    private final Map<String, Outcome> failed = new LinkedHashMap<>();
    private final CompletableFuture<Map<String, Outcome>> done = new CompletableFuture<>();
    private final java.util.function.Consumer<Runnable> normalPriority;
    // guarded by this:
    private final java.util.ArrayDeque<Job> pending = new java.util.ArrayDeque<>();
    private final Map<String, Outcome> outcomes = new LinkedHashMap<>();
    private int working; // threads in work()
    private int heldLow; // jobs the low-priority thread holds: each comes back or ends, then notifyAll
    private int handedOver; // files the low-priority thread had begun and left to another (tests)
    private boolean hurried;
    private boolean closed;
    private boolean released;

    Digests(java.util.function.Consumer<Runnable> normalPriority) {
      this.normalPriority = normalPriority;
    }

    synchronized void pin(String real) {
      if (pinned.containsKey(real) || failed.containsKey(real)) {
        return;
      }
      try {
        PinnedFile file = PinnedFile.pin(Path.of(real));
        pinned.put(real, file);
        pending.add(new Job(real, file));
      } catch (PinnedFile.PinException e) {
        failed.put(real, new Outcome(null, "not hashed: cannot open it (" + e.getMessage() + ")"));
      }
    }

    /** Every file pinned: the outcomes so far are the ones that failed to pin. */
    synchronized void pinned() {
      outcomes.putAll(failed);
      if (pending.isEmpty()) {
        done.complete(Map.copyOf(outcomes));
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

    /** Runs each task on a daemon thread of its own, at the priority of the thread that calls it. */
    static void onNewThread(Runnable hashing) {
      Thread t = new Thread(hashing, "plumbline-toolchain-hash-now");
      t.setDaemon(true);
      t.start();
    }

    /** The low-priority thread's part: hashes until every file is done or the build has ended. */
    void hashAll() {
      work(true);
    }

    /**
     * The build has ended: the files not hashed yet, and the one in progress at its next read, go to
     * threads at normal priority, started from the calling thread (a new thread has its creator's
     * nice value).
     */
    void hurry() {
      int threads;
      synchronized (this) {
        if (hurried || closed) {
          return;
        }
        hurried = true;
        threads = Math.min(NORMAL_THREADS, pending.size() + heldLow);
      }
      for (int i = 0; i < threads; i++) {
        normalPriority.accept(() -> work(false));
      }
    }

    private void work(boolean low) {
      synchronized (this) {
        working++;
      }
      try {
        while (true) {
          Job job;
          synchronized (this) {
            while (true) {
              if (closed || (low && hurried)) {
                return;
              }
              job = pending.pollFirst();
              if (job != null) {
                break;
              }
              if (low || heldLow == 0) {
                return; // nothing left, nor any job the low-priority thread may still hand back
              }
              waitForHandOver();
            }
            if (low) {
              heldLow++;
            }
          }
          Outcome outcome = job.run(() -> stopping(low));
          synchronized (this) {
            if (low) {
              heldLow--;
              notifyAll();
            }
            if (outcome == null) { // closed (released with the rest), or handed to a thread at normal priority
              if (closed) {
                job.release();
              } else {
                pending.addFirst(job);
                handedOver++;
              }
              continue; // (the loop's first check ends this thread's part)
            }
            job.release();
            outcomes.put(job.real, outcome);
            if (outcomes.size() == pinned.size() + failed.size()) {
              done.complete(Map.copyOf(outcomes));
            }
          }
        }
      } finally {
        synchronized (this) {
          working--;
          if (closed && working == 0) {
            releaseAll();
          }
        }
      }
    }

    /** For tests: whether the low-priority thread is hashing a file now, and how many it left midway. */
    synchronized boolean lowHoldsAJob() {
      return heldLow > 0;
    }

    synchronized int handedOver() {
      return handedOver;
    }

    private void waitForHandOver() { // with this held
      try {
        wait();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        closed = true; // (a daemon thread nobody interrupts; should one be, stop cleanly)
      }
    }

    private synchronized boolean stopping(boolean low) {
      return closed || (low && hurried);
    }

    /** Every pinned file's outcome; one not hashed within {@code wait} says so. */
    Map<String, Outcome> await(Duration wait) {
      hurry(); // the build is over: nothing is left to give way to
      Map<String, Outcome> out;
      try {
        out = done.get(wait.toMillis(), TimeUnit.MILLISECONDS);
      } catch (TimeoutException | ExecutionException e) {
        synchronized (this) {
          out = Map.copyOf(outcomes);
        }
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

    /**
     * Stops the hashing (a file not hashed yet stays so, a thread stops at its next read) and
     * closes the descriptors once no thread uses them.
     */
    @Override
    public synchronized void close() {
      closed = true;
      notifyAll();
      if (working == 0) {
        releaseAll();
      }
    }

    private void releaseAll() { // with this held
      if (released) {
        return;
      }
      released = true;
      pending.forEach(Job::release);
      pending.clear();
      pinned.values().forEach(PinnedFile::close);
    }
  }

  /**
   * The version of a toolchain whose version option starts a JVM or a script runtime (a second or
   * more each: java, javac, mvn, npm were most of the pause before a signed build), read from the
   * files it would have read: the JDK's {@code release} file, Maven's {@code maven-core} jar, npm's
   * {@code package.json}, found from the real path of the binary, a pyenv shim's version
   * ({@link #pyenvShimVersion}) and Go's {@code VERSION} ({@link #goVersion}: a process less).
   * Empty when the layout is not the expected one (a wrapper, another shim): then the tool is asked.
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
        case "go" -> {
          return goVersion(real);
        }
        default -> {
          return Optional.empty();
        }
      }
    } catch (IOException | RuntimeException e) {
      return Optional.empty();
    }
  }

  private static final java.util.regex.Pattern GO_RELEASE = java.util.regex.Pattern.compile("go1(\\.[0-9]+){1,2}((rc|beta)[0-9]+)?");

  /**
   * What {@code go version} prints for a Go distribution's {@code GOROOT/bin/go} (its own version
   * and platform, {@code go version go1.19.8 linux/amd64}), from {@code GOROOT/VERSION} (its first
   * line; Debian's {@code /usr/lib/go-1.19} and the official tarballs alike) and the binary's ELF
   * header. Empty for anything else: a development build (no release in VERSION), a platform
   * other than linux amd64/arm64, or a {@code go.env} that makes {@code go} switch to another
   * toolchain (Go 1.21+: a {@code GOTOOLCHAIN} other than auto or local); the probe asks it then.
   * The probe runs in {@code /} without HOME or GOTOOLCHAIN, so no go.mod and no user setting
   * switches toolchains there either.
   */
  static Optional<String> goVersion(Path real) throws IOException {
    Path bin = real.getParent();
    if (!real.getFileName().toString().equals("go") || bin == null || bin.getFileName() == null
        || !bin.getFileName().toString().equals("bin") || bin.getParent() == null) {
      return Optional.empty();
    }
    Path goroot = bin.getParent();
    Path versionFile = goroot.resolve("VERSION");
    if (!Files.isRegularFile(versionFile) || Files.size(versionFile) > 4096) {
      return Optional.empty();
    }
    String release = Files.readAllLines(versionFile).stream().findFirst().orElse("").strip();
    if (!GO_RELEASE.matcher(release).matches()) {
      return Optional.empty();
    }
    Path goEnv = goroot.resolve("go.env");
    if (Files.exists(goEnv)) {
      for (String line : Files.readAllLines(goEnv)) {
        String s = line.strip();
        if (s.startsWith("GOTOOLCHAIN=") && !s.equals("GOTOOLCHAIN=auto") && !s.equals("GOTOOLCHAIN=local")) {
          return Optional.empty();
        }
      }
    }
    byte[] elf = new byte[20];
    try (InputStream in = Files.newInputStream(real)) {
      if (in.readNBytes(elf, 0, elf.length) != elf.length) {
        return Optional.empty();
      }
    }
    // \x7fELF, 64-bit, little-endian, OS ABI System V (what Go writes for linux), then e_machine
    if (elf[0] != 0x7f || elf[1] != 'E' || elf[2] != 'L' || elf[3] != 'F' || elf[4] != 2 || elf[5] != 1 || elf[7] != 0) {
      return Optional.empty();
    }
    int machine = (elf[18] & 0xff) | (elf[19] & 0xff) << 8;
    String arch = switch (machine) {
      case 62 -> "amd64"; // EM_X86_64
      case 183 -> "arm64"; // EM_AARCH64
      default -> null;
    };
    return arch == null ? Optional.empty() : Optional.of("go version " + release + " linux/" + arch);
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
