package dev.plumbline.trace.ptrace;

import static dev.plumbline.trace.ptrace.SeccompProgram.RET_ALLOW;
import static dev.plumbline.trace.ptrace.SeccompProgram.RET_TRACE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.plumbline.trace.ptrace.SeccompProgram.Instruction;
import dev.plumbline.linux.Errno;
import dev.plumbline.linux.Ptrace;
import dev.plumbline.trace.decode.Abi;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Runs the filter in a small classic-BPF interpreter on sample seccomp_data. */
class SeccompProgramTest {
  private static final List<Instruction> PROGRAM = SeccompProgram.instructions();
  private static final int TRACE = RET_TRACE | SeccompProgram.DATA_CALL;

  /** struct seccomp_data as the kernel fills it. */
  record Data(int nr, int arch, long... args) {
    int word(int offset) {
      if (offset == 0) {
        return nr;
      }
      if (offset == 4) {
        return arch;
      }
      int i = (offset - 16) / 8;
      long arg = i < args.length ? args[i] : 0;
      return (offset - 16) % 8 == 0 ? (int) arg : (int) (arg >>> 32);
    }
  }

  /** The subset of classic BPF the kernel's seccomp checker accepts and the program uses. */
  static int run(List<Instruction> program, Data data) {
    int a = 0;
    int pc = 0;
    for (int steps = 0; steps < 10_000; steps++) {
      Instruction i = program.get(pc);
      switch (i.code()) {
        case SeccompProgram.LD_W_ABS -> { a = data.word(i.k()); pc++; }
        case SeccompProgram.JMP_JEQ_K -> pc += 1 + (a == i.k() ? i.jt() : i.jf());
        case SeccompProgram.JMP_JSET_K -> pc += 1 + ((a & i.k()) != 0 ? i.jt() : i.jf());
        case SeccompProgram.JMP_JA -> pc += 1 + i.k();
        case SeccompProgram.RET_K -> { return i.k(); }
        default -> throw new AssertionError("unexpected opcode " + i.code());
      }
    }
    throw new AssertionError("no return");
  }

  static int x64(SyscallTable s, long... args) {
    return run(PROGRAM, new Data(s.number(Abi.X86_64), Abi.X86_64.auditArch, args));
  }

  @Test
  void networkCallsStopOtherCallsRun() {
    assertEquals(TRACE, x64(SyscallTable.CONNECT, 3, 0x7ffd0000L, 16));
    assertEquals(TRACE, x64(SyscallTable.SENDMSG));
    assertEquals(TRACE, x64(SyscallTable.SENDMMSG));
    assertEquals(RET_ALLOW, run(PROGRAM, new Data(0 /* read */, Abi.X86_64.auditArch)));
    assertEquals(RET_ALLOW, run(PROGRAM, new Data(59 /* execve */, Abi.X86_64.auditArch)));
    assertEquals(RET_ALLOW, run(PROGRAM, new Data(41 /* socket */, Abi.X86_64.auditArch, 2, 1, 0)));
  }

  @Test
  void socketStopsOnlyForKindsTheTracerDoesNotFollow() {
    // followed: unix, netlink, and IP sockets of TCP, UDP, UDP-Lite, ICMP(v6), MPTCP (with flags on the type)
    for (long[] a : new long[][] {{1, 1, 0}, {1, 0x80802, 0}, {16, 3, 0}, {2, 1, 0}, {10, 2, 17}, {2, 0x801, 6},
        {2, 2, 1}, {10, 2, 58}, {2, 2, 136}, {2, 1, 262}, {10, 3, 58}}) {
      assertEquals(RET_ALLOW, x64(SyscallTable.SOCKET, a), java.util.Arrays.toString(a));
    }
    // stops: other families, SCTP, IPPROTO_RAW, protocols the tracer does not know (decided at the stop)
    for (long[] a : new long[][] {{40, 1, 0}, {17, 3, 0x0008}, {30, 4, 0}, {44, 3, 0}, {2, 1, 132}, {10, 5, 132},
        {2, 3, 255}, {2, 1, 256}, {0, 1, 0}}) {
      assertEquals(TRACE, x64(SyscallTable.SOCKET, a), java.util.Arrays.toString(a));
    }
  }

