package dev.plumbline.trace.ptrace;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.plumbline.trace.decode.Abi;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.junit.jupiter.api.Test;

class RouteOptionsTest {
  /** Control messages as x86_64 lays them out: cmsg_len (8 bytes), level, type, data padded to 8. */
  static byte[] cmsgs(int[]... levelTypeLen) {
    ByteBuffer b = ByteBuffer.allocate(256).order(ByteOrder.LITTLE_ENDIAN);
    for (int[] m : levelTypeLen) {
      b.putLong(16 + m[2]).putInt(m[0]).putInt(m[1]);
      b.position(b.position() + ((m[2] + 7) / 8) * 8);
    }
    byte[] out = new byte[b.position()];
    b.flip().get(out);
    return out;
  }

  @Test
  void aRouteInAnyControlMessageIsFound() {
    assertNotNull(RouteOptions.control(cmsgs(new int[] {0, 7, 8}), Abi.X86_64)); // IP_RETOPTS
    assertNotNull(RouteOptions.control(cmsgs(new int[] {0, 8, 12}, new int[] {41, 57, 40}), Abi.X86_64)); // after IP_PKTINFO
    assertNotNull(RouteOptions.control(cmsgs(new int[] {17, 103, 2}, new int[] {41, 5, 24}), Abi.X86_64)); // after UDP_SEGMENT
    assertNull(RouteOptions.control(cmsgs(new int[] {0, 8, 12}, new int[] {17, 103, 2}), Abi.X86_64)); // QUIC's usual
    assertNull(RouteOptions.control(cmsgs(new int[] {1, 1, 4}), Abi.X86_64)); // SCM_RIGHTS
    assertNull(RouteOptions.control(new byte[3], Abi.X86_64));
    assertNull(RouteOptions.control(null, Abi.X86_64));
  }

  @Test
  void optionsThatClearARouteAreNotRoutes() {
    assertNull(RouteOptions.option(0, 4, 0));
    assertNotNull(RouteOptions.option(0, 4, 8));
    assertNotNull(RouteOptions.option(0, 3, 4)); // IP_HDRINCL, whatever its value
    assertNull(RouteOptions.option(41, 57, 0));
    assertNotNull(RouteOptions.option(41, 57, 40));
    assertNotNull(RouteOptions.option(132, 110, 16));
    assertNull(RouteOptions.option(132, 1, 16));
    assertNull(RouteOptions.option(1, 4, 4));
  }
}
