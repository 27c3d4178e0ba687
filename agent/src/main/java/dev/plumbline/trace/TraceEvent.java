package dev.plumbline.trace;

import java.time.Instant;
import java.util.List;

/**
 * What the tracer saw, in the order it saw it. The tracer thread emits these and does nothing slow;
 * the recorder ({@code dev.plumbline.record.BuildRecorder}) folds them into the build record.
 */
public sealed interface TraceEvent {
  Instant at();

  /** A new task in the tree (fork, vfork, clone, clone3), or the root process itself. */
  record ProcessStarted(Instant at, int pid, int ppid, boolean thread) implements TraceEvent {}

  /**
   * A successful exec. Digests are not part of the event: the recorder pairs it with the hashing
   * worker's results. {@code argv} is as the process has it, secrets included: the recorder redacts it before
   * anything is written, so never log or persist this event's argv directly. {@code ownView}: the
   * process runs under a root or in a mount namespace of its own (chroot, pivot_root, unshare -m),
   * so the paths in its argv name files in that view, not the agent's; its {@code path} and
   * {@code cwd} are then the agent's names only where they reach the very file in the agent's view,
   * else the build's names behind {@link #BUILD_VIEW}, which no absolute path or path glob matches.
   */
  record Exec(Instant at, int pid, String path, List<String> argv, String cwd, boolean ownView) implements TraceEvent {
    /** The mark before a name that is the build's own (another root or mount namespace), not the agent's. */
    public static final String BUILD_VIEW = "(build view)";

    public Exec(Instant at, int pid, String path, List<String> argv, String cwd) {
      this(at, pid, path, argv, cwd, false);
    }
  }

  /**
   * A file mapped executable into a process other than by exec: {@code how} is {@code mmap} (the
   * process mapped it with PROT_EXEC: a library ld.so loads, dlopen, an LD_PRELOAD/LD_AUDIT object,
   * a program given to ld.so), {@code mprotect} (a file mapping made executable later) or
   * {@code interpreter} (the ELF interpreter the kernel mapped at exec). {@code fd} is the
   * descriptor of the process that names the very file mapped ({@code /proc/PID/fd/FD}, open it
   * while the task is stopped), or -1: then {@code path} is the name the mapping has, and
   * {@code device} (as st_dev encodes it) and {@code inode} are the file's as the maps show them,
   * which a file opened by that name must have to be taken for it (the name may be another file:
   * the process's own, in its mount namespace). {@code device} is -1 when not known. {@code
   * ownView}: the process runs under a root or in a mount namespace of its own, so {@code path} is
   * a name in its view, which may be another file in the agent's ({@link Exec#ownView}).
   */
  record Mapped(Instant at, int pid, String path, String how, int fd, long inode, long device, boolean ownView)
      implements TraceEvent {
    /** A mapping through descriptor {@code fd}, which needs no device to be reached. */
    public Mapped(Instant at, int pid, String path, String how, int fd, long inode) {
      this(at, pid, path, how, fd, inode, -1, false);
    }
  }

  /**
   * A connect, sendto, sendmsg or sendmmsg (TCP Fast Open included) to a destination.
   * {@code result} is "ok", an errno name such as "ECONNREFUSED", or "blocked".
   */
  record Network(
      Instant at,
      int pid,
      String syscall,
      String family,
      String protocol,
      String address,
      Integer port,
      EgressDecision decision,
      String result)
      implements TraceEvent {}

  /** A DNS question and its answers as seen by the agent's resolver. */
  record Dns(Instant at, int pid, String name, String type, List<String> answers, EgressDecision decision)
      implements TraceEvent {}

  /** A change to a file below the working directory. */
  record FileChanged(Instant at, int pid, String path, String operation) implements TraceEvent {}

  /** A process ended: exit code or signal; {@code killedByAgent} when it outlived the build's grace period. */
  record ProcessExited(Instant at, int pid, Integer exitCode, Integer signal, boolean killedByAgent)
      implements TraceEvent {}

  /**
   * Something worth knowing that does not make the trace incomplete: a refused PTRACE_TRACEME or
   * PTRACE_ATTACH, the build installing its own seccomp filter, NO_NEW_PRIVS keeping a setuid
   * binary from elevating. {@code kind} is a stable word (ptrace, seccomp, ...), {@code detail} one line.
   */
  record Note(Instant at, int pid, String kind, String detail) implements TraceEvent {}

  /** Something the tracer could not see or control: the record becomes incomplete with this reason. */
  record Incomplete(Instant at, int pid, String reason) implements TraceEvent {}
}
