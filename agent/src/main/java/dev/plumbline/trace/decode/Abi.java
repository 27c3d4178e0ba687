package dev.plumbline.trace.decode;

/**
 * The system call ABI a traced syscall was made with. One process can use several: a 64-bit x86
 * process may enter the kernel through {@code int 0x80} (i386 numbers and layouts), so the ABI
 * belongs to each syscall, not to the process. (x32, bit 30 of an x86_64 syscall number, is not
 * decoded: the filter marks such calls and the tracer flags them.)
 */
public enum Abi {
  /** {@code AUDIT_ARCH_X86_64}: EM_X86_64 | __AUDIT_ARCH_64BIT | __AUDIT_ARCH_LE. */
  X86_64(8, 0xC000003E),
  /** {@code AUDIT_ARCH_I386}: EM_386 | __AUDIT_ARCH_LE. */
  I386(4, 0x40000003),
  /** {@code AUDIT_ARCH_AARCH64}: EM_AARCH64 | __AUDIT_ARCH_64BIT | __AUDIT_ARCH_LE. */
  AARCH64(8, 0xC00000B7);

  /** x32 syscalls report AUDIT_ARCH_X86_64 and carry this bit in the syscall number. */
  public static final int X32_SYSCALL_BIT = 0x40000000;

  private final int pointerSize;
  /** The AUDIT_ARCH_* value the kernel reports in seccomp_data.arch and ptrace_syscall_info.arch. */
  public final int auditArch;

  Abi(int pointerSize, int auditArch) {
    this.pointerSize = pointerSize;
    this.auditArch = auditArch;
  }

  /** Size in bytes of a pointer, {@code long} and {@code size_t} in this ABI's user-space structs. */
  public int pointerSize() {
    return pointerSize;
  }

  /** values() copies the array at each call; this is read at every seccomp stop. */
  private static final Abi[] ALL = values();

  /** The ABI whose AUDIT_ARCH_* value is {@code arch}, or null for one Plumbline does not decode. */
  public static Abi ofAuditArch(int arch) {
    for (Abi abi : ALL) {
      if (abi.auditArch == arch) {
        return abi;
      }
    }
    return null;
  }
}
