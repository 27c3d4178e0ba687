package dev.plumbline.trace.ptrace;

import static dev.plumbline.linux.Errno.ENOSYS;
import static dev.plumbline.linux.Ptrace.PTRACE_ATTACH;
import static dev.plumbline.linux.Ptrace.PTRACE_SEIZE;
import static dev.plumbline.linux.Ptrace.PTRACE_TRACEME;

import dev.plumbline.linux.Errno;
import dev.plumbline.linux.PathHandles;
import dev.plumbline.linux.TracerCalls;
import dev.plumbline.trace.EgressGate;
import dev.plumbline.trace.TraceEvent;
import dev.plumbline.trace.decode.Cmdline;
import dev.plumbline.trace.ptrace.PtraceTracer.Task;
import java.time.Instant;
import java.util.List;

/**
 * What a process is and what it does to the tracing itself: the exec stop's facts, and the calls
 * that could escape or weaken the trace (ptrace, io_uring, the build's own seccomp filters),
 * refused or recorded as notes. (Untraced children are refused by the filter itself, see
 * SyscallTable.CLONE.)
 */
final class ProcessStops {
  private final TracerCalls calls;
  private final String proc;
  private final Reporter out;
  private final EgressGate gate;
  private final TraceePaths paths;

  ProcessStops(TracerCalls calls, String proc, Reporter out, EgressGate gate) {
    this.calls = calls;
    this.proc = proc;
    this.out = out;
    this.gate = gate;
    this.paths = new TraceePaths(calls, proc);
  }

  /**
   * At an exec event: path, argv and cwd are read while the process is stopped. Under a root or in
   * a mount namespace of the build's own, what /proc/PID/exe and cwd say may be the build's names
   * (a payload bind-mounted over /usr/bin/gcc in its namespace reads as /usr/bin/gcc): each is
   * recorded as such only when it reaches the very file in the agent's view, else marked as the
   * build's ({@link #agentName}). Returns the name /proc/PID/exe gives, unmarked (the one the
   * process's own /proc/PID/maps uses for it), and whether the process has a view of its own.
   */
  Execed exec(Task task) {
    int pid = task.tid;
    String exe = proc + "/" + pid + "/exe";
    String kernelName = calls.readlink(exe);
    if (kernelName == null && calls.takeAccessRefused()) {
      // the kernel made it undumpable at this exec (a program or interpreter it may run but not
      // read): its exe, cwd, maps and memory are closed to an agent that is not root
      String image = out.image(pid);
      out.flagOnce("undumpable:" + image, pid, image + " runs a program the agent may not read (mode 0111, or an"
          + " unreadable interpreter), which makes it undumpable: its executable and working directory are missing"
          + " from the record, and so is what its calls name");
    }
    String path = kernelName;
    byte[] cmdline = calls.readShortEnded(proc + "/" + pid + "/cmdline");
    // raw on purpose: the recorder redacts once, off this thread, before anything is written
    List<String> argv = cmdline == null ? List.of() : Cmdline.parse(cmdline);
    String cwd = calls.readlink(proc + "/" + pid + "/cwd");
    boolean ownView = !paths.sharesAgentView(pid);
    if (ownView) {
      path = agentName(path, exe);
      cwd = agentName(cwd, proc + "/" + pid + "/cwd");
    }
    out.emit(new TraceEvent.Exec(Instant.now(), pid, path, argv, cwd, ownView));
    noteSetId(pid, path);
    return new Execed(kernelName, ownView);
  }

  /** What {@link #exec} found: the program's name as the kernel gives it, and whether it has a view of its own. */
  record Execed(String exe, boolean ownView) {}

  /**
   * {@code name} (what the magic link {@code link} reads as) when, in the agent's view, it is the
   * very file the link leads to (device and inode: the same mount namespace under another root
   * gives the agent's names; another namespace may too, for files it did not mount over); else
   * the name behind {@link TraceEvent.Exec#BUILD_VIEW}, so that no reader or policy takes the
   * build's name for the agent's file of that name.
   */
  private static String agentName(String name, String link) {
    if (name == null) {
      return null;
    }
    if (name.startsWith("/")) {
      PathHandles.FileStat its = PathHandles.stat(link);
      if (its != null && its.sameFile(PathHandles.stat(name))) {
        return name;
      }
    }
    return TraceEvent.Exec.BUILD_VIEW + name;
  }

  private boolean noNewPrivs = true;

  void noNewPrivs(boolean set) {
    noNewPrivs = set;
  }

  /**
   * A set-user-ID or set-group-ID program runs unelevated under ptrace and NO_NEW_PRIVS: say so.
   * Without NO_NEW_PRIVS (a root agent) it may elevate; the tracer then checks the credentials.
   */
  private void noteSetId(int pid, String path) {
    if (!noNewPrivs) {
      return;
    }
    PathHandles.FileStat exe = PathHandles.stat(proc + "/" + pid + "/exe");
    if (exe == null) {
      return;
    }
    int mode = exe.mode();
    if ((mode & 06000) != 0) {
      out.note(pid, "setuid", path + " is set-" + ((mode & 04000) != 0 ? "user" : "group")
          + "-ID: under plumbline it ran without gaining privileges (ptrace, NO_NEW_PRIVS)");
    }
  }

  /**
   * Egress block mode: io_uring would reach the network unseen, so it is refused like container
   * runtimes' default seccomp profiles do (programs fall back to plain syscalls). Else it is
   * allowed and makes the record incomplete.
   */
  boolean ioUringSetup(Call call) {
    if (gate.refusesIoUring()) {
      out.refuse(call.tid(), ENOSYS, "io_uring_setup");
      out.note(call.tid(), "io_uring", out.image(call.tid()) + " was refused io_uring_setup (ENOSYS): egress block mode");
      return false;
    }
    return ioUring(call);
  }

  boolean ioUring(Call call) {
    String image = out.image(call.tid());
    out.flagOnce("io_uring:" + image, call.tid(), "io_uring used by " + image + ": its operations cannot be traced");
    return false;
  }

  /** The build installing its own seccomp filter: filters stack, ours cannot be removed. */
  boolean ownFilter(Call call, String how) {
    out.note(call.tid(), "seccomp", out.image(call.tid()) + " installed its own seccomp filter (" + how + ")");
    return false;
  }

  /**
   * PTRACE_TRACEME / ATTACH / SEIZE by the build: a task has one tracer, so it normally fails (a
   * note); a success means a process outside the tree is now attached, untraced (incomplete).
   */
  boolean ptraceAttempt(Call call) {
    String what = switch ((int) call.arg(0)) {
      case PTRACE_TRACEME -> "PTRACE_TRACEME";
      case PTRACE_ATTACH -> "PTRACE_ATTACH"; // no pids in notes: the record aggregates them by text
      case PTRACE_SEIZE -> "PTRACE_SEIZE";
      default -> null;
    };
    if (what == null) {
      return false; // requests on a tracee it could never have attached
    }
    int tid = call.tid();
    PendingExit pending = new PendingExit();
    pending.onExit = () -> {
      if (pending.isError || pending.rval < 0) {
        out.note(tid, "ptrace", out.image(tid) + " tried " + what + ": refused ("
            + Errno.name((int) -pending.rval) + "), a process has one tracer and plumbline is it");
      } else {
        out.flagOnce("ptrace:" + out.image(tid), tid, out.image(tid) + " attached to a process outside"
            + " the traced tree with " + what + ": that process is not traced");
      }
    };
    pending.rval = -1;
    call.task().pendingExit = pending;
    return true;
  }
}
