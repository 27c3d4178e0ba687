package dev.plumbline.trace.ptrace;

import dev.plumbline.trace.decode.Abi;
import dev.plumbline.trace.ptrace.PtraceTracer.Task;

/**
 * One system call at its seccomp stop: who made it, through which ABI, and its six arguments
 * (already cut to 32 bits for a 32-bit ABI). For an i386 socketcall the handler of the real call
 * gets a Call with the arguments decoded from memory, and {@code direct} false: those arguments
 * stay in memory another thread can rewrite, so such a call is never left to run after the check.
 */
record Call(Task task, Abi abi, SyscallTable syscall, long[] args, boolean direct) {
  long arg(int i) {
    return args[i];
  }

  /** Argument {@code i} as a C int (a descriptor, dirfd or flags word). */
  int intArg(int i) {
    return (int) args[i];
  }

  int tid() {
    return task.tid;
  }

  int tgid() {
    return task.tgid;
  }

  String name() {
    return syscall.syscallName();
  }
}
