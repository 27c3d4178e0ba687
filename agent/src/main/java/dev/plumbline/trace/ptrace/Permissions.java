package dev.plumbline.trace.ptrace;

import static dev.plumbline.linux.Errno.*;
import static dev.plumbline.linux.Ptrace.*;

import dev.plumbline.linux.Errno;
import dev.plumbline.linux.Linux;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Turns a refused ptrace into one line that says why and what to change. */
final class Permissions {
  private Permissions() {}

  static String explainSeizeFailure(int errno) {
    String yama = yamaScope();
    String base = "tracing is not permitted here: PTRACE_SEIZE failed with " + Errno.name(errno);
    if ("3".equals(yama)) {
      return base + " (kernel.yama.ptrace_scope=3 forbids ptrace until reboot)";
    }
    if ("2".equals(yama)) {
      return base + " (kernel.yama.ptrace_scope=2 requires CAP_SYS_PTRACE; set it to 1 or grant the capability)";
    }
    if (errno == EPERM || errno == ENOSYS) {
      return base + " (a seccomp profile denies ptrace: in Docker use a kernel >= 4.8 default profile or --cap-add SYS_PTRACE)";
    }
    return base + " (" + Linux.strerror(errno) + ")";
  }

  static String yamaScope() {
    try {
      return Files.readString(Path.of("/proc/sys/kernel/yama/ptrace_scope")).strip();
    } catch (IOException e) {
      return null;
    }
  }
}
