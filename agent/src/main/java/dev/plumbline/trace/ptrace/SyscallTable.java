package dev.plumbline.trace.ptrace;

import java.util.HashMap;
import java.util.Map;

/**
 * The system calls the tracer stops on, with their numbers per ABI in one place (-1: the ABI has
 * no such call). Numbers from the kernel's syscall_64.tbl, syscall_32.tbl and the generic
 * unistd.h used by aarch64.
 */
public enum SyscallTable {
  //           x86_64 i386  aarch64
  CONNECT(42, 362, 203),
  SENDTO(44, 369, 206),
  SENDMSG(46, 370, 211),
  SENDMMSG(307, 345, 269),
  SOCKETCALL(-1, 102, -1),
  OPEN(2, 5, -1),
  CREAT(85, 8, -1),
  OPENAT(257, 295, 56),
  OPENAT2(437, 437, 437),
  RENAME(82, 38, -1),
  RENAMEAT(264, 302, 38),
  RENAMEAT2(316, 353, 276),
  UNLINK(87, 10, -1),
  UNLINKAT(263, 301, 35),
  TRUNCATE(76, 92, 45),
  TRUNCATE64(-1, 193, -1),
  IO_URING_SETUP(425, 425, 425),
  IO_URING_ENTER(426, 426, 426),
  IO_URING_REGISTER(427, 427, 427),
  PTRACE(101, 26, 117),
  SECCOMP(317, 354, 277),
  PRCTL(157, 172, 167),
  // not filtered, but used by the tracer itself (injection, clone flags)
  CLONE(56, 120, 220),
  CLONE3(435, 435, 435),
  // not filtered: the tracer makes the build's shell call these to run it as another user (--user)
  SETGROUPS(116, 206, 159),
  SETRESUID(117, 208, 147),
  SETRESGID(119, 210, 149);

  /** The ABIs a tracee can call the kernel through on the machines we support. */
  public enum Abi {
    X86_64(0xC000003E),
    I386(0x40000003),
    AARCH64(0xC00000B7);

    /** AUDIT_ARCH_* value the kernel reports in seccomp_data.arch and ptrace_syscall_info.arch. */
    public final int auditArch;

    Abi(int auditArch) {
      this.auditArch = auditArch;
    }

    public static Abi ofAuditArch(int arch) {
      for (Abi abi : values()) {
        if (abi.auditArch == arch) {
          return abi;
        }
      }
      return null;
    }
  }

  /** x32 calls arrive with AUDIT_ARCH_X86_64 and this bit set in the number. */
  public static final int X32_SYSCALL_BIT = 0x40000000;

  /** socketcall(2) call numbers (i386): which ones carry a destination. */
  public static final int SYS_CONNECT = 3;
  public static final int SYS_SENDTO = 11;
  public static final int SYS_SENDMSG = 16;
  public static final int SYS_SENDMMSG = 20;

  private final int[] numbers;

  SyscallTable(int x8664, int i386, int aarch64) {
    this.numbers = new int[] {x8664, i386, aarch64};
  }

  /** This call's number in {@code abi}, or -1 when the ABI lacks it. */
  public int number(Abi abi) {
    return numbers[abi.ordinal()];
  }

  private static final Map<Long, SyscallTable> BY_NUMBER = new HashMap<>();

  static {
    for (SyscallTable s : values()) {
      for (Abi abi : Abi.values()) {
        int nr = s.number(abi);
        if (nr >= 0 && BY_NUMBER.put(key(abi, nr), s) != null) {
          throw new IllegalStateException("duplicate syscall number " + nr + " in " + abi);
        }
      }
    }
  }

  private static long key(Abi abi, long nr) {
    return ((long) abi.ordinal() << 32) | (nr & 0xffffffffL);
  }

  /** The call with number {@code nr} in {@code abi}, or null when it is not one of ours. */
  public static SyscallTable lookup(Abi abi, long nr) {
    return BY_NUMBER.get(key(abi, nr));
  }

  public String syscallName() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }
}
