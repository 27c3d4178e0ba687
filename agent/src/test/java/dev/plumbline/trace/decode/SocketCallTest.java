package dev.plumbline.trace.decode;

import static dev.plumbline.trace.decode.Fixtures.bytes;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class SocketCallTest {
  @Test
  void argWords() {
    assertEquals(3, SocketCall.argWords("connect"));
    assertEquals(6, SocketCall.argWords("sendto"));
    assertEquals(3, SocketCall.argWords("sendmsg"));
    assertEquals(4, SocketCall.argWords("sendmmsg"));
    assertEquals(0, SocketCall.argWords("other"));
    assertEquals(6, SocketCall.argWords(SocketCall.SYS_SENDTO));
    assertEquals(3, SocketCall.argWords(1)); // SYS_SOCKET: block mode judges its domain and protocol
    assertEquals(5, SocketCall.argWords(14)); // SYS_SETSOCKOPT
    assertEquals(0, SocketCall.argWords(2)); // SYS_BIND
  }

  @Test
  void connectI386() throws DecodeException {
    byte[] mem = bytes().u32le(3).u32le(0xffd0_1234L).u32le(16).build();
    SocketCall call = SocketCall.decode(3, mem, Abi.I386);
    assertEquals("connect", call.name());
    assertArrayEquals(new long[] {3, 0xffd0_1234L, 16}, call.args());
    assertEquals(new SocketCall("connect", new long[] {3, 0xffd0_1234L, 16}), call);
  }

  @Test
  void sendtoI386ReadsSixWordsIgnoringExtra() throws DecodeException {
    byte[] mem = bytes().u32le(5).u32le(0x1000).u32le(12).u32le(0x20000000L).u32le(0x2000).u32le(16).u32le(99).build();
    SocketCall call = SocketCall.decode(11, mem, Abi.I386);
    assertEquals("sendto", call.name());
    assertArrayEquals(new long[] {5, 0x1000, 12, 0x20000000L, 0x2000, 16}, call.args());
  }

  @Test
  void sendmsgAndSendmmsg() throws DecodeException {
    assertArrayEquals(new long[] {4, 0x3000, 0},
        SocketCall.decode(16, bytes().u32le(4).u32le(0x3000).u32le(0).build(), Abi.I386).args());
    SocketCall mm = SocketCall.decode(20, bytes().u32le(4).u32le(0x4000).u32le(2).u32le(0x40).build(), Abi.I386);
    assertEquals("sendmmsg", mm.name());
    assertArrayEquals(new long[] {4, 0x4000, 2, 0x40}, mm.args());
  }

  @Test
  void otherCallsReadNothing() throws DecodeException {
    SocketCall bind = SocketCall.decode(2, new byte[0], Abi.I386);
    assertEquals("other", bind.name());
    assertEquals(0, bind.args().length);
  }

  @Test
  void tooShort() {
    DecodeException e = assertThrows(DecodeException.class,
        () -> SocketCall.decode(11, bytes().u32le(5).u32le(1).build(), Abi.I386));
    assertEquals("socketcall sendto arguments too short: 8 bytes, need 24", e.getMessage());
  }

  @Test
  void argsAreDefensivelyCopied() {
    long[] args = {1, 2, 3};
    SocketCall call = new SocketCall("connect", args);
    args[0] = 9;
    call.args()[1] = 9;
    assertArrayEquals(new long[] {1, 2, 3}, call.args());
  }
}
