package dev.plumbline.env;

import dev.plumbline.env.Environment.Toolchain;
import dev.plumbline.trace.BuildRecord;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * The toolchains a build had: each binary it executed (from the record) and each well-known
 * toolchain on PATH, by real path, digest and version line. Versions are asked only of binaries
 * with a well-known name: running {@code --version} on an arbitrary executed program could run
 * the build's own scripts again.
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

  /**
   * Sorted by path. A well-known tool is listed under the path PATH found it at and asked for its
   * version through that path, since multiplexers (rustup, pyenv shims, busybox) answer by the
   * name they are called with. An executed binary that is such a tool (same path or same real
   * path) marks that entry executed; other executed binaries get entries of their own.
   */
  public List<Toolchain> inventory(List<BuildRecord.Tool> executed) {
    TreeMap<String, Entry> byPath = new TreeMap<>();
    for (String name : WELL_KNOWN.keySet()) {
      Optional<Path> found = onPath(name);
      if (found.isEmpty()) {
        continue;
      }
      Path at = found.get();
      Entry e = new Entry(name, at.toString());
      e.onPath = true;
      try {
        String real = at.toRealPath().toString();
        e.realPath = real.equals(e.path) ? null : real;
      } catch (IOException ex) {
        e.realPath = null;
      }
      byPath.put(e.path, e);
    }
    for (BuildRecord.Tool tool : executed == null ? List.<BuildRecord.Tool>of() : executed) {
      boolean matched = false;
      for (Entry e : byPath.values()) {
        if (e.onPath && (tool.path().equals(e.path) || tool.path().equals(e.realPath))) {
          e.executed = true;
          matched = true;
        }
      }
      if (!matched) {
        Entry e = byPath.computeIfAbsent(tool.path(), p -> new Entry(baseName(p), p));
        e.sha256 = tool.sha256();
        e.executed = true;
      }
    }
    List<Entry> entries = new ArrayList<>(byPath.values());
    ExecutorService pool = Executors.newFixedThreadPool(4, r -> {
      Thread t = new Thread(r, "plumbline-toolchain");
      t.setDaemon(true);
      return t;
    });
    try {
      List<Future<Toolchain>> futures = new ArrayList<>();
      for (Entry e : entries) {
        futures.add(pool.submit(() -> describe(e)));
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

  private Toolchain describe(Entry e) {
    String sha = e.sha256 != null ? e.sha256 : sha256(Path.of(e.path)).orElse(null);
    String flag = WELL_KNOWN.get(e.name);
    String version = null;
    if (flag != null && Files.isExecutable(Path.of(e.path))) {
      version = runner.run(List.of(e.path, flag), null, timeout).flatMap(ToolchainInventory::firstLine).orElse(null);
    }
    return new Toolchain(e.name, e.path, e.realPath, sha, version, e.executed, e.onPath);
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
      if (dir.isEmpty()) {
        continue;
      }
      Path candidate = Path.of(dir, name);
      if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
        return Optional.of(candidate.toAbsolutePath().normalize());
      }
    }
    return Optional.empty();
  }

  private static Optional<String> sha256(Path file) {
    try (InputStream in = Files.newInputStream(file)) {
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      byte[] buf = new byte[65536];
      for (int n; (n = in.read(buf)) > 0; ) {
        md.update(buf, 0, n);
      }
      return Optional.of(HexFormat.of().formatHex(md.digest()));
    } catch (IOException | java.security.NoSuchAlgorithmException e) {
      return Optional.empty();
    }
  }

  private static String baseName(String path) {
    int slash = path.lastIndexOf('/');
    return slash < 0 ? path : path.substring(slash + 1);
  }

  private static final class Entry {
    final String name;
    final String path;
    String realPath;
    String sha256;
    boolean executed;
    boolean onPath;

    Entry(String name, String path) {
      this.name = name;
      this.path = path;
    }
  }
}
