package dev.plumbline.trace.ptrace;

import static dev.plumbline.linux.Errno.*;
import static dev.plumbline.linux.Ptrace.*;

import dev.plumbline.linux.Errno;
import dev.plumbline.linux.Linux;
import dev.plumbline.linux.TracerCalls;
import dev.plumbline.linux.TracerCalls.X8664Reg;
import dev.plumbline.trace.decode.Abi;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Installs the seccomp filter inside the seized, stopped shell (approach A of ptrace.md): the shell
 * is stopped right after its {@code kill} syscall, so the two bytes before its instruction pointer
 * are a {@code syscall} instruction. Pointing the registers at it makes the shell itself call
 * prctl(PR_SET_NO_NEW_PRIVS) (unless it is privileged) and seccomp(SECCOMP_SET_MODE_FILTER); then
 * its registers are put back. The same trick switches a root shell to the build user. The filter is inherited by everything the build starts, and no JVM thread carries it.
 */
final class FilterInjector {
  /** Prefix of a failure that means ptrace or process_vm_* is refused: the run must stop. */
  static final String NOT_PERMITTED = "not-permitted:";

  private final TracerCalls calls;

  FilterInjector(TracerCalls calls) {
    this.calls = calls;
  }

  /**
   * x86_64 numbers (syscall_64.tbl) of the calls that switch the shell to the build user: not
   * traced, so not rows of {@link SyscallTable}; injection is x86_64 only.
   */
  private static final long X8664_SETGROUPS = 116;
  private static final long X8664_SETRESUID = 117;
  private static final long X8664_SETRESGID = 119;

  /** Whether the last {@link #inject} set NO_NEW_PRIVS (then setuid programs in the build cannot elevate). */
  private boolean noNewPrivs;

  boolean noNewPrivs() {
    return noNewPrivs;
  }

  /** Null on success, else why it failed. The task is left stopped in a ptrace-stop either way. */
  String inject(int pid) {
    return inject(pid, false);
  }

