package dev.plumbline.env;

import dev.plumbline.env.Environment.Toolchain;
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
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * The toolchains a build had, in two phases. {@link #onPath} runs <em>before</em> the build: it
 * finds the well-known toolchains on PATH and asks each for its version. {@link #merge} runs after
 * and only reads the record: nothing is executed once the build has run, since the build could
 * have planted a binary on PATH that would then run outside the trace and the egress policy.
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
  private final Map<String, Optional<String>> digests = new ConcurrentHashMap<>();
  private final CommandRunner runner;
  private final Duration timeout;

  public ToolchainInventory(Map<String, String> env, CommandRunner runner, Duration timeout) {
    this.env = env;
    this.runner = runner;
    this.timeout = timeout;
  }

  /**
   * Before the build: each well-known toolchain PATH finds, under the path PATH found it at, with
   * its real path, digest and version line. The version is asked through the PATH name, since
   * multiplexers (rustup, pyenv shims, busybox) answer by the name they are called with.
   */
  public List<Toolchain> onPath() {
    TreeMap<String, String> found = new TreeMap<>();
    for (String name : WELL_KNOWN.keySet()) {
      onPath(name).ifPresent(p -> found.put(p.toString(), name));
    }
    // all at once: the slowest (a JVM-based tool) sets the time, not the sum
    ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, found.size()), r -> {
      Thread t = new Thread(r, "plumbline-toolchain");
      t.setDaemon(true);
      return t;
    });
    try {
      List<Future<Toolchain>> futures = new ArrayList<>();
      for (Map.Entry<String, String> e : found.entrySet()) {
        futures.add(pool.submit(() -> describe(e.getValue(), Path.of(e.getKey()))));
      }
      List<Toolchain> out = new ArrayList<>();
      for (Future<Toolchain> f : futures) {
        out.add(f.get());
      }
      return List.copyOf(out);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return List.of();
    } catch (ExecutionException e) {
      throw new IllegalStateException("toolchain inventory failed", e.getCause());
    } finally {
      pool.shutdownNow();
    }
  }

  private Toolchain describe(String name, Path at) {
    String realPath = null;
    try {
      String real = at.toRealPath().toString();
      realPath = real.equals(at.toString()) ? null : real;
    } catch (IOException e) {
      // a dangling link: report the path as found
    }
    String version = versionFromFiles(name, at)
        .or(() -> runner.run(List.of(at.toString(), WELL_KNOWN.get(name)), null, timeout).flatMap(ToolchainInventory::firstLine))
        .orElse(null);
    return new Toolchain(name, at.toString(), realPath, sha256(at).orElse(null), version, false, true);
  }

  /**
   * The version of a toolchain whose version option starts a JVM or a script runtime (a second or
   * more each: java, javac, mvn, npm were most of the pause before a signed build), read from the
   * files it would have read: the JDK's {@code release} file, Maven's {@code maven-core} jar, npm's
   * {@code package.json}, found from the real path of the binary. Empty when the layout is not the
   * expected one (a wrapper, a shim): then the tool is asked.
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
          com.fasterxml.jackson.databind.JsonNode json = new com.fasterxml.jackson.databind.ObjectMapper().readTree(pkg.toFile());
          String v = json.path("name").asText("").equals("npm") ? json.path("version").asText("") : "";
          return v.isBlank() ? Optional.empty() : Optional.of(v);
        }
        default -> {
          return Optional.empty();
        }
      }
    } catch (IOException | RuntimeException e) {
      return Optional.empty();
    }
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
          tools.set(i, new Toolchain(t.name(), t.path(), t.realPath(), t.sha256(), t.version(), true, t.onPath()));
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

  /** Each real file is hashed once per inventory (rustup stands behind both rustc and cargo). */
  private Optional<String> sha256(Path file) {
    String key;
    try {
      key = file.toRealPath().toString();
    } catch (IOException e) {
      return Optional.empty();
    }
    return digests.computeIfAbsent(key, k -> {
      try (FileChannel channel = FileChannel.open(Path.of(k), StandardOpenOption.READ)) {
        return Optional.of(Sha256Files.hex(channel));
      } catch (IOException | RuntimeException e) {
        return Optional.empty();
      }
    });
  }

  private static String baseName(String path) {
    int slash = path.lastIndexOf('/');
    return slash < 0 ? path : path.substring(slash + 1);
  }
}
