package dev.plumbline.trace.ptrace;

import dev.plumbline.net.Cidr;
import java.nio.ByteBuffer;
import java.util.List;

/**
 * The classic BPF socket filter the tracer locks onto a listening socket in block mode: it keeps a
 * packet whose IP source is in one of the allowed blocks and drops every other one, so a peer that
 * is not allowed never completes a connection (its SYN is dropped before the listener sees it).
 * An IPv4 packet reaching a dual-stack IPv6 listener has an IPv4 header: it is judged as IPv4.
 */
final class InboundFilter {
  private static final int SKF_NET_OFF = -0x100000; // offsets from the network header
  private static final int LD_B_ABS = 0x30;
  private static final int ALU_AND_K = 0x54;

  private InboundFilter() {}

  /** The program for these blocks, 8 bytes per instruction in native order. */
  static byte[] program(List<Cidr> allowed) {
    SeccompProgram.Builder b = new SeccompProgram.Builder();
    b.op(LD_B_ABS, SKF_NET_OFF);
    b.op(ALU_AND_K, 0xf0);
    b.jeq(0x40, "v4", null);
    b.jeq(0x60, "v6", "drop");
    b.label("v4");
    int n = 0;
    for (Cidr c : allowed) {
      if (c.base().getAddress().length == 4) {
        block(b, c, 12, "b" + n++);
      }
    }
    b.ja("drop");
    b.label("v6");
    for (Cidr c : allowed) {
      if (c.base().getAddress().length == 16) {
        block(b, c, 8, "b" + n++);
      }
    }
    b.ja("drop");
    b.label("keep");
    b.ret(0xffffffff);
    b.label("drop");
    b.ret(0);
    return SeccompProgram.assemble(b.build());
  }

  /** Jumps to "keep" when the source address (at {@code offset} in the IP header) is in {@code c}. */
  private static void block(SeccompProgram.Builder b, Cidr c, int offset, String name) {
    byte[] base = c.base().getAddress();
    int words = base.length / 4;
    for (int w = 0; w < words; w++) {
      int bits = Math.max(0, Math.min(32, c.prefix() - 32 * w));
      if (bits == 0) {
        break;
      }
      int mask = bits == 32 ? 0xffffffff : ~(0xffffffff >>> bits);
      int value = ByteBuffer.wrap(base, 4 * w, 4).getInt() & mask; // cBPF loads words big-endian
      b.op(SeccompProgram.LD_W_ABS, SKF_NET_OFF + offset + 4 * w);
      b.op(ALU_AND_K, mask);
      b.jeq(value, null, name + ".no");
    }
    b.ja("keep");
    b.label(name + ".no");
  }
}
