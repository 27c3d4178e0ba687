package dev.plumbline.trace.ptrace;

import static dev.plumbline.linux.Ptrace.*;

import dev.plumbline.linux.Linux;
import dev.plumbline.linux.TracerCalls;
import dev.plumbline.linux.TracerCalls.X8664Reg;
import dev.plumbline.trace.EgressGate;
import dev.plumbline.trace.EgressGate.Decision;
import dev.plumbline.trace.TraceEvent;
import dev.plumbline.trace.Tracer.Request;
import dev.plumbline.trace.decode.Abi;
import dev.plumbline.trace.decode.Cmdline;
import dev.plumbline.trace.decode.DecodeException;
import dev.plumbline.trace.decode.MessageHeaders;
import dev.plumbline.trace.decode.MessageHeaders.MsgName;
import dev.plumbline.trace.decode.SocketAddress;
import dev.plumbline.trace.decode.SocketCall;
import dev.plumbline.trace.ptrace.PtraceTracer.Task;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What happens at the stops the seccomp filter and the exec option produce: decode the call from
 * PTRACE_GET_SYSCALL_INFO and tracee memory, ask the egress gate, apply its decision, and turn it
 * into events. Runs on the tracer thread; every path here is a few system calls, never I/O.
 */
final class SyscallStops {
  private static final Logger log = LoggerFactory.getLogger(SyscallStops.class);
  private static final int O_WRONLY = 01;
  private static final int O_RDWR = 02;
  private static final int O_CREAT = 0100;
  private static final int O_TRUNC = 01000;
  private static final int UIO_MAXIOV = 1024;

  private final TracerCalls calls;
  private final EgressGate gate;
  private final boolean enforcing;
  private final Consumer<TraceEvent> emit;
  private final Path workdir;
  private final Set<String> flagged = new HashSet<>();
  /** Root of the procfs of our pid namespace, usually /proc. */
  private final String proc;

  SyscallStops(TracerCalls calls, String proc, Request request, Consumer<TraceEvent> emit) {
    this.calls = calls;
    this.proc = proc;
    this.gate = request.egress() != null ? request.egress() : EgressGate.auditAll();
    this.enforcing = request.enforcing();
    this.emit = emit;
    Path cwd = request.cwd() != null ? request.cwd() : Path.of("").toAbsolutePath();
    Path real;
    try {
      real = cwd.toRealPath();
    } catch (IOException e) {
      real = cwd.toAbsolutePath().normalize();
    }
    this.workdir = real;
  }

  /** What a network call's exit stop must finish: the events waiting for their result. */
  static final class PendingNetwork {
    final List<TraceEvent.Network> events = new ArrayList<>();
    Runnable onExit;
    long rval;
    boolean isError;
  }

  // ---- exec

  void exec(Task task) {
    int pid = task.tid;
    String path = calls.readlink(proc + "/" + pid + "/exe");
    byte[] cmdline = calls.readSmallFile(proc + "/" + pid + "/cmdline");
    // raw on purpose: the recorder redacts once, off this thread, before anything is written
    List<String> argv = cmdline == null ? List.of() : Cmdline.parse(cmdline);
    String cwd = calls.readlink(proc + "/" + pid + "/cwd");
    emit.accept(new TraceEvent.Exec(Instant.now(), pid, path, argv, cwd));
    noteSetId(pid, path);
  }

  /** A set-user-ID or set-group-ID program runs unelevated under ptrace and NO_NEW_PRIVS: say so. */
  private void noteSetId(int pid, String path) {
    int mode;
    try {
      mode = (Integer) Files.getAttribute(Path.of(proc, Integer.toString(pid), "exe"), "unix:mode");
    } catch (IOException | RuntimeException e) {
      return;
    }
    if ((mode & 06000) != 0) {
      note(pid, "setuid", path + " is set-" + ((mode & 04000) != 0 ? "user" : "group")
          + "-ID: under plumbline it ran without gaining privileges (ptrace, NO_NEW_PRIVS)");
    }
  }

  // ---- seccomp stops

