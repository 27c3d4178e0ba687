package dev.plumbline.trace.decode;

/**
 * The system call ABI a traced syscall was made with. One process can use several: a 64-bit x86
 * process may enter the kernel through {@code int 0x80} (i386 numbers and layouts) or with the x32
 * bit set, so the ABI belongs to each syscall, not to the process.
 */
public enum Abi {
  X86_64(8),
  I386(4),
  /** 64-bit registers, but 32-bit pointers and the compat struct layouts (msghdr is 28 bytes). */
  X32(4),
  AARCH64(8);

  /** {@code AUDIT_ARCH_X86_64}: EM_X86_64 | __AUDIT_ARCH_64BIT | __AUDIT_ARCH_LE. */
  public static final int AUDIT_ARCH_X86_64 = 0xC000003E;
  /** {@code AUDIT_ARCH_I386}: EM_386 | __AUDIT_ARCH_LE. */
  public static final int AUDIT_ARCH_I386 = 0x40000003;
  /** {@code AUDIT_ARCH_AARCH64}: EM_AARCH64 | __AUDIT_ARCH_64BIT | __AUDIT_ARCH_LE. */
  public static final int AUDIT_ARCH_AARCH64 = 0xC00000B7;
  /** x32 syscalls report AUDIT_ARCH_X86_64 and carry this bit in the syscall number. */
  public static final long X32_SYSCALL_BIT = 0x40000000L;

  private final int pointerSize;

  Abi(int pointerSize) {
    this.pointerSize = pointerSize;
  }

  /** Size in bytes of a pointer, {@code long} and {@code size_t} in this ABI's user-space structs. */
  public int pointerSize() {
    return pointerSize;
  }

  /**
   * The ABI of one syscall from {@code seccomp_data.arch} / {@code ptrace_syscall_info.arch} and its
   * number.
   *
   * @throws DecodeException for an architecture Plumbline does not decode
   */
  public static Abi of(int auditArch, long syscallNumber) throws DecodeException {
    return switch (auditArch) {
      case AUDIT_ARCH_X86_64 -> (syscallNumber & X32_SYSCALL_BIT) != 0 ? X32 : X86_64;
      case AUDIT_ARCH_I386 -> I386;
      case AUDIT_ARCH_AARCH64 -> AARCH64;
      default -> throw new DecodeException(String.format("unsupported syscall architecture 0x%08x", auditArch));
    };
  }
}
