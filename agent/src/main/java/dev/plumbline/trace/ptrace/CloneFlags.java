package dev.plumbline.trace.ptrace;

import static dev.plumbline.linux.Ptrace.CLONE_THREAD;

import dev.plumbline.linux.Linux;
import dev.plumbline.linux.TracerCalls;
import dev.plumbline.linux.TracerCalls.X8664Reg;
import dev.plumbline.trace.decode.Abi;

/**
 * Whether a PTRACE_EVENT_CLONE made a thread: read from the parent's registers at the event (clone
 * flags in rdi; clone3 never runs, the filter fails it with ENOSYS), /proc as the fallback.
 */
final class CloneFlags {
  private CloneFlags() {}

  static boolean isThread(TracerCalls calls, String proc, int parent, int child) {
    if (Linux.isX8664() && calls.getRegs(parent) >= 0) {
      long nr = calls.reg(X8664Reg.ORIG_RAX);
      if (nr == SyscallTable.CLONE.number(Abi.X86_64)) {
        return (calls.reg(X8664Reg.RDI) & CLONE_THREAD) != 0;
      }
    }
    int[] ids = ProcStatus.tgidAndPpid(calls, proc, child);
    return ids[0] > 0 && ids[0] != child;
  }
}