  /** Handles a PTRACE_EVENT_SECCOMP stop; true when the caller must resume to the syscall's exit stop. */
  boolean seccompStop(Task task) {
    int pid = task.tid;
    if (calls.syscallInfo(pid) != PTRACE_SYSCALL_INFO_SECCOMP) {
      flagOnce("info", pid, "PTRACE_GET_SYSCALL_INFO failed at a seccomp stop ("
          + Errnos.name(calls.errno()) + "; kernel 5.3 or later is needed): calls were not decoded");
      return false;
    }
    int arch = calls.infoArch();
    long nr = calls.infoNr();
    int data = calls.infoRetData();
    if (data == SeccompProgram.DATA_X32) {
      flagOnce("x32:" + image(pid), pid, image(pid) + " made x32 ABI system calls: they are not decoded");
      return false;
    }
    SyscallTable.Abi tableAbi = SyscallTable.Abi.ofAuditArch(arch);
    if (data == SeccompProgram.DATA_UNKNOWN_ARCH || tableAbi == null) {
      flagOnce("arch:" + image(pid), pid, String.format(
          "%s made system calls through an unknown ABI (arch 0x%08x): they are not decoded", image(pid), arch));
      return false;
    }
    Abi abi = switch (tableAbi) {
      case X86_64 -> Abi.X86_64;
      case I386 -> Abi.I386;
      case AARCH64 -> Abi.AARCH64;
    };
    SyscallTable call = SyscallTable.lookup(tableAbi, nr);
    if (call == null) {
      return false; // a build's own filter asked for a trace stop: not ours
    }
    long[] a = new long[6];
    for (int i = 0; i < 6; i++) {
      a[i] = calls.infoArg(i);
      if (abi.pointerSize() == 4) {
        a[i] &= 0xffffffffL;
      }
    }
    try {
      return switch (call) {
        case CONNECT -> network(task, abi, "connect", a[0], List.of(new long[] {a[1], a[2]}));
        case SENDTO -> sendto(task, abi, "sendto", a[0], a[3], a[4], a[5]);
        case SENDMSG -> sendmsg(task, abi, "sendmsg", a[0], a[1]);
        case SENDMMSG -> sendmmsg(task, abi, a[0], a[1], a[2]);
        case SOCKETCALL -> socketcall(task, abi, (int) a[0], a[1]);
        case OPEN -> open(task, AT_FDCWD, a[0], (int) a[1]);
        case CREAT -> open(task, AT_FDCWD, a[0], O_CREAT | O_TRUNC | O_WRONLY);
        case OPENAT -> open(task, (int) a[0], a[1], (int) a[2]);
        case OPENAT2 -> openat2(task, (int) a[0], a[1], a[2]);
        case RENAME -> rename(task, AT_FDCWD, a[0], AT_FDCWD, a[1]);
        case RENAMEAT, RENAMEAT2 -> rename(task, (int) a[0], a[1], (int) a[2], a[3]);
        case UNLINK -> fileChange(task, AT_FDCWD, a[0], "unlink");
        case UNLINKAT -> fileChange(task, (int) a[0], a[1], "unlink");
        case TRUNCATE, TRUNCATE64 -> fileChange(task, AT_FDCWD, a[0], "truncate");
        case IO_URING_SETUP, IO_URING_ENTER, IO_URING_REGISTER -> {
          if (call == SyscallTable.IO_URING_SETUP && gate.refusesIoUring()) {
            // egress block mode: io_uring would reach the network unseen, so it is refused like
            // container runtimes' default seccomp profiles do; programs fall back to plain syscalls
            skipSyscall(pid, -ENOSYS);
            note(pid, "io_uring", image(pid) + " was refused io_uring_setup (ENOSYS): egress block mode");
            yield false;
          }
          flagOnce("io_uring:" + image(pid), pid,
              "io_uring used by " + image(pid) + ": its operations cannot be traced");
          yield false;
        }
        case PTRACE -> ptraceAttempt(task, a[0], a[1]);
        case CLONE -> refuseUntraced(task, a[0]);
        case CLONE3 -> {
          byte[] flags = calls.readMemory(pid, a[0], 8);
          yield flags != null && flags.length == 8
              && refuseUntraced(task, ByteBuffer.wrap(flags).order(ByteOrder.LITTLE_ENDIAN).getLong());
        }
        case SECCOMP -> {
          note(pid, "seccomp", image(pid) + " installed its own seccomp filter (operation " + a[0] + ")");
          yield false;
        }
        case PRCTL -> {
          note(pid, "seccomp", image(pid) + " installed its own seccomp filter (prctl PR_SET_SECCOMP mode " + a[1] + ")");
          yield false;
        }
        default -> false;
      };
    } catch (DecodeException e) {
      log.debug("cannot decode {} of {}: {}", call, pid, e.getMessage());
      if (task.pendingNetwork != null) {
        return false;
      }
      // the kernel may still accept what we could not read: if the call succeeds, say so
      PendingNetwork pending = new PendingNetwork();
      String what = call.syscallName();
      pending.onExit = () -> {
        if (!pending.isError) {
          flagOnce("decode:" + what + ":" + image(pid), pid, image(pid) + " made a " + what
              + " call whose destination could not be decoded (" + e.getMessage() + ")");
        }
      };
      task.pendingNetwork = pending;
      return true;
    }
  }

