package dev.plumbline.env;

import dev.plumbline.env.Environment.Container;
import dev.plumbline.env.Environment.Kernel;
import dev.plumbline.env.Environment.OperatingSystem;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** OS, kernel, architecture and container clues, read from files under a root (/ in production). */
public final class HostFacts {
  private static final Pattern CONTAINER_ID = Pattern.compile("(?<![0-9a-f])([0-9a-f]{64})(?![0-9a-f])");
  private static final Pattern CGROUP_RUNTIME =
      Pattern.compile("(docker|containerd|cri-containerd|crio|libpod|kubepods|lxc|actions_job)", Pattern.CASE_INSENSITIVE);

  private final Path root;
  private final Map<String, String> env;

  public HostFacts(Path root, Map<String, String> env) {
    this.root = root;
    this.env = env;
  }

  public OperatingSystem os() {
    Map<String, String> fields = parseOsRelease(read("etc/os-release").or(() -> read("usr/lib/os-release")).orElse(""));
    if (fields.isEmpty()) {
      return null;
    }
    return new OperatingSystem(fields.get("ID"), fields.get("VERSION_ID"), fields.get("NAME"), fields.get("PRETTY_NAME"));
  }

  /** KEY=value lines; values may be double- or single-quoted with backslash escapes. */
  static Map<String, String> parseOsRelease(String text) {
    Map<String, String> out = new LinkedHashMap<>();
    for (String line : text.split("\n")) {
      line = line.strip();
      int eq = line.indexOf('=');
      if (line.isEmpty() || line.startsWith("#") || eq <= 0) {
        continue;
      }
      String value = line.substring(eq + 1).strip();
      if (value.length() >= 2
          && (value.charAt(0) == '"' || value.charAt(0) == '\'')
          && value.charAt(value.length() - 1) == value.charAt(0)) {
        value = value.substring(1, value.length() - 1).replaceAll("\\\\(.)", "$1");
      }
      out.put(line.substring(0, eq).strip(), value);
    }
    return out;
  }

  public Kernel kernel() {
    Optional<String> release = read("proc/sys/kernel/osrelease").map(String::strip);
    Optional<String> version = read("proc/sys/kernel/version").map(String::strip);
    if (release.isEmpty() && version.isEmpty()) {
      return null;
    }
    return new Kernel(release.orElse(null), version.orElse(null));
  }

  /** The JVM's os.arch in uname's words (amd64 → x86_64). */
  public static String normalizeArch(String osArch) {
    if (osArch == null) {
      return null;
    }
    return switch (osArch.toLowerCase(Locale.ROOT)) {
      case "amd64", "x86_64" -> "x86_64";
      case "aarch64", "arm64" -> "aarch64";
      case "x86", "i386", "i686" -> "i686";
      default -> osArch;
    };
  }

  public Container container() {
    List<String> evidence = new ArrayList<>();
    String runtime = null;
    String id = null;
    if (Files.exists(root.resolve(".dockerenv"))) {
      evidence.add("/.dockerenv");
      runtime = "docker";
    }
    Optional<String> containerenv = read("run/.containerenv");
    if (containerenv.isPresent() || Files.exists(root.resolve("run/.containerenv"))) {
      evidence.add("/run/.containerenv");
      runtime = runtime == null ? "podman" : runtime;
      Matcher m = Pattern.compile("(?m)^id=\"?([0-9a-f]{12,64})\"?").matcher(containerenv.orElse(""));
      if (m.find()) {
        id = m.group(1);
      }
    }
    String containerVar = env.get("container");
    if (containerVar != null && !containerVar.isBlank()) {
      evidence.add("env container=" + containerVar);
      runtime = runtime == null ? containerVar : runtime;
    }
    if (env.containsKey("KUBERNETES_SERVICE_HOST")) {
      evidence.add("env KUBERNETES_SERVICE_HOST");
      runtime = runtime == null ? "kubernetes" : runtime;
    }
    for (String line : read("proc/1/cgroup").orElse("").split("\n")) {
      Matcher rt = CGROUP_RUNTIME.matcher(line);
      if (rt.find()) {
        evidence.add("/proc/1/cgroup " + rt.group(1).toLowerCase(Locale.ROOT));
        runtime = runtime == null ? cgroupRuntime(rt.group(1)) : runtime;
        Matcher m = CONTAINER_ID.matcher(line);
        if (id == null && m.find()) {
          id = m.group(1);
        }
        break;
      }
    }
    for (String line : read("proc/self/mountinfo").orElse("").split("\n")) {
      if (line.contains("/containers/") && (line.contains("/hostname ") || line.contains("/resolv.conf ") || line.contains("/hosts "))) {
        Matcher m = CONTAINER_ID.matcher(line);
        if (m.find()) {
          evidence.add("/proc/self/mountinfo container mount");
          if (id == null) {
            id = m.group(1);
          }
          break;
        }
      }
    }
    if (evidence.isEmpty()) {
      return new Container(false, null, null, List.of());
    }
    return new Container(true, runtime, id, List.copyOf(evidence));
  }

  private static String cgroupRuntime(String clue) {
    String c = clue.toLowerCase(Locale.ROOT);
    return switch (c) {
      case "libpod" -> "podman";
      case "kubepods" -> "kubernetes";
      case "cri-containerd" -> "containerd";
      case "actions_job" -> "docker";
      default -> c;
    };
  }

  private Optional<String> read(String relative) {
    Path p = root.resolve(relative);
    try {
      if (!Files.isRegularFile(p) || !Files.isReadable(p)) {
        return Optional.empty();
      }
      return Optional.of(Files.readString(p, StandardCharsets.UTF_8));
    } catch (IOException | RuntimeException e) {
      return Optional.empty();
    }
  }
}
