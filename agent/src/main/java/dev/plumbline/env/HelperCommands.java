package dev.plumbline.env;

import dev.plumbline.linux.Linux;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The rules for commands the agent itself runs (git, toolchain version probes), untraced:
 * <ul>
 *   <li>a minimal environment: no key password, token or token request credentials, nothing of
 *       the caller's but what the command needs ({@link #environment});
 *   <li>git comes from a system directory the build cannot write ({@link #trusted}); PATH tools
 *       are probed at the path found, which the record lists with its digest;
 *   <li>none outlives its phase: while a phase is open the agent is a child subreaper, so even a
 *       daemon that double-forks and calls setsid stays its child, and {@link Phase#close} kills
 *       every child left. The build never runs inside a phase.
 * </ul>
 */
public final class HelperCommands {
  private static final Logger log = LoggerFactory.getLogger(HelperCommands.class);

  /** System directories, searched in this order; a file counts only when root owns it and its directory. */
  static final List<String> SYSTEM_PATH = List.of("/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin");

  private HelperCommands() {}

  /** {@code name} in a system directory, owned by root and writable by nobody else (file and directory). */
  public static Optional<Path> trusted(String name) {
    for (String dir : SYSTEM_PATH) {
      Path candidate = Path.of(dir, name);
      if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
        try {
          Path real = candidate.toRealPath();
          if (rootOnly(real) && rootOnly(real.getParent()) && rootOnly(Path.of(dir).toRealPath())) {
            return Optional.of(real);
          }
        } catch (IOException e) {
          // a dangling link: not a candidate
        }
      }
    }
    return Optional.empty();
  }

  private static boolean rootOnly(Path p) throws IOException {
    int uid = (Integer) Files.getAttribute(p, "unix:uid");
    int mode = (Integer) Files.getAttribute(p, "unix:mode");
    return uid == 0 && (mode & 022) == 0;
  }

  /**
   * The environment of a helper command: a PATH of the system directories (after the command's
   * own directory, so a toolchain finds its siblings, e.g. npm its node), a fixed locale, nothing else.
   */
  public static Map<String, String> environment(String command) {
    Map<String, String> env = new TreeMap<>();
    String own = command.startsWith("/") ? Path.of(command).getParent().toString() + ":" : "";
    env.put("PATH", own + String.join(":", SYSTEM_PATH));
    env.put("LC_ALL", "C");
    return env;
  }

  private static void sleepBriefly() {
    try {
      Thread.sleep(5);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static boolean reap(long pid) {
    try {
      return Linux.reap((int) pid);
    } catch (LinkageError e) {
      return false;
    }
  }

  /** Opens a phase in which helper commands may run; close it before the build starts. */
  public static Phase phase() {
    return new Phase();
  }

  /** A stretch of time in which helper commands run; closing it ends every process they left. */
  public static final class Phase implements AutoCloseable {
    private final Instant started = Instant.now();
    /** Children the agent had before (none in a run; a test's own servers): never touched. */
    private final java.util.Set<Long> earlier =
        ProcessHandle.current().children().map(ProcessHandle::pid).collect(java.util.stream.Collectors.toSet());
    private final boolean reaping;
    private boolean closed;

    private Phase() {
      boolean ok;
      try {
        Linux.requireLibc();
        ok = Linux.setChildSubreaper(true) == 0;
      } catch (dev.plumbline.linux.NativeUnavailableException | LinkageError e) {
        ok = false;
      }
      reaping = ok;
    }

    /** How long the phase has been open. */
    public Duration elapsed() {
      return Duration.between(started, Instant.now());
    }

    /**
     * Kills every child process the agent gained during the phase (helpers and whatever they left
     * behind, adopted as orphans) and stops adopting orphans.
     */
    @Override
    public void close() {
      end(true);
    }

    /**
     * Ends the phase early (the run stops before its build: bad input, a refused key): the helper
     * commands still running are ended as by {@link #close}, without a warning, since they are not
     * left behind but cut short, and the run's own one-line reason is what a person should read.
     */
    public void abandon() {
      end(false);
    }

    private synchronized void end(boolean warnLeftBehind) {
      if (closed) {
        return;
      }
      closed = true;
      java.util.Set<Long> killed = new java.util.HashSet<>();
      for (int round = 0; round < 50; round++) {
        List<ProcessHandle> children =
            ProcessHandle.current().children().filter(c -> !earlier.contains(c.pid())).toList();
        if (children.isEmpty()) {
          break;
        }
        for (ProcessHandle child : children) {
          child.destroyForcibly();
          killed.add(child.pid());
        }
        // adopted orphans are nobody's to wait for in the JVM: collect them, or they stay zombies
        long deadline = System.nanoTime() + 1_000_000_000L;
        for (ProcessHandle child : children) {
          while (child.isAlive() && !reap(child.pid()) && System.nanoTime() < deadline) {
            sleepBriefly();
          }
        }
      }
      if (reaping) {
        Linux.setChildSubreaper(false);
      }
      if (!killed.isEmpty() && warnLeftBehind) {
        log.warn("ended {} process(es) left behind by helper commands", killed.size());
      } else if (!killed.isEmpty()) {
        log.debug("ended {} helper process(es) still running when the run stopped", killed.size());
      }
    }
  }
}