  /** At the exit stop of a call that asked for it: fill in results and emit. */
  void exitStop(Task task) {
    PendingNetwork pending = task.pendingNetwork;
    task.pendingNetwork = null;
    if (pending == null) {
      return;
    }
    if (calls.syscallInfo(task.tid) == PTRACE_SYSCALL_INFO_EXIT) {
      pending.rval = calls.infoRval();
      pending.isError = calls.infoIsError();
      String result = pending.isError ? Errnos.name((int) -pending.rval) : "ok";
      finish(pending, result);
    } else {
      finish(pending, "unknown");
    }
  }

  /** A task ended (or vanished in an exec) while a network call of it waited for its exit stop. */
  void taskGone(Task task) {
    PendingNetwork pending = task.pendingNetwork;
    task.pendingNetwork = null;
    if (pending != null) {
      pending.isError = true;
      pending.rval = -EINTR;
      finish(pending, "unknown");
    }
  }

  private void finish(PendingNetwork pending, String result) {
    if (pending.onExit != null) {
      pending.onExit.run(); // may correct the events (see verifyPeer)
    }
    for (TraceEvent.Network n : pending.events) {
      emit.accept(new TraceEvent.Network(n.at(), n.pid(), n.syscall(), n.family(), n.protocol(), n.address(),
          n.port(), n.decision(), n.result() != null ? n.result() : result));
    }
  }

  // ---- network

  private boolean sendto(Task task, Abi abi, String name, long fd, long flags, long dest, long destLen)
      throws DecodeException {
    if (dest == 0) {
      return false; // MSG_FASTOPEN on a socket without a destination fails with EDESTADDRREQ
    }
    return network(task, abi, name, fd, List.of(new long[] {dest, destLen}));
  }

  private boolean sendmsg(Task task, Abi abi, String name, long fd, long msghdr) throws DecodeException {
    byte[] header = calls.readMemory(task.tid, msghdr, MessageHeaders.msghdrSize(abi));
    if (header == null) {
      return false;
    }
    MsgName msgName = MessageHeaders.name(header, abi);
    if (msgName.absent()) {
      return false; // a connected socket: its destination was recorded at connect
    }
    return network(task, abi, name, fd, List.of(new long[] {msgName.address(), msgName.length()}));
  }

  private boolean sendmmsg(Task task, Abi abi, long fd, long vector, long vlen) throws DecodeException {
    int n = (int) Math.min(Math.max(vlen, 0), UIO_MAXIOV);
    if (n == 0) {
      return false;
    }
    byte[] raw = calls.readMemory(task.tid, vector, n * MessageHeaders.mmsghdrSize(abi));
    if (raw == null) {
      return false;
    }
    n = Math.min(n, raw.length / MessageHeaders.mmsghdrSize(abi));
    List<long[]> names = new ArrayList<>();
    for (MsgName m : MessageHeaders.mmsgNames(raw, n, abi)) {
      if (!m.absent()) {
        names.add(new long[] {m.address(), m.length()});
      }
    }
    return !names.isEmpty() && network(task, abi, "sendmmsg", fd, names);
  }

