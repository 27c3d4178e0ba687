package dev.plumbline.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** Layouts against the kernel headers (sys/user.h, linux/ptrace.h). */
class StructsTest {
  @Test
  void userRegsOfX8664Is216BytesWithTheHeaderOffsets() {
    Structs.UserRegsX8664 regs = new Structs.UserRegsX8664();
    assertEquals(216, regs.size());
    assertEquals(80, Structs.UserRegsX8664.offsetOf("rax"));
    assertEquals(104, Structs.UserRegsX8664.offsetOf("rsi"));
    assertEquals(112, Structs.UserRegsX8664.offsetOf("rdi"));
    assertEquals(120, Structs.UserRegsX8664.offsetOf("orig_rax"));
    assertEquals(128, Structs.UserRegsX8664.offsetOf("rip"));
    assertEquals(152, Structs.UserRegsX8664.offsetOf("rsp"));
  }

  @Test
  void ptraceSyscallInfoMatchesTheKernelLayout() {
    assertEquals(88, new Structs.PtraceSyscallInfo().size());
    assertEquals(4, Structs.PtraceSyscallInfo.offsetOf("arch"));
    assertEquals(8, Structs.PtraceSyscallInfo.offsetOf("instruction_pointer"));
    assertEquals(16, Structs.PtraceSyscallInfo.offsetOf("stack_pointer"));
    assertEquals(24, Structs.PtraceSyscallInfo.offsetOf("nr"));
    assertEquals(32, Structs.PtraceSyscallInfo.offsetOf("args"));
    assertEquals(80, Structs.PtraceSyscallInfo.offsetOf("ret_data"));
  }

  @Test
  void waitStatusDecoding() {
    assertEquals(true, Ptrace.exited(3 << 8));
    assertEquals(3, Ptrace.exitCode(3 << 8));
    assertEquals(true, Ptrace.signaled(9));
    assertEquals(9, Ptrace.termSignal(9));
    int seccompStop = 0x7f | (Ptrace.SIGTRAP << 8) | (Ptrace.PTRACE_EVENT_SECCOMP << 16);
    assertEquals(true, Ptrace.stopped(seccompStop));
    assertEquals(false, Ptrace.signaled(seccompStop));
    assertEquals(Ptrace.PTRACE_EVENT_SECCOMP, Ptrace.event(seccompStop));
    assertEquals(Ptrace.SIGTRAP, Ptrace.stopSignal(seccompStop));
  }
}