  @Test
  void setsockoptStopsForOptionsThatRouteElsewhere() {
    assertEquals(TRACE, x64(SyscallTable.SETSOCKOPT, 3, 0 /* SOL_IP */, 4 /* IP_OPTIONS */, 0x1000, 8));
    assertEquals(TRACE, x64(SyscallTable.SETSOCKOPT, 3, 0, 3 /* IP_HDRINCL */, 0x1000, 4));
    assertEquals(TRACE, x64(SyscallTable.SETSOCKOPT, 3, 41 /* SOL_IPV6 */, 57 /* IPV6_RTHDR */, 0x1000, 40));
    assertEquals(TRACE, x64(SyscallTable.SETSOCKOPT, 3, 41, 6 /* IPV6_2292PKTOPTIONS */, 0x1000, 40));
    assertEquals(TRACE, x64(SyscallTable.SETSOCKOPT, 3, 132 /* SOL_SCTP */, 110 /* CONNECTX */, 0x1000, 16));
    assertEquals(RET_ALLOW, x64(SyscallTable.SETSOCKOPT, 3, 1 /* SOL_SOCKET */, 4 /* SO_REUSEADDR */, 0x1000, 4));
    assertEquals(RET_ALLOW, x64(SyscallTable.SETSOCKOPT, 3, 6 /* SOL_TCP */, 1 /* TCP_NODELAY */, 0x1000, 4));
    assertEquals(RET_ALLOW, x64(SyscallTable.SETSOCKOPT, 3, 0, 1 /* IP_TOS */, 0x1000, 4));
    assertEquals(RET_ALLOW, x64(SyscallTable.SETSOCKOPT, 3, 41, 26 /* IPV6_V6ONLY */, 0x1000, 4));
  }

  @Test
  void sendtoStopsOnlyWithADestinationOrFastOpen() {
    assertEquals(RET_ALLOW, x64(SyscallTable.SENDTO, 3, 0x1000, 10, 0, 0, 0));
    assertEquals(TRACE, x64(SyscallTable.SENDTO, 3, 0x1000, 10, 0, 0x7ffd1234L, 16));
    // a destination whose low 32 bits are zero must not slip through
    assertEquals(TRACE, x64(SyscallTable.SENDTO, 3, 0x1000, 10, 0, 0x7f0000000000L, 16));
    assertEquals(TRACE, x64(SyscallTable.SENDTO, 3, 0x1000, 10, Ptrace.MSG_FASTOPEN, 0, 0));
    assertEquals(RET_ALLOW, x64(SyscallTable.SENDTO, 3, 0x1000, 10, 0x40 /* MSG_DONTWAIT */, 0, 0));
  }

  @Test
  void opensStopOnlyWhenTheyMayWrite() {
    int rdonlyCloexec = 0x80000;
    assertEquals(RET_ALLOW, x64(SyscallTable.OPENAT, -100, 0x1000, rdonlyCloexec));
    assertEquals(RET_ALLOW, x64(SyscallTable.OPENAT, -100, 0x1000, 0x10000 /* O_DIRECTORY */));
    assertEquals(TRACE, x64(SyscallTable.OPENAT, -100, 0x1000, 01));
    assertEquals(TRACE, x64(SyscallTable.OPENAT, -100, 0x1000, 02));
    assertEquals(TRACE, x64(SyscallTable.OPENAT, -100, 0x1000, 0100 | rdonlyCloexec));
    assertEquals(TRACE, x64(SyscallTable.OPENAT, -100, 0x1000, 01000));
    assertEquals(RET_ALLOW, x64(SyscallTable.OPEN, 0x1000, 0));
    assertEquals(TRACE, x64(SyscallTable.OPEN, 0x1000, 01101));
    assertEquals(TRACE, x64(SyscallTable.CREAT, 0x1000, 0644));
    assertEquals(TRACE, x64(SyscallTable.OPENAT2, -100, 0x1000, 0x2000, 24));
  }