  private boolean socketcall(Task task, Abi abi, int call, long argsPtr) throws DecodeException {
    int words = SocketCall.argWords(call);
    if (words <= 0) {
      return false;
    }
    byte[] mem = calls.readMemory(task.tid, argsPtr, words * abi.pointerSize());
    if (mem == null) {
      return false;
    }
    SocketCall sc = SocketCall.decode(call, mem, abi);
    long[] a = sc.args();
    return switch (sc.name()) {
      case "connect" -> network(task, abi, "connect", a[0], List.of(new long[] {a[1], a[2]}));
      case "sendto" -> sendto(task, abi, "sendto", a[0], a[3], a[4], a[5]);
      case "sendmsg" -> sendmsg(task, abi, "sendmsg", a[0], a[1]);
      case "sendmmsg" -> sendmmsg(task, abi, a[0], a[1], a[2]);
      default -> false;
    };
  }

  /**
   * One call with its destinations ({address, length} in tracee memory): decide, apply, and either
   * emit now (blocked) or wait for the exit stop (the result).
   */
  private boolean network(Task task, Abi abi, String syscall, long fd, List<long[]> names) throws DecodeException {
    int pid = task.tid;
    String protocol = null;
    PendingNetwork pending = new PendingNetwork();
    Decision.Block block = null;
    for (long[] name : names) {
      int len = (int) Math.min(Math.max(name[1], 0), SocketAddress.MAX_SIZE);
      byte[] raw = len < 2 ? null : calls.readMemory(pid, name[0], len);
      if (raw == null) {
        continue; // the kernel will answer EFAULT/EINVAL
      }
      if (SocketAddress.familyOf(raw) == SocketAddress.AF_UNSPEC) {
        continue; // connect(AF_UNSPEC) dissolves an association, it names no destination
      }
      SocketAddress sa = SocketAddress.decode(raw);
      if ("netlink".equals(sa.family())) {
        continue; // talks to the kernel, not to a destination
      }
      if (protocol == null) {
        protocol = protocol(task, (int) fd);
      }
      EgressGate.Attempt attempt = new EgressGate.Attempt(task.tgid, syscall, sa.family(), protocol,
          "unix".equals(sa.family()) ? null : sa.address(), sa.port() == null ? 0 : sa.port(),
          sa.abstractName() && sa.path() != null ? "@" + sa.path() : sa.path());
      Decision decision;
      try {
        decision = gate.decide(attempt);
      } catch (RuntimeException e) {
        log.warn("egress gate failed on {}: {}", sa.display(), e.toString());
        decision = enforcing ? new Decision.Block(EACCES, "egress gate failed") : new Decision.Allow();
      }
      String decided = enforcing ? "allowed" : "audited";
      if (decision instanceof Decision.Block b) {
        block = block == null ? b : block;
        decided = "blocked";
      } else if (decision instanceof Decision.Redirect r) {
        if (Redirects.rewrite(calls, pid, name[0], raw, r.to())) {
          decided = "redirected";
        } else {
          block = new Decision.Block(ENETUNREACH, "cannot redirect " + sa.display());
          decided = "blocked";
        }
      }
      String address = "unix".equals(sa.family())
          ? (sa.path() == null ? "" : sa.abstractName() ? "@" + sa.path() : sa.path())
          : sa.address();
      pending.events.add(new TraceEvent.Network(Instant.now(), task.tgid, syscall, sa.family(), protocol,
          address, sa.port(), decided, null));
    }
    if (pending.events.isEmpty()) {
      return false;
    }
    if (names.size() == 1 && syscall.equals("connect") && pending.events.size() == 1
        && !"redirected".equals(pending.events.get(0).decision())) {
      TraceEvent.Network checked = pending.events.get(0);
      if ("inet".equals(checked.family()) || "inet6".equals(checked.family())) {
        pending.onExit = () -> verifyPeer(task, (int) fd, checked, pending);
      }
    }
    if (block != null) {
      skipSyscall(pid, -Math.abs(block.errno()));
      pending.isError = true;
      finish(pending, "blocked");
      return false;
    }
    task.pendingNetwork = pending;
    return true;
  }

  private static final int ENETUNREACH = 101;

