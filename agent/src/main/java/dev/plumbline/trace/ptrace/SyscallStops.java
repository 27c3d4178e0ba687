package dev.plumbline.trace.ptrace;

import static dev.plumbline.linux.Errno.EACCES;
import static dev.plumbline.linux.Errno.EINTR;
import static dev.plumbline.linux.Ptrace.PTRACE_SYSCALL_INFO_EXIT;
import static dev.plumbline.linux.Ptrace.PTRACE_SYSCALL_INFO_SECCOMP;

import dev.plumbline.linux.Errno;
import dev.plumbline.linux.TracerCalls;
import dev.plumbline.trace.EgressGate;
import dev.plumbline.trace.TraceEvent;
import dev.plumbline.trace.Tracer.Request;
import dev.plumbline.trace.decode.Abi;
import dev.plumbline.trace.decode.DecodeException;
import dev.plumbline.trace.decode.SocketCall;
import dev.plumbline.trace.ptrace.PtraceTracer.Task;
import java.nio.file.Path;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The stops the seccomp filter and the exec option produce: decodes the call from
 * PTRACE_GET_SYSCALL_INFO, finds its {@link SyscallTable} row and runs the row's handler (network,
 * file or process), and finishes calls at their exit stops. Runs on the tracer thread; every path
 * is a few system calls, never I/O.
 */
final class SyscallStops {
  private static final Logger log = LoggerFactory.getLogger(SyscallStops.class);

  private final TracerCalls calls;
  private final Reporter out;
  final NetworkStops network;
  final FileStops files;
  final ProcessStops process;
  final LibraryStops libraries;

  SyscallStops(TracerCalls calls, String proc, Request request, Consumer<TraceEvent> emit) {
    this.calls = calls;
    this.out = new Reporter(calls, proc, emit);
    EgressGate gate = request.egress() != null ? request.egress() : EgressGate.auditAll();
    this.network = new NetworkStops(calls, proc, out, gate, request.enforcing());
    this.files = new FileStops(calls, proc, out, request.cwd() != null ? request.cwd() : Path.of("").toAbsolutePath());
    this.process = new ProcessStops(calls, proc, out, gate);
    this.libraries = new LibraryStops(calls, proc, out);
  }

  void exec(Task task) {
    ProcessStops.Execed execed = process.exec(task);
    libraries.exec(task.tid, execed.exe(), execed.ownView());
  }

  /** Whether the build has NO_NEW_PRIVS (always, unless a root agent installed the filter without it). */
  void noNewPrivs(boolean set) {
    process.noNewPrivs(set);
  }

  /** Handles a PTRACE_EVENT_SECCOMP stop; true when the caller must resume to the syscall's exit stop. */
  boolean seccompStop(Task task) {
    int pid = task.tid;
    if (calls.syscallInfo(pid) != PTRACE_SYSCALL_INFO_SECCOMP) {
      out.flagOnce("info", pid, "PTRACE_GET_SYSCALL_INFO failed at a seccomp stop ("
          + Errno.name(calls.errno()) + "; kernel 5.3 or later is needed): calls were not decoded");
      return false;
    }
    int arch = calls.infoArch();
    long nr = calls.infoNr();
    // what the stop is, is read from the call itself, never from SECCOMP_RET_DATA: a build's own
    // filter returning SECCOMP_RET_TRACE is newer than ours, and the kernel keeps the newest
    // filter's data, so the build chooses it (an x32 or unknown-arch mark would let a call by)
    if (arch == Abi.X86_64.auditArch && (nr & Abi.X32_SYSCALL_BIT) != 0) {
      String image = out.image(pid);
      out.flagOnce("x32:" + image, pid, image + " made x32 ABI system calls: they are not decoded");
      return false;
    }
    Abi abi = Abi.ofAuditArch(arch);
    if (abi == null) {
      String image = out.image(pid);
      out.flagOnce("arch:" + image, pid, String.format(
          "%s made system calls through an unknown ABI (arch 0x%08x): they are not decoded", image, arch));
      return false;
    }
    SyscallTable row = SyscallTable.lookup(abi, nr);
    if (row == null) {
      return false; // a build's own filter asked for a trace stop: not ours
    }
    long[] args = new long[6];
    for (int i = 0; i < 6; i++) {
      args[i] = calls.infoArg(i);
      if (abi.pointerSize() == 4) {
        args[i] &= 0xffffffffL;
      }
    }
    return handle(new Call(task, abi, row, args, true));
  }

