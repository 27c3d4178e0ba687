package dev.plumbline.trace.ptrace;

import dev.plumbline.linux.Errno;
import dev.plumbline.linux.Linux;
import dev.plumbline.trace.TraceException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The procfs that shows this process's pid namespace. Usually /proc; but inside {@code unshare
 * -Urpfm} (a new pid namespace without --mount-proc) /proc still shows the parent namespace, where
 * the pids ptrace reports name other processes. Then a fresh procfs is mounted on a private
 * directory (allowed: we own the user namespace of both the pid and the mount namespace), and when
 * that is impossible the run stops instead of reading the wrong processes.
 */
final class ProcFs implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ProcFs.class);

  private final Path root;
  private final boolean mounted;

  private ProcFs(Path root, boolean mounted) {
    this.root = root;
    this.mounted = mounted;
  }

  Path root() {
    return root;
  }

  /** "ROOT/PID/leaf" as a string, for the bindings. */
  String of(int pid, String leaf) {
    return root + "/" + pid + "/" + leaf;
  }

  static ProcFs locate() throws TraceException {
    Path proc = Path.of("/proc");
    if (showsUs(proc)) {
      return new ProcFs(proc, false);
    }
    Path dir;
    try {
      dir = Files.createTempDirectory("plumbline-proc");
    } catch (IOException e) {
      throw notMatching("cannot create a directory to mount one: " + e.getMessage());
    }
    int errno = Linux.mountProc(dir.toString());
    if (errno != 0) {
      deleteQuietly(dir);
      throw notMatching("mounting one failed with " + Errno.name(errno));
    }
    if (!showsUs(dir)) {
      Linux.unmountLazily(dir.toString());
      deleteQuietly(dir);
      throw notMatching("the procfs mounted here does not show it either");
    }
    log.debug("mounted a procfs for this pid namespace on {}", dir);
    return new ProcFs(dir, true);
  }

  private static TraceException notMatching(String why) {
    return new TraceException(TraceException.Kind.NOT_PERMITTED,
        "tracing is not possible here: /proc belongs to another pid namespace and " + why
            + " (mount /proc for this namespace, e.g. unshare --mount-proc)");
  }

  private static boolean showsUs(Path proc) {
    try {
      return Files.readSymbolicLink(proc.resolve("self")).toString().equals(Integer.toString(Linux.getpid()));
    } catch (IOException | UnsupportedOperationException e) {
      return false;
    }
  }

  private static void deleteQuietly(Path dir) {
    try {
      Files.deleteIfExists(dir);
    } catch (IOException e) {
      log.debug("cannot remove {}: {}", dir, e.toString());
    }
  }

  @Override
  public void close() {
    if (mounted) {
      Linux.unmountLazily(root.toString());
      deleteQuietly(root);
    }
  }
}