  @Test
  void onlyFileMappingsMadeExecutableStop() {
    int read = 0x1;
    int exec = LibraryStops.PROT_EXEC;
    int privateFixed = 0x02 | 0x10;
    int anonymous = 0x22;
    // ld.so: the first mapping of a library is read-only, its text segment PROT_EXEC
    assertEquals(RET_ALLOW, x64(SyscallTable.MMAP, 0, 4096, read, privateFixed, 3, 0));
    assertEquals(TRACE, x64(SyscallTable.MMAP, 0x7f0000000000L, 4096, read | exec, privateFixed, 3, 0x1000));
    // JIT memory: anonymous, executable, never a stop
    assertEquals(RET_ALLOW, x64(SyscallTable.MMAP, 0, 1 << 20, read | 0x2 | exec, anonymous, -1, 0));
    assertEquals(RET_ALLOW, x64(SyscallTable.MMAP, 0, 1 << 20, read | exec, anonymous, 3, 0));
    assertEquals(TRACE, x64(SyscallTable.MPROTECT, 0x7f0000000000L, 4096, read | exec));
    assertEquals(RET_ALLOW, x64(SyscallTable.MPROTECT, 0x7f0000000000L, 4096, read));
    assertEquals(TRACE, x64(SyscallTable.PKEY_MPROTECT, 0x7f0000000000L, 4096, exec, 1));
    int i386 = Abi.I386.auditArch;
    // mmap2 takes registers like mmap; i386's old mmap has its arguments in memory, so it always stops
    assertEquals(TRACE, run(PROGRAM, new Data(192, i386, 0, 4096, read | exec, 0x02, 3, 0)));
    assertEquals(RET_ALLOW, run(PROGRAM, new Data(192, i386, 0, 4096, read | exec, anonymous, -1, 0)));
    assertEquals(TRACE, run(PROGRAM, new Data(90, i386, 0x08000000L)));
    assertEquals(RET_ALLOW, run(PROGRAM, new Data(222 /* aarch64 mmap */, Abi.AARCH64.auditArch, 0, 4096, read, 0x02, 3, 0)));
    assertEquals(TRACE, run(PROGRAM, new Data(222, Abi.AARCH64.auditArch, 0, 4096, read | exec, 0x02, 3, 0)));
  }

  @Test
  void fileChangesAndEvasionCallsStop() {
    for (SyscallTable s : List.of(SyscallTable.RENAME, SyscallTable.RENAMEAT, SyscallTable.RENAMEAT2,
        SyscallTable.UNLINK, SyscallTable.UNLINKAT, SyscallTable.TRUNCATE, SyscallTable.IO_URING_SETUP,
        SyscallTable.IO_URING_ENTER, SyscallTable.IO_URING_REGISTER, SyscallTable.PTRACE, SyscallTable.SECCOMP)) {
      assertEquals(TRACE, x64(s), s.toString());
    }
    assertEquals(TRACE, x64(SyscallTable.PRCTL, 22 /* PR_SET_SECCOMP */, 2));
    assertEquals(RET_ALLOW, x64(SyscallTable.PRCTL, 15 /* PR_SET_NAME */, 0x1000));
  }

  @Test
  void i386CallsFromA64BitProcessUseTheirOwnNumbers() {
    int i386 = Abi.I386.auditArch;
    assertEquals(TRACE, run(PROGRAM, new Data(362, i386, 3, 0x1000, 16)));
    assertEquals(TRACE, run(PROGRAM, new Data(369, i386, 3, 0x1000, 1, 0, 0x2000, 16)));
    assertEquals(RET_ALLOW, run(PROGRAM, new Data(369, i386, 3, 0x1000, 1, 0, 0, 0)));
    assertEquals(TRACE, run(PROGRAM, new Data(370, i386)));
    assertEquals(TRACE, run(PROGRAM, new Data(345, i386)));
    assertEquals(RET_ALLOW, run(PROGRAM, new Data(42, i386))); // pipe, not connect
    assertEquals(TRACE, run(PROGRAM, new Data(5, i386, 0x1000, 01)));
    assertEquals(RET_ALLOW, run(PROGRAM, new Data(5, i386, 0x1000, 0)));
    assertEquals(TRACE, run(PROGRAM, new Data(8, i386, 0x1000, 0644)));
    assertEquals(TRACE, run(PROGRAM, new Data(295, i386, 0xffffff9cL, 0x1000, 0101)));
    assertEquals(TRACE, run(PROGRAM, new Data(26, i386)));
    // socketcall: the calls that carry a destination, and socket and setsockopt (their arguments
    // are in memory, so the filter cannot tell an AF_VSOCK socket or a source route from others)
    for (int call : new int[] {1, 3, 11, 14, 16, 20}) {
      assertEquals(TRACE, run(PROGRAM, new Data(102, i386, call, 0x1000)), "socketcall " + call);
    }
    for (int call : new int[] {2 /* bind */, 9 /* send */, 10 /* recv */}) {
      assertEquals(RET_ALLOW, run(PROGRAM, new Data(102, i386, call, 0x1000)), "socketcall " + call);
    }
  }

