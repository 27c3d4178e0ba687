package dev.plumbline.linux;

import com.sun.jna.Structure;
import com.sun.jna.Structure.FieldOrder;

/**
 * Kernel structures with their C field names. The hot path reads and writes raw buffers at the
 * offsets these classes compute (Structure.read/write reflect over every field on each call); the
 * classes are the single source of layout (sizes and offsets) and are tested against the headers.
 * The nested classes stay public: JNA reflects over their fields from its own package.
 */
final class Structs {
  private Structs() {}

  /** {@code struct user_regs_struct} of x86_64 ({@code <sys/user.h>}): 27 registers, 216 bytes. */
  @FieldOrder({
    "r15", "r14", "r13", "r12", "rbp", "rbx", "r11", "r10", "r9", "r8", "rax", "rcx", "rdx", "rsi", "rdi",
    "orig_rax", "rip", "cs", "eflags", "rsp", "ss", "fs_base", "gs_base", "ds", "es", "fs", "gs"
  })
  public static class UserRegsX8664 extends Structure {
    public long r15, r14, r13, r12, rbp, rbx, r11, r10, r9, r8, rax, rcx, rdx, rsi, rdi;
    public long orig_rax, rip, cs, eflags, rsp, ss, fs_base, gs_base, ds, es, fs, gs;

    static int offsetOf(String field) {
      return new UserRegsX8664().fieldOffset(field);
    }
  }

  /**
   * {@code struct ptrace_syscall_info} ({@code <linux/ptrace.h>}, kernel 5.3+), with the union laid
   * out as its largest member (the seccomp variant). At an exit stop {@code nr} holds rval and the
   * first byte of {@code args[0]} is_error.
   */
  @FieldOrder({"op", "pad", "arch", "instruction_pointer", "stack_pointer", "nr", "args", "ret_data"})
  public static class PtraceSyscallInfo extends Structure {
    public byte op;
    public byte[] pad = new byte[3];
    public int arch;
    public long instruction_pointer;
    public long stack_pointer;
    public long nr;
    public long[] args = new long[6];
    public int ret_data;

    static int offsetOf(String field) {
      return new PtraceSyscallInfo().fieldOffset(field);
    }
  }
}
