package dev.plumbline.trace.ptrace;

import static dev.plumbline.linux.Ptrace.CLONE_THREAD;

import dev.plumbline.linux.Linux;
import dev.plumbline.linux.TracerCalls;
import dev.plumbline.linux.TracerCalls.X8664Reg;
import dev.plumbline.trace.decode.Abi;

/**
 * Whether a PTRACE_EVENT_CLONE made a thread: read from the parent's registers at the event (clone
 * flags in rdi; clone3's struct clone_args starts with them), /proc as the fallback.
 */
final class CloneFlags {
  private CloneFlags() {}

  static boolean isThread(TracerCalls calls, String proc, int parent, int child) {
    if (Linux.isX8664() && calls.getRegs(parent) >= 0) {
      long nr = calls.reg(X8664Reg.ORIG_RAX);
      if (nr == SyscallTable.CLONE.number(Abi.X86_64)) {
        return (calls.reg(X8664Reg.RDI) & CLONE_THREAD) != 0;
      }
      if (nr == SyscallTable.CLONE3.number(Abi.X86_64)) {
        byte[] args = calls.readMemory(parent, calls.reg(X8664Reg.RDI), 8);
        if (args != null && args.length == 8) {
          long flags = java.nio.ByteBuffer.wrap(args).order(java.nio.ByteOrder.LITTLE_ENDIAN).getLong();
          return (flags & CLONE_THREAD) != 0;
        }
      }
    }
    int[] ids = ProcStatus.tgidAndPpid(calls, proc, child);
    return ids[0] > 0 && ids[0] != child;
  }
}