  @Test
  void x32AndUnknownArchitecturesAreTracedAndMarked() {
    assertEquals(RET_TRACE | SeccompProgram.DATA_X32,
        run(PROGRAM, new Data(0x40000000 | 42, Abi.X86_64.auditArch)));
    assertEquals(RET_TRACE | SeccompProgram.DATA_X32,
        run(PROGRAM, new Data(0x40000000 /* read */, Abi.X86_64.auditArch)));
    assertEquals(RET_TRACE | SeccompProgram.DATA_UNKNOWN_ARCH, run(PROGRAM, new Data(42, 0x40000028 /* ARM */)));
  }

  @Test
  void aarch64() {
    int arm = Abi.AARCH64.auditArch;
    assertEquals(TRACE, run(PROGRAM, new Data(203, arm)));
    assertEquals(TRACE, run(PROGRAM, new Data(56, arm, -100, 0x1000, 0101)));
    assertEquals(RET_ALLOW, run(PROGRAM, new Data(56, arm, -100, 0x1000, 0)));
    assertEquals(RET_ALLOW, run(PROGRAM, new Data(63 /* read */, arm)));
  }

  @Test
  void everyTracedCallOfEveryAbiStops() {
    List<SyscallTable> conditional = List.of(SyscallTable.SOCKET, SyscallTable.SETSOCKOPT, SyscallTable.OPEN, SyscallTable.OPENAT, SyscallTable.SENDTO,
        SyscallTable.PRCTL, SyscallTable.SOCKETCALL, SyscallTable.CLONE, SyscallTable.CLONE3, SyscallTable.MMAP,
        SyscallTable.MMAP2, SyscallTable.MPROTECT, SyscallTable.PKEY_MPROTECT, SyscallTable.PERSONALITY);
    for (Abi abi : Abi.values()) {
      for (SyscallTable s : SyscallTable.values()) {
        if (s.number(abi) >= 0 && !conditional.contains(s)) {
          assertEquals(TRACE, run(PROGRAM, new Data(s.number(abi), abi.auditArch)), s + " " + abi);
        }
      }
      int clone = s(SyscallTable.CLONE, abi);
      assertEquals(RET_ALLOW, run(PROGRAM, new Data(clone, abi.auditArch, 0x01200011 /* glibc fork */)));
      assertEquals(RET_ALLOW, run(PROGRAM, new Data(clone, abi.auditArch, 0x003d0f00 /* pthread_create */)));
    }
  }

  @Test
  void untracedChildrenAndClone3AreRefusedByTheFilterItself() {
    for (Abi abi : Abi.values()) {
      // CLONE_UNTRACED sits in a register: refused with EPERM without a stop
      int clone = s(SyscallTable.CLONE, abi);
      assertEquals(SeccompProgram.RET_ERRNO | Errno.EPERM,
          run(PROGRAM, new Data(clone, abi.auditArch, Ptrace.CLONE_UNTRACED | 17)), abi.name());
      // clone3's flags are in memory another thread can rewrite: every clone3 fails with ENOSYS
      assertEquals(SeccompProgram.RET_ERRNO | Errno.ENOSYS,
          run(PROGRAM, new Data(s(SyscallTable.CLONE3, abi), abi.auditArch, 0x1000, 88)), abi.name());
    }
  }

  @Test
  void aFilterOfTheBuildWithAListenerIsRefusedByTheFilterItself() {
    for (Abi abi : Abi.values()) {
      int seccomp = s(SyscallTable.SECCOMP, abi);
      int listener = Ptrace.SECCOMP_FILTER_FLAG_NEW_LISTENER;
      // SECCOMP_RET_USER_NOTIF outranks our SECCOMP_RET_TRACE: no filter of the build gets a listener
      assertEquals(SeccompProgram.RET_ERRNO | Errno.EINVAL,
          run(PROGRAM, new Data(seccomp, abi.auditArch, Ptrace.SECCOMP_SET_MODE_FILTER, listener, 0x1000)), abi.name());
      assertEquals(SeccompProgram.RET_ERRNO | Errno.EINVAL, run(PROGRAM,
          new Data(seccomp, abi.auditArch, Ptrace.SECCOMP_SET_MODE_FILTER, listener | 1 << 4 /* TSYNC_ESRCH */, 0x1000)));
      // any other filter stops, for the note
      assertEquals(TRACE, run(PROGRAM, new Data(seccomp, abi.auditArch, Ptrace.SECCOMP_SET_MODE_FILTER, 0, 0x1000)));
      assertEquals(TRACE, run(PROGRAM, new Data(seccomp, abi.auditArch, Ptrace.SECCOMP_SET_MODE_FILTER, 1 /* TSYNC */, 0x1000)));
      assertEquals(TRACE, run(PROGRAM, new Data(seccomp, abi.auditArch, 2 /* GET_ACTION_AVAIL */, 0, 0x1000)));
    }
  }