  /**
   * Another thread of the tracee can rewrite a sockaddr between our read at the seccomp stop and
   * the kernel's copy (a time-of-check race no ptrace tracer can close). After a connect that
   * completed, the socket's real peer is compared with what was checked; a difference is
   * recorded, decided again, and in block mode a refused peer's socket is shut down at once.
   */
  private void verifyPeer(Task task, int fd, TraceEvent.Network checked, PendingNetwork pending) {
    if (pending.isError) {
      return; // not connected (yet): nothing reached a peer through this call
    }
    byte[] raw = calls.peerName(task.tid, task.tgid, fd, false);
    if (raw == null) {
      return;
    }
    SocketAddress peer;
    try {
      peer = SocketAddress.decode(raw);
    } catch (DecodeException e) {
      return;
    }
    if (sameEndpoint(peer, checked)) {
      return;
    }
    flagOnce("race:" + image(task.tid), task.tid, image(task.tid)
        + " changed a connect destination while it was being checked (another thread rewrote it)");
    String decided = enforcing ? "allowed" : "audited";
    String result = null; // the call's own result
    Decision decision;
    try {
      decision = gate.decide(new EgressGate.Attempt(task.tgid, "connect", peer.family(), checked.protocol(),
          peer.address(), peer.port() == null ? 0 : peer.port(), null));
    } catch (RuntimeException e) {
      decision = enforcing ? new Decision.Block(EACCES, "egress gate failed") : new Decision.Allow();
    }
    if (decision instanceof Decision.Block || decision instanceof Decision.Redirect) {
      calls.peerName(task.tid, task.tgid, fd, true);
      decided = "blocked";
      result = "shut down";
    }
    // the record shows where the call went, not what was checked
    pending.events.set(0, new TraceEvent.Network(checked.at(), task.tgid, "connect", peer.family(),
        checked.protocol(), peer.address(), peer.port(), decided, result));
  }

  private static boolean sameEndpoint(SocketAddress peer, TraceEvent.Network checked) {
    String a = peer.mappedIpv4() != null ? peer.mappedIpv4() : peer.address();
    String b = checked.address();
    if (b != null && b.startsWith("::ffff:") && b.indexOf('.') > 0) {
      b = b.substring("::ffff:".length());
    }
    return java.util.Objects.equals(a, b) && java.util.Objects.equals(peer.port(), checked.port());
  }
  private static final int ENOSYS = 38;

  /** Makes the kernel skip the call and return {@code result} (-errno). */
  private void skipSyscall(int pid, long result) {
    if (!Linux.isX8664() || calls.getRegs(pid) < 0) {
      flagOnce("block:" + image(pid), pid, "could not block a network call of " + image(pid));
      return;
    }
    calls.setReg(X8664Reg.ORIG_RAX, -1);
    calls.setReg(X8664Reg.RAX, result);
    if (calls.setRegs(pid) < 0) {
      flagOnce("block:" + image(pid), pid, "could not block a network call of " + image(pid));
    }
  }

  /**
   * tcp, udp, raw, unix-stream, unix-dgram... of the tracee's socket, through pidfd_getfd; "unknown"
   * when the descriptor cannot be had (the gate then fails closed).
   */
  private String protocol(Task task, int fd) {
    int[] kind = calls.socketKind(task.tid, task.tgid, fd);
    if (kind == null) {
      return "unknown";
    }
    return Protocols.name(kind[0], kind[1], kind[2]);
  }

  // ---- files

  private boolean open(Task task, int dirfd, long pathPtr, int flags) {
    if ((flags & (O_WRONLY | O_RDWR | O_CREAT | O_TRUNC)) == 0) {
      return false;
    }
    Path target = resolve(task, dirfd, pathPtr);
    if (target == null) {
      return false;
    }
    String op;
    if ((flags & O_TRUNC) != 0 && Files.exists(target)) {
      op = "truncate";
    } else if ((flags & O_CREAT) != 0 && !Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
      op = "create";
    } else {
      op = "write";
    }
    emit.accept(new TraceEvent.FileChanged(Instant.now(), task.tgid, target.toString(), op));
    return false;
  }

  private boolean openat2(Task task, int dirfd, long pathPtr, long howPtr) {
    byte[] how = calls.readMemory(task.tid, howPtr, 8);
    if (how == null || how.length < 8) {
      return false;
    }
    long flags = ByteBuffer.wrap(how).order(ByteOrder.LITTLE_ENDIAN).getLong();
    return open(task, dirfd, pathPtr, (int) flags);
  }

