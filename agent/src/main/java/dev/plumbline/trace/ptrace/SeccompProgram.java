package dev.plumbline.trace.ptrace;

import dev.plumbline.trace.decode.Abi;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The seccomp filter installed in the traced tree: a classic BPF program that returns
 * SECCOMP_RET_TRACE (a stop for the tracer) for the calls the record needs and SECCOMP_RET_ALLOW for
 * everything else, so that reads, stats and most of a build run at full speed.
 *
 * <p>Which calls stop, and when, is {@link SyscallTable}'s {@link FilterRule} per row.
 *
 * <p>Every ABI the CPU offers is handled: x86_64, i386 ({@code int 0x80} from a 64-bit process,
 * with its own numbers), x32 (bit 30 of the number; traced wholesale and flagged), aarch64; an
 * unknown arch is traced wholesale and flagged. The {@code SECCOMP_RET_DATA} of a trace return says
 * which case matched: {@link #DATA_CALL}, {@link #DATA_X32}, {@link #DATA_UNKNOWN_ARCH}; the tracer
 * does not read it back (a build's own filter returning SECCOMP_RET_TRACE is newer than ours, and
 * for equal actions the kernel keeps the newest filter's data): it tells the cases apart by the
 * call's arch and number (SyscallStops.seccompStop).
 */
public final class SeccompProgram {
  public static final int RET_ALLOW = 0x7fff0000;
  public static final int RET_TRACE = 0x7ff00000;
  public static final int RET_ERRNO = 0x00050000;
  public static final int DATA_CALL = 0;
  public static final int DATA_X32 = 1;
  public static final int DATA_UNKNOWN_ARCH = 2;

  // classic BPF opcodes
  static final int LD_W_ABS = 0x20;
  static final int JMP_JEQ_K = 0x15;
  static final int JMP_JSET_K = 0x45;
  static final int JMP_JA = 0x05;
  static final int RET_K = 0x06;

  // struct seccomp_data offsets
  static final int OFF_NR = 0;
  static final int OFF_ARCH = 4;
  static final int OFF_ARGS = 16;

  /** One BPF instruction ({@code struct sock_filter}). */
  public record Instruction(int code, int jt, int jf, int k) {}

  private SeccompProgram() {}

  /** The program as instructions (for tests and the evaluator). */
  public static List<Instruction> instructions() {
    Builder b = new Builder();
    b.ld(OFF_ARCH);
    b.jeq(Abi.X86_64.auditArch, "x86_64", null);
    b.jeq(Abi.I386.auditArch, "i386", null);
    b.jeq(Abi.AARCH64.auditArch, "aarch64", null);
    b.ret(RET_TRACE | DATA_UNKNOWN_ARCH);

    // each ABI's body ends with its own returns: a conditional jump reaches 255 instructions at
    // most, and one body is about that long
    b.label("x86_64");
    b.ld(OFF_NR);
    b.jset(Abi.X32_SYSCALL_BIT, null, "x86_64.calls");
    b.ret(RET_TRACE | DATA_X32);
    b.label("x86_64.calls");
    abiBody(b, Abi.X86_64);

    b.label("i386");
    b.ld(OFF_NR);
    abiBody(b, Abi.I386);

    b.label("aarch64");
    b.ld(OFF_NR);
    abiBody(b, Abi.AARCH64);
    return b.build();
  }

  /**
   * The program as the kernel takes it: 8 bytes per instruction, native (little-endian) order.
   * Assembled once per JVM (a run assembles it ahead, beside its set-up: PtraceTracer.prepare);
   * each caller gets its own copy.
   */
  public static byte[] bytes() {
    return Assembled.BYTES.clone();
  }

  /** The program depends on nothing of a run: one assembly, when first asked for. */
  private static final class Assembled {
    static final byte[] BYTES = assemble();
  }

  private static byte[] assemble() {
    return assemble(instructions());
  }

  /** A classic BPF program as the kernel takes it (seccomp's or a socket filter's). */
  static byte[] assemble(List<Instruction> program) {
    ByteBuffer buf = ByteBuffer.allocate(program.size() * 8).order(ByteOrder.LITTLE_ENDIAN);
    for (Instruction i : program) {
      buf.putShort((short) i.code()).put((byte) i.jt()).put((byte) i.jf()).putInt(i.k());
    }
    return buf.array();
  }


  /**
   * One ABI's calls from the table: an unconditional row jumps straight to "trace", a conditional
   * one to its own test of the argument registers.
   */
  private static void abiBody(Builder b, Abi abi) {
    String p = abi.name() + ".";
    List<SyscallTable> conditional = new ArrayList<>();
    for (SyscallTable s : SyscallTable.values()) {
      if (s.number(abi) < 0) {
        continue;
      }
      FilterRule rule = s.rule(abi);
      if (rule instanceof FilterRule.Always) {
        b.jeq(s.number(abi), p + "trace", null);
      } else if (rule instanceof FilterRule.Refuse r && r.when() instanceof FilterRule.Always) {
        b.jeq(s.number(abi), p + "errno." + r.errno(), null);
      } else {
        b.jeq(s.number(abi), p + s.name(), null);
        conditional.add(s);
      }
    }
    b.ja(p + "allow");
    for (SyscallTable s : conditional) {
      b.label(p + s.name());
      FilterRule rule = s.rule(abi);
      if (rule instanceof FilterRule.Refuse r) {
        String rest = r.otherwise() instanceof FilterRule.Never ? p + "allow" : p + s.name() + ".else";
        test(b, r.when(), p + s.name() + ".", p + "errno." + r.errno(), rest);
        if (!rest.equals(p + "allow")) {
          b.label(rest);
          test(b, r.otherwise(), rest + ".", p + "trace", p + "allow");
        }
      } else {
        test(b, rule, p + s.name() + ".", p + "trace", p + "allow");
      }
    }
    b.label(p + "trace");
    b.ret(RET_TRACE | DATA_CALL);
    b.label(p + "allow");
    b.ret(RET_ALLOW);
    for (int errno : refusals()) {
      b.label(p + "errno." + errno);
      b.ret(RET_ERRNO | errno);
    }
  }

  /** The errnos the filter itself returns, each once. */
  private static java.util.SortedSet<Integer> refusals() {
    java.util.SortedSet<Integer> errnos = new java.util.TreeSet<>();
    for (SyscallTable s : SyscallTable.values()) {
      if (s.rule instanceof FilterRule.Refuse r) {
        errnos.add(r.errno());
      }
    }
    return errnos;
  }

  /** Code that jumps to {@code yes} when {@code rule} holds for the loaded seccomp_data, else to {@code no}. */
  private static void test(Builder b, FilterRule rule, String prefix, String yes, String no) {
    if (rule instanceof FilterRule.Always) {
      b.ja(yes);
    } else if (rule instanceof FilterRule.Never) {
      b.ja(no);
    } else if (rule instanceof FilterRule.AnyBit r) {
      b.ld(argLow(r.arg()));
      b.jset(r.mask(), yes, no);
    } else if (rule instanceof FilterRule.ArgIn r) {
      b.ld(argLow(r.arg()));
      int[] v = r.values();
      for (int i = 0; i < v.length; i++) {
        b.jeq(v[i], yes, i == v.length - 1 ? no : null);
      }
    } else if (rule instanceof FilterRule.NonNull r) {
      b.ld(argLow(r.arg()));
      b.jeq(0, null, yes);
      b.ld(argHigh(r.arg()));
      b.jeq(0, no, yes);
    } else if (rule instanceof FilterRule.Either r) {
      test(b, r.first(), prefix + "1.", yes, prefix + "2");
      b.label(prefix + "2");
      test(b, r.second(), prefix + "2.", yes, no);
    } else if (rule instanceof FilterRule.Both r) {
      test(b, r.first(), prefix + "1.", prefix + "2", no);
      b.label(prefix + "2");
      test(b, r.second(), prefix + "2.", yes, no);
    } else if (rule instanceof FilterRule.Not r) {
      test(b, r.rule(), prefix + "n.", no, yes);
    } else {
      throw new IllegalStateException("no BPF for " + rule);
    }
  }

  static int argLow(int i) {
    return OFF_ARGS + 8 * i;
  }

  static int argHigh(int i) {
    return OFF_ARGS + 8 * i + 4;
  }

  /** Assembles instructions with forward jumps to labels (null: fall through to the next one). */
  static final class Builder {
    private final List<Object[]> pending = new ArrayList<>();
    private final Map<String, Integer> labels = new HashMap<>();

    void label(String name) {
      if (labels.put(name, pending.size()) != null) {
        throw new IllegalStateException("label twice: " + name);
      }
    }

    void ld(int offset) {
      pending.add(new Object[] {LD_W_ABS, null, null, offset});
    }

    void jeq(int k, String jt, String jf) {
      pending.add(new Object[] {JMP_JEQ_K, jt, jf, k});
    }

    void jset(int k, String jt, String jf) {
      pending.add(new Object[] {JMP_JSET_K, jt, jf, k});
    }

    void ja(String target) {
      pending.add(new Object[] {JMP_JA, target, null, 0});
    }

    void ret(int k) {
      pending.add(new Object[] {RET_K, null, null, k});
    }

    /** An instruction without jumps (a load, an ALU operation) by its opcode. */
    void op(int code, int k) {
      pending.add(new Object[] {code, null, null, k});
    }

    List<Instruction> build() {
      List<Instruction> out = new ArrayList<>();
      for (int pc = 0; pc < pending.size(); pc++) {
        Object[] p = pending.get(pc);
        int code = (Integer) p[0];
        int k = (Integer) p[3];
        if (code == JMP_JA) {
          out.add(new Instruction(code, 0, 0, offset(pc, (String) p[1], Integer.MAX_VALUE)));
        } else if (code == JMP_JEQ_K || code == JMP_JSET_K) {
          out.add(new Instruction(code, offset(pc, (String) p[1], 255), offset(pc, (String) p[2], 255), k));
        } else {
          out.add(new Instruction(code, 0, 0, k));
        }
      }
      if (out.size() > 4096) {
        throw new IllegalStateException("BPF program too long: " + out.size());
      }
      return out;
    }

    private int offset(int pc, String label, int max) {
      if (label == null) {
        return 0;
      }
      Integer target = labels.get(label);
      if (target == null) {
        throw new IllegalStateException("unknown label " + label);
      }
      int off = target - pc - 1;
      if (off < 0 || off > max) {
        throw new IllegalStateException("jump to " + label + " out of range: " + off);
      }
      return off;
    }
  }
}
