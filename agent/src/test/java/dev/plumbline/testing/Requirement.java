package dev.plumbline.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What a test needs from the machine, as a JUnit tag ({@code needs-…}). CI runs every tag; where a
 * need is not met the test fails at once with one line naming what is missing and how to get it,
 * instead of a confusing failure deep inside (never skipped: a skipped security test proves
 * nothing).
 */
public enum Requirement {
  ROOT("needs-root") {
    @Override
    Optional<String> missing() {
      return isRoot() ? Optional.empty() : Optional.of("runs as root (CI does); this JVM runs as uid " + uid());
    }
  },
  PTRACE("needs-ptrace") {
    @Override
    Optional<String> missing() {
      Path yama = Path.of("/proc/sys/kernel/yama/ptrace_scope");
      try {
        if (Files.exists(yama) && Integer.parseInt(Files.readString(yama).strip()) >= 3) {
          return Optional.of("ptrace, which kernel.yama.ptrace_scope=3 forbids on this machine");
        }
      } catch (IOException | NumberFormatException e) {
        return Optional.of("ptrace; cannot read " + yama + ": " + e.getMessage());
      }
      return onPath("gcc", "gcc (the tracer tests compile their C fixtures): apt-get install gcc");
    }
  },
  CHROMIUM("needs-chromium") {
    @Override
    Optional<String> missing() {
      return onPath("chromium", "chromium to render the HTML report: apt-get install chromium fonts-dejavu-core");
    }
  },
  NETWORK_NAMESPACE("needs-network-namespace") {
    @Override
    Optional<String> missing() {
      if (!isRoot()) {
        return Optional.of("a network namespace of its own (ip netns add), which needs root (CI runs as root)");
      }
      return onPath("ip", "iproute2 for 'ip netns': apt-get install iproute2");
    }
  },
  BTRFS("needs-btrfs") {
    @Override
    Optional<String> missing() {
      if (!isRoot()) {
        return Optional.of("a btrfs filesystem of its own (mkfs.btrfs on a file, mounted with -o loop), which needs root"
            + " (CI runs as root); this JVM runs as uid " + uid());
      }
      try {
        if (!Files.readString(Path.of("/proc/filesystems")).matches("(?s).*\\bbtrfs\\b.*")) {
          return Optional.of("a kernel with btrfs (it is not in /proc/filesystems)");
        }
      } catch (IOException e) {
        return Optional.of("btrfs; cannot read /proc/filesystems: " + e.getMessage());
      }
      return onPath("mkfs.btrfs", "btrfs-progs: apt-get install btrfs-progs");
    }
  },
  NODE("needs-node") {
    @Override
    Optional<String> missing() {
      return onPath("node", "node: apt-get install nodejs");
    }
  },
  NPM("needs-npm") {
    @Override
    Optional<String> missing() {
      Optional<String> node = onPath("node", "node and npm: apt-get install nodejs npm");
      return node.isPresent() ? node : onPath("npm", "npm: apt-get install npm");
    }
  };

  private final String tag;
  private static final ConcurrentHashMap<Requirement, Optional<String>> CHECKED = new ConcurrentHashMap<>();

  Requirement(String tag) {
    this.tag = tag;
  }

  public String tag() {
    return tag;
  }

  /** What is missing, in words; empty when the machine has it. */
  abstract Optional<String> missing();

  /** Checked once per JVM. */
  public Optional<String> check() {
    return CHECKED.computeIfAbsent(this, Requirement::missing);
  }

  public static Optional<Requirement> ofTag(String tag) {
    for (Requirement r : values()) {
      if (r.tag.equals(tag)) {
        return Optional.of(r);
      }
    }
    return Optional.empty();
  }

  static boolean isRoot() {
    return "0".equals(uid());
  }

  static String uid() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith("Uid:")) {
          return line.split("\\s+")[1];
        }
      }
    } catch (IOException e) {
      return "?";
    }
    return "?";
  }

  static Optional<String> onPath(String command, String what) {
    String path = System.getenv().getOrDefault("PATH", "/usr/bin:/bin");
    for (String dir : path.split(":")) {
      if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, command))) {
        return Optional.empty();
      }
    }
    return Optional.of(what + " ('" + command + "' is not on PATH)");
  }

}