  private boolean rename(Task task, int fromDir, long from, int toDir, long to) {
    fileChange(task, fromDir, from, "rename-from");
    fileChange(task, toDir, to, "rename-to");
    return false;
  }

  private boolean fileChange(Task task, int dirfd, long pathPtr, String op) {
    Path target = resolve(task, dirfd, pathPtr);
    if (target != null) {
      emit.accept(new TraceEvent.FileChanged(Instant.now(), task.tgid, target.toString(), op));
    }
    return false;
  }

  /**
   * The absolute, symlink-resolved path a call names, when it lies under the working directory;
   * null otherwise. Resolution follows symlinks so a link from /tmp into the sources is caught.
   */
  private Path resolve(Task task, int dirfd, long pathPtr) {
    String p = calls.readString(task.tid, pathPtr, 4096);
    if (p == null || p.isEmpty()) {
      return null;
    }
    Path path;
    if (p.startsWith("/")) {
      path = Path.of(p);
    } else {
      String base = dirfd == AT_FDCWD
          ? calls.readlink(proc + "/" + task.tid + "/cwd")
          : calls.readlink(proc + "/" + task.tid + "/fd/" + dirfd);
      if (base == null || !base.startsWith("/")) {
        return null;
      }
      path = Path.of(base).resolve(p);
    }
    path = path.normalize();
    Path real = realPath(path);
    return real.startsWith(workdir) ? real : null;
  }

  private static Path realPath(Path path) {
    try {
      return path.toRealPath();
    } catch (IOException | RuntimeException e) {
      Path parent = path.getParent();
      if (parent == null || path.getFileName() == null) {
        return path;
      }
      try {
        return parent.toRealPath().resolve(path.getFileName());
      } catch (IOException | RuntimeException e2) {
        return path;
      }
    }
  }

  // ---- clone(CLONE_UNTRACED)

  /** A child made with CLONE_UNTRACED would not be traced: refuse the call with EPERM. */
  private boolean refuseUntraced(Task task, long flags) {
    if ((flags & SeccompProgram.CLONE_UNTRACED) != 0) {
      skipSyscall(task.tid, -EPERM);
      note(task.tid, "clone", image(task.tid) + " (pid " + task.tgid
          + ") asked for an untraced child (CLONE_UNTRACED): refused with EPERM");
    }
    return false;
  }

  // ---- ptrace by the build

  private boolean ptraceAttempt(Task task, long request, long target) {
    String what = switch ((int) request) {
      case PTRACE_TRACEME -> "PTRACE_TRACEME";
      case PTRACE_ATTACH -> "PTRACE_ATTACH"; // no pids in notes: the record aggregates them by text
      case PTRACE_SEIZE -> "PTRACE_SEIZE";
      default -> null;
    };
    if (what == null) {
      return false; // requests on a tracee it could never have attached
    }
    PendingNetwork pending = new PendingNetwork();
    pending.onExit = () -> {
      if (pending.isError || pending.rval < 0) {
        note(task.tid, "ptrace", image(task.tid) + " tried " + what + ": refused ("
            + Errnos.name((int) -pending.rval) + "), a process has one tracer and plumbline is it");
      } else {
        flagOnce("ptrace:" + image(task.tid), task.tid, image(task.tid) + " attached to a process outside"
            + " the traced tree with " + what.replaceAll(" (to|of) \\d+", "") + ": that process is not traced");
      }
    };
    pending.rval = -1;
    task.pendingNetwork = pending;
    return true;
  }

  // ---- helpers

  /** The executable a task runs, for reasons that must not carry pids (records of one build compare equal). */
  private String image(int pid) {
    String exe = calls.readlink(proc + "/" + pid + "/exe");
    return exe == null ? "a process" : exe;
  }

  private void note(int pid, String kind, String detail) {
    emit.accept(new TraceEvent.Note(Instant.now(), pid, kind, detail));
  }

  private void flagOnce(String key, int pid, String reason) {
    if (flagged.add(key)) {
      emit.accept(new TraceEvent.Incomplete(Instant.now(), pid, reason));
    }
  }
}