  @Test
  void readImpliesExecIsRefusedByTheFilterItself() {
    for (Abi abi : Abi.values()) {
      int personality = s(SyscallTable.PERSONALITY, abi);
      assertEquals(SeccompProgram.RET_ERRNO | Errno.EPERM,
          run(PROGRAM, new Data(personality, abi.auditArch, Ptrace.READ_IMPLIES_EXEC)), abi.name());
      assertEquals(SeccompProgram.RET_ERRNO | Errno.EPERM,
          run(PROGRAM, new Data(personality, abi.auditArch, Ptrace.READ_IMPLIES_EXEC | 0x0008 /* PER_LINUX32 */)));
      // the kernel takes the low 32 bits only
      assertEquals(SeccompProgram.RET_ERRNO | Errno.EPERM,
          run(PROGRAM, new Data(personality, abi.auditArch, 0x1_0000_0000L | Ptrace.READ_IMPLIES_EXEC)));
      // a query (0xffffffff) sets nothing; other personalities run (setarch -R: ADDR_NO_RANDOMIZE)
      assertEquals(RET_ALLOW, run(PROGRAM, new Data(personality, abi.auditArch, 0xffffffffL)));
      assertEquals(RET_ALLOW, run(PROGRAM, new Data(personality, abi.auditArch, 0x0040000)));
      assertEquals(RET_ALLOW, run(PROGRAM, new Data(personality, abi.auditArch, 0)));
    }
  }

  @Test
  void aBuildProcessCannotMakeItselfUndumpable() {
    for (Abi abi : Abi.values()) {
      int prctl = s(SyscallTable.PRCTL, abi);
      assertEquals(SeccompProgram.RET_ERRNO | Errno.EPERM,
          run(PROGRAM, new Data(prctl, abi.auditArch, Ptrace.PR_SET_DUMPABLE, 0)), abi.name());
      assertEquals(SeccompProgram.RET_ERRNO | Errno.EPERM, run(PROGRAM, new Data(prctl, abi.auditArch, Ptrace.PR_SET_DUMPABLE, 2)));
      // making itself dumpable again, and other prctls, run without a stop
      assertEquals(RET_ALLOW, run(PROGRAM, new Data(prctl, abi.auditArch, Ptrace.PR_SET_DUMPABLE, 1)));
      assertEquals(RET_ALLOW, run(PROGRAM, new Data(prctl, abi.auditArch, 15 /* PR_SET_NAME */, 0)));
      assertEquals(TRACE, run(PROGRAM, new Data(prctl, abi.auditArch, Ptrace.PR_SET_SECCOMP, 2)));
    }
  }

  private static int s(SyscallTable t, Abi abi) {
    return t.number(abi);
  }

  @Test
  void bytesAreTheKernelEncodingAndFitItsLimits() {
    byte[] bytes = SeccompProgram.bytes();
    assertEquals(PROGRAM.size() * 8, bytes.length);
    assertTrue(PROGRAM.size() < 4096);
    Instruction first = PROGRAM.get(0);
    assertEquals(SeccompProgram.LD_W_ABS, (bytes[0] & 0xff) | (bytes[1] & 0xff) << 8);
    assertEquals(first.k(), (bytes[4] & 0xff) | (bytes[5] & 0xff) << 8 | (bytes[6] & 0xff) << 16 | bytes[7] << 24);
    // every path ends in a return: the kernel's checker rejects programs that fall off the end
    assertEquals(SeccompProgram.RET_K, PROGRAM.get(PROGRAM.size() - 1).code());
  }

  @Test
  void builderRejectsBackwardAndUnknownJumps() {
    SeccompProgram.Builder b = new SeccompProgram.Builder();
    b.label("top");
    b.ld(0);
    b.jeq(1, "top", null);
    assertThrows(IllegalStateException.class, b::build);
    SeccompProgram.Builder c = new SeccompProgram.Builder();
    c.ja("nowhere");
    assertThrows(IllegalStateException.class, c::build);
  }
}