  private boolean handle(Call call) {
    calls.takeAccessRefused(); // what an earlier stop left
    boolean stopAtExit = dispatch(call);
    return calls.takeAccessRefused() ? memoryClosed(call, stopAtExit) : stopAtExit;
  }

  /**
   * The task's memory or /proc files were closed to the tracer at this stop: it is undumpable to a
   * tracer that is not root (it ran a program it may not read, or changed its ids; prctl is
   * refused), so what the call points at was not seen and its handler may have taken it for a call
   * that names nothing (an mmap of a descriptor whose /proc/TID/fd/N link is refused was taken for
   * one of a closed descriptor: the kernel fails that with EBADF).
   * A network call is refused in block mode, since nothing it names was judged; otherwise the record
   * is incomplete.
   */
  private boolean memoryClosed(Call call, boolean stopAtExit) {
    int pid = call.tid();
    String image = out.image(pid);
    if (network.enforcing() && !stopAtExit && NetworkStops.judges(call.syscall())) {
      out.refuse(pid, EACCES, call.name());
      out.note(call.tgid(), "egress-refused", image + " made a " + call.name() + " whose arguments the tracer could"
          + " not read (its memory is closed to the tracer: an undumpable process): refused in block mode (EACCES)");
      return false;
    }
    out.flagOnce("memory:" + image, pid, image + "'s memory is closed to the tracer (an undumpable process: a"
        + " program it may not read, or ids it changed): what its " + call.name() + " named is missing from the record");
    return stopAtExit;
  }

  private boolean dispatch(Call call) {
    try {
      return call.syscall().handler.handle(this, call);
    } catch (DecodeException e) {
      log.debug("cannot decode {} of {}: {}", call.name(), call.tid(), e.getMessage());
      Task task = call.task();
      if (task.pendingExit != null) {
        return false;
      }
      // the kernel may still accept what we could not read: if the call succeeds, say so
      PendingExit pending = new PendingExit();
      String what = call.name();
      int pid = call.tid();
      pending.onExit = () -> {
        if (!pending.isError) {
          String image = out.image(pid);
          out.flagOnce("decode:" + what + ":" + image, pid, image + " made a " + what
              + " call whose destination could not be decoded (" + e.getMessage() + ")");
        }
      };
      task.pendingExit = pending;
      return true;
    }
  }

  /** i386 socketcall(call, args): the real call's arguments are words in memory; its own row handles it. */
  boolean socketcall(Call call) throws DecodeException {
    int words = SocketCall.argWords((int) call.arg(0));
    if (words <= 0) {
      return false;
    }
    byte[] mem = calls.readMemory(call.tid(), call.arg(1), words * call.abi().pointerSize());
    if (mem == null) {
      return false;
    }
    SocketCall sc = SocketCall.decode((int) call.arg(0), mem, call.abi());
    SyscallTable real = SyscallTable.named(sc.name());
    long[] args = new long[6];
    System.arraycopy(sc.args(), 0, args, 0, sc.args().length);
    return real != null && real.handler.handle(this, new Call(call.task(), call.abi(), real, args, false));
  }

  /** At the exit stop of a call that asked for it: fill in results and emit. */
  void exitStop(Task task) {
    PendingExit pending = task.pendingExit;
    task.pendingExit = null;
    if (pending == null) {
      return;
    }
    if (calls.syscallInfo(task.tid) == PTRACE_SYSCALL_INFO_EXIT) {
      pending.rval = calls.infoRval();
      pending.isError = calls.infoIsError();
      pending.finish(out, pending.isError ? Errno.name((int) -pending.rval) : "ok");
    } else {
      pending.finish(out, "unknown");
    }
  }

  /** A task ended (or vanished in an exec) while a call of it waited for its exit stop. */
  void taskGone(Task task) {
    PendingExit pending = task.pendingExit;
    task.pendingExit = null;
    if (pending != null) {
      pending.isError = true;
      pending.rval = -EINTR;
      pending.finish(out, "unknown");
    }
  }
}