  /**
   * As {@link #inject(int)}. {@code privileged}: the shell runs as root, so it may install the
   * filter without NO_NEW_PRIVS (seccomp(2) needs CAP_SYS_ADMIN for that) and setuid programs of the
   * build keep working; when that is refused (a container without CAP_SYS_ADMIN), NO_NEW_PRIVS is
   * set as for an unprivileged agent.
   */
  String inject(int pid, boolean privileged) {
    noNewPrivs = false;
    if (!Linux.isX8664()) {
      return "filter injection is implemented for x86_64 only";
    }
    if (calls.getRegs(pid) < 0) {
      return "PTRACE_GETREGS: " + Errno.name(calls.errno());
    }
    calls.saveRegs();
    long rip = calls.reg(X8664Reg.RIP);
    long rsp = calls.reg(X8664Reg.RSP);
    byte[] insn = calls.readMemory(pid, rip - 2, 2);
    if (insn == null) {
      int errno = calls.errno();
      if (errno == EPERM || errno == ENOSYS) {
        return NOT_PERMITTED + "tracing is not permitted here: process_vm_readv failed with "
            + Errno.name(errno) + " (a seccomp profile denies process_vm_readv/writev)";
      }
      return "cannot read the shell's code: " + Errno.name(errno);
    }
    if (insn.length != 2 || insn[0] != 0x0f || insn[1] != 0x05) {
      return "the shell is not stopped after a syscall instruction";
    }
    long syscallInsn = rip - 2;

    byte[] program = SeccompProgram.bytes();
    // below the red zone of the interrupted code: sock_fprog, then the instructions
    long base = (rsp - 128 - program.length - 16) & ~15L;
    ByteBuffer mem = ByteBuffer.allocate(16 + program.length).order(ByteOrder.LITTLE_ENDIAN);
    mem.putShort((short) (program.length / 8)).putShort((short) 0).putInt(0).putLong(base + 16).put(program);
    if (calls.writeMemory(pid, base, mem.array()) != mem.capacity()) {
      int errno = calls.errno();
      restore(pid);
      if (errno == EPERM || errno == ENOSYS) {
        return NOT_PERMITTED + "tracing is not permitted here: process_vm_writev failed with "
            + Errno.name(errno) + " (a seccomp profile denies process_vm_readv/writev)";
      }
      return "cannot write the filter into the shell: " + Errno.name(errno);
    }
    long seccompNr = SyscallTable.SECCOMP.number(Abi.X86_64);
    long rc = privileged ? call(pid, syscallInsn, seccompNr, SECCOMP_SET_MODE_FILTER, 0, base, 0, 0) : -EACCES;
    if (rc == -EACCES) {
      // unprivileged (or root without CAP_SYS_ADMIN): the kernel wants NO_NEW_PRIVS first
      rc = call(pid, syscallInsn, SyscallTable.PRCTL.number(Abi.X86_64), PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
      if (rc != 0) {
        restore(pid);
        return "prctl(PR_SET_NO_NEW_PRIVS) returned " + rc;
      }
      noNewPrivs = true;
      rc = call(pid, syscallInsn, seccompNr, SECCOMP_SET_MODE_FILTER, 0, base, 0, 0);
    }
    restore(pid);
    if (rc != 0) {
      int errno = (int) -rc;
      if (errno == ENOSYS || errno == EPERM || errno == EACCES) {
        return NOT_PERMITTED + "tracing is not permitted here: seccomp(SECCOMP_SET_MODE_FILTER) failed with "
            + Errno.name(errno);
      }
      return "seccomp(SECCOMP_SET_MODE_FILTER) failed with " + Errno.name(errno);
    }
    return null;
  }

  /**
   * Makes the stopped root shell (after {@link #inject}) take the build user's groups, gid and uid
   * — setgroups, setresgid, setresuid, in the order that keeps the right to do the next — so it
   * runs nothing of the build with the agent's ids. Null on success, else why it failed.
   */
  String becomeUser(int pid, int uid, int gid, java.util.List<Integer> groups) {
    if (!Linux.isX8664()) {
      return "running the build as another user is implemented for x86_64 only";
    }
    if (calls.getRegs(pid) < 0) {
      return "PTRACE_GETREGS: " + Errno.name(calls.errno());
    }
    calls.saveRegs();
    long syscallInsn = calls.reg(X8664Reg.RIP) - 2;
    long base = (calls.reg(X8664Reg.RSP) - 128 - 4L * groups.size() - 16) & ~15L;
    ByteBuffer list = ByteBuffer.allocate(Math.max(4, 4 * groups.size())).order(ByteOrder.LITTLE_ENDIAN);
    groups.forEach(list::putInt);
    if (calls.writeMemory(pid, base, list.array()) != list.capacity()) {
      String reason = "cannot write the group list into the shell: " + Errno.name(calls.errno());
      restore(pid);
      return reason;
    }
    long[][] steps = {
      {X8664_SETGROUPS, groups.size(), base, 0},
      {X8664_SETRESGID, gid, gid, gid},
      {X8664_SETRESUID, uid, uid, uid},
    };
    String[] names = {"setgroups", "setresgid", "setresuid"};
    for (int i = 0; i < steps.length; i++) {
      long rc = call(pid, syscallInsn, steps[i][0], steps[i][1], steps[i][2], steps[i][3], 0, 0);
      if (rc != 0) {
        restore(pid);
        return names[i] + " failed with " + Errno.name((int) -rc);
      }
    }
    restore(pid);
    return null;
  }

  /** Puts the shell's own registers back; orig_rax -1 keeps the kernel from restarting anything. */
  private void restore(int pid) {
    calls.restoreRegs();
    calls.setReg(X8664Reg.ORIG_RAX, -1);
    calls.setRegs(pid);
  }

  /** Runs one syscall in the tracee and returns its raw result (-errno on failure). */
  private long call(int pid, long syscallInsn, long nr, long a1, long a2, long a3, long a4, long a5) {
    calls.restoreRegs();
    calls.setReg(X8664Reg.RIP, syscallInsn);
    calls.setReg(X8664Reg.ORIG_RAX, -1);
    calls.setReg(X8664Reg.RAX, nr);
    calls.setReg(X8664Reg.RDI, a1);
    calls.setReg(X8664Reg.RSI, a2);
    calls.setReg(X8664Reg.RDX, a3);
    calls.setReg(X8664Reg.R10, a4);
    calls.setReg(X8664Reg.R8, a5);
    if (calls.setRegs(pid) < 0) {
      return -calls.errno();
    }
    for (int stop = 0; stop < 2; stop++) { // syscall-enter-stop, then syscall-exit-stop
      if (!stepToSyscallStop(pid)) {
        return -EINTR;
      }
    }
    if (calls.getRegs(pid) < 0) {
      return -calls.errno();
    }
    return calls.reg(X8664Reg.RAX);
  }

  /** PTRACE_SYSCALL until the next syscall stop; signals arriving meanwhile are re-sent afterwards. */
  private boolean stepToSyscallStop(int pid) {
    int pending = 0;
    for (int tries = 0; tries < 16; tries++) {
      if (calls.syscall(pid, 0) < 0 || calls.waitpid(pid, WALL) != pid) {
        return false;
      }
      int status = calls.status();
      if (!stopped(status)) {
        return false;
      }
      if (stopSignal(status) == (SIGTRAP | 0x80)) {
        if (pending != 0) {
          Linux.kill(pid, pending);
        }
        return true;
      }
      if (event(status) == 0 && stopSignal(status) != SIGTRAP) {
        pending = stopSignal(status);
      }
    }
    return false;
  }
}
