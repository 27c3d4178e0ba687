package dev.plumbline.trace.ptrace;

import dev.plumbline.linux.Linux;
import dev.plumbline.linux.TracerCalls;
import dev.plumbline.linux.TracerCalls.X8664Reg;
import dev.plumbline.trace.TraceEvent;
import java.time.Instant;
import java.util.HashSet;
import java.util.Set;
import java.util.function.Consumer;

/** How the stop handlers speak: events, notes, and reasons the trace is incomplete (each once). */
final class Reporter {
  private final TracerCalls calls;
  private final String proc;
  private final Consumer<TraceEvent> emit;
  private final Set<String> flagged = new HashSet<>();

  Reporter(TracerCalls calls, String proc, Consumer<TraceEvent> emit) {
    this.calls = calls;
    this.proc = proc;
    this.emit = emit;
  }

  void emit(TraceEvent event) {
    emit.accept(event);
  }

  void note(int pid, String kind, String detail) {
    emit.accept(new TraceEvent.Note(Instant.now(), pid, kind, detail));
  }

  /** Makes the record incomplete, once per {@code key}. */
  void flagOnce(String key, int pid, String reason) {
    if (flagged.add(key)) {
      emit.accept(new TraceEvent.Incomplete(Instant.now(), pid, reason));
    }
  }

  /** The executable a task runs, for reasons that must not carry pids (records of one build compare equal). */
  String image(int pid) {
    String exe = calls.readlink(proc + "/" + pid + "/exe");
    if (exe != null) {
      return exe;
    }
    // an undumpable process's exe link is closed to an agent that is not root; its comm is not
    byte[] comm = calls.readShortEnded(proc + "/" + pid + "/comm");
    String name = comm == null ? "" : new String(comm, java.nio.charset.StandardCharsets.UTF_8).strip();
    return name.isEmpty() ? "a process" : "a process named " + name;
  }

  /**
   * Makes the kernel skip the call at this seccomp stop and return {@code -errno} to the task;
   * a failure is flagged (the call then runs).
   */
  void refuse(int pid, int errno, String what) {
    skip(pid, -Math.abs((long) errno), what);
  }

  /**
   * Makes the kernel skip the call at this seccomp stop and return {@code result} to the task (the
   * tracer made the call for it, or refuses it); false, flagged, when the registers cannot be set.
   */
  boolean skip(int pid, long result, String what) {
    if (!Linux.isX8664() || calls.getRegs(pid) < 0) {
      flagOnce("block:" + image(pid), pid, "could not block " + what + " of " + image(pid));
      return false;
    }
    calls.setReg(X8664Reg.ORIG_RAX, -1);
    calls.setReg(X8664Reg.RAX, result);
    if (calls.setRegs(pid) < 0) {
      flagOnce("block:" + image(pid), pid, "could not block " + what + " of " + image(pid));
      return false;
    }
    return true;
  }

  /**
   * Sets argument registers of the call at this seccomp stop (x86_64 order: rdi, rsi, rdx, r10,
   * r8, r9); {@code values[i]} null leaves argument i alone. False when they cannot be set.
   */
  boolean setArgs(int pid, Long... values) {
    if (!Linux.isX8664() || calls.getRegs(pid) < 0) {
      return false;
    }
    X8664Reg[] order = {X8664Reg.RDI, X8664Reg.RSI, X8664Reg.RDX, X8664Reg.R10, X8664Reg.R8, X8664Reg.R9};
    for (int i = 0; i < values.length; i++) {
      if (values[i] != null) {
        calls.setReg(order[i], values[i]);
      }
    }
    return calls.setRegs(pid) >= 0;
  }
}
