package dev.plumbline.trace.ptrace;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Rewrites a destination in tracee memory (the egress gate's Redirect, used for DNS capture). The
 * new address keeps the original family and size: an IPv6 socket is sent to an IPv4 target as an
 * IPv4-mapped address; an IPv4 socket cannot reach an IPv6 target (the call is then refused).
 */
final class Redirects {
  private Redirects() {}

  /** The sockaddr to write over {@code original}, or null when the families cannot match. */
  static byte[] encode(byte[] original, InetSocketAddress to) {
    if (original.length < 2 || to.getAddress() == null) {
      return null;
    }
    int family = (original[0] & 0xff) | (original[1] & 0xff) << 8;
    InetAddress target = to.getAddress();
    if (family == 2 && target instanceof Inet4Address && original.length >= 16) {
      ByteBuffer b = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN);
      b.putShort((short) 2).order(ByteOrder.BIG_ENDIAN).putShort((short) to.getPort()).put(target.getAddress());
      return b.array();
    }
    if (family == 10 && original.length >= 28) {
      byte[] addr;
      if (target instanceof Inet6Address) {
        addr = target.getAddress();
      } else {
        addr = new byte[16];
        addr[10] = (byte) 0xff;
        addr[11] = (byte) 0xff;
        System.arraycopy(target.getAddress(), 0, addr, 12, 4);
      }
      ByteBuffer b = ByteBuffer.allocate(28).order(ByteOrder.LITTLE_ENDIAN);
      b.putShort((short) 10).order(ByteOrder.BIG_ENDIAN).putShort((short) to.getPort()).putInt(0).put(addr).putInt(0);
      return b.array();
    }
    return null;
  }
}
