package dev.plumbline.trace.decode;

import static dev.plumbline.trace.decode.Fixtures.bytes;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.plumbline.trace.decode.MessageHeaders.MsgName;
import java.util.List;
import org.junit.jupiter.api.Test;

class MessageHeadersTest {

  /** struct msghdr as x86_64/aarch64 lay it out. */
  private static Fixtures msghdr64(Fixtures f, long name, int namelen) {
    return f.u64le(name).u32le(namelen).u32le(0xdeadbeefL) // padding holds garbage in real memory
        .u64le(0x7ffc1000L).u64le(1).u64le(0).u64le(0).u32le(0).u32le(0);
  }

  /** struct msghdr as i386 and x32 lay it out (compat). */
  private static Fixtures msghdr32(Fixtures f, long name, int namelen) {
    return f.u32le(name).u32le(namelen).u32le(0xffd01000L).u32le(1).u32le(0).u32le(0).u32le(0);
  }

  @Test
  void sizes() {
    assertEquals(56, MessageHeaders.msghdrSize(Abi.X86_64));
    assertEquals(56, MessageHeaders.msghdrSize(Abi.AARCH64));
    assertEquals(28, MessageHeaders.msghdrSize(Abi.I386));
    assertEquals(64, MessageHeaders.mmsghdrSize(Abi.X86_64));
    assertEquals(32, MessageHeaders.mmsghdrSize(Abi.I386));
  }

  @Test
  void fixtureLayoutsMatchSizes() {
    assertEquals(56, msghdr64(bytes(), 0, 0).build().length);
    assertEquals(28, msghdr32(bytes(), 0, 0).build().length);
  }

  @Test
  void name64() throws DecodeException {
    byte[] raw = msghdr64(bytes(), 0x00007ffd_12345678L, 16).build();
    assertEquals(new MsgName(0x00007ffd_12345678L, 16), MessageHeaders.message(raw, 0, Abi.X86_64).name());
    assertEquals(new MsgName(0x00007ffd_12345678L, 16), MessageHeaders.message(raw, 0, Abi.AARCH64).name());
  }

  @Test
  void nameI386HighAddressIsUnsigned() throws DecodeException {
    byte[] raw = msghdr32(bytes(), 0xffd0_0010L, 28).build();
    assertEquals(new MsgName(0xffd0_0010L, 28), MessageHeaders.message(raw, 0, Abi.I386).name());
  }

  @Test
  void noDestination() throws DecodeException {
    assertTrue(MessageHeaders.message(msghdr64(bytes(), 0, 0).build(), 0, Abi.X86_64).name().absent());
  }

  @Test
  void tooShort() {
    DecodeException e =
        assertThrows(DecodeException.class, () -> MessageHeaders.message(new byte[12], 0, Abi.X86_64).name());
    assertEquals("msghdr too short: 12 bytes, need 56 (X86_64)", e.getMessage());
  }

  @Test
  void mmsghdrVector64() throws DecodeException {
    Fixtures f = bytes();
    msghdr64(f, 0x1000, 16).u32le(0).u32le(0); // msg_len + padding
    msghdr64(f, 0x2000, 28).u32le(0).u32le(0);
    msghdr64(f, 0, 0).u32le(0).u32le(0);
    byte[] vec = f.build();
    assertEquals(3 * 64, vec.length);
    assertEquals(
        List.of(new MsgName(0x1000, 16), new MsgName(0x2000, 28), new MsgName(0, 0)),
        names(MessageHeaders.messages(vec, 3, Abi.X86_64)));
  }

  @Test
  void mmsghdrVectorI386() throws DecodeException {
    Fixtures f = bytes();
    msghdr32(f, 0x8000, 16).u32le(0);
    msghdr32(f, 0x9000, 110).u32le(0);
    byte[] vec = f.build();
    assertEquals(64, vec.length);
    assertEquals(
        List.of(new MsgName(0x8000, 16), new MsgName(0x9000, 110)), names(MessageHeaders.messages(vec, 2, Abi.I386)));
    DecodeException e = assertThrows(DecodeException.class, () -> MessageHeaders.messages(vec, 3, Abi.I386));
    assertEquals("mmsghdr vector too short: 64 bytes for 3 entries of 32 (I386)", e.getMessage());
  }

  private static List<MsgName> names(List<MessageHeaders.Message> messages) {
    return messages.stream().map(MessageHeaders.Message::name).toList();
  }

  @Test
  void wholeMessageForASendTheTracerMakes() throws DecodeException {
    byte[] raw64 = msghdr64(bytes(), 0x7ffd0010L, 16).build();
    MessageHeaders.Message m = MessageHeaders.message(raw64, 0, Abi.X86_64);
    assertEquals(new MsgName(0x7ffd0010L, 16), m.name());
    assertEquals(0x7ffc1000L, m.iov());
    assertEquals(1, m.iovlen());
    assertEquals(0, m.controllen());
    byte[] raw32 = msghdr32(bytes(), 0xffd00010L, 16).build();
    MessageHeaders.Message m32 = MessageHeaders.message(raw32, 0, Abi.I386);
    assertEquals(0xffd01000L, m32.iov());
    assertEquals(1, m32.iovlen());
    org.junit.jupiter.api.Assertions.assertThrows(DecodeException.class, () -> MessageHeaders.message(raw32, 0, Abi.X86_64));
  }

  @Test
  void iovecArrays() throws DecodeException {
    byte[] two64 = bytes().u64le(0x1000).u64le(5).u64le(0x2000).u64le(7).build();
    assertEquals(List.of(new MessageHeaders.Iovec(0x1000, 5), new MessageHeaders.Iovec(0x2000, 7)),
        MessageHeaders.iovecs(two64, 2, Abi.X86_64));
    byte[] one32 = bytes().u32le(0xffd01000L).u32le(3).build();
    assertEquals(List.of(new MessageHeaders.Iovec(0xffd01000L, 3)), MessageHeaders.iovecs(one32, 1, Abi.I386));
    org.junit.jupiter.api.Assertions.assertThrows(DecodeException.class, () -> MessageHeaders.iovecs(one32, 2, Abi.I386));
  }

  @Test
  void controlHeadersAreWalkedAsTheKernelWalksThem() {
    // x86_64: IP_PKTINFO (12 bytes of data, padded to 16), then IPV6_RTHDR (40 bytes)
    byte[] two = bytes().u64le(28).u32le(0).u32le(8).zeros(16).u64le(56).u32le(41).u32le(57).zeros(40).build();
    assertEquals(List.of(new MessageHeaders.ControlHeader(0, 8), new MessageHeaders.ControlHeader(41, 57)),
        MessageHeaders.controlHeaders(two, Abi.X86_64));
    // i386: 4-byte cmsg_len, data padded to 4
    byte[] compat = bytes().u32le(13).u32le(0).u32le(7).zeros(4).u32le(12).u32le(1).u32le(1).build();
    assertEquals(List.of(new MessageHeaders.ControlHeader(0, 7), new MessageHeaders.ControlHeader(1, 1)),
        MessageHeaders.controlHeaders(compat, Abi.I386));
    // a length shorter than a header ends the walk (EINVAL in the kernel): nothing after it is read
    byte[] malformed = bytes().u64le(8).u32le(0).u32le(7).u64le(16).u32le(41).u32le(57).build();
    assertEquals(List.of(), MessageHeaders.controlHeaders(malformed, Abi.X86_64));
    assertEquals(List.of(), MessageHeaders.controlHeaders(new byte[3], Abi.X86_64));
    assertEquals(List.of(), MessageHeaders.controlHeaders(null, Abi.X86_64));
  }
}
