package dev.plumbline.trace.ptrace;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.junit.jupiter.api.Test;

class ProtocolsTest {
  @Test
  void namesFromDomainTypeAndProtocol() {
    assertEquals("tcp", Protocols.name(2, 1, 6));
    assertEquals("udp", Protocols.name(10, 2, 17));
    assertEquals("icmp", Protocols.name(2, 2, 1)); // a ping socket
    assertEquals("unix-stream", Protocols.name(1, 1, 0));
    assertEquals("unix-dgram", Protocols.name(1, 2, 0));
  }

  @Test
  void rawSocketsAreRawWhateverTheyCarry() {
    assertEquals("raw", Protocols.name(2, 3, 17)); // SOCK_RAW, IPPROTO_UDP
    assertEquals("raw", Protocols.name(2, 3, 6));
    assertEquals("raw", Protocols.name(10, 3, 58));
    assertEquals("raw", Protocols.name(17, 3, 0)); // AF_PACKET
  }

  @Test
  void theTracerFollowsSocketsWhoseEveryDestinationIsASockaddr() {
    assertNull(Protocols.unfollowed(1, 1, 0));
    assertNull(Protocols.unfollowed(16, 3, 0));
    assertNull(Protocols.unfollowed(38, 5, 0)); // AF_ALG: the kernel's crypto
    assertNull(Protocols.unfollowed(2, 1 | 0x800, 0));
    assertNull(Protocols.unfollowed(10, 1, 262)); // MPTCP
    assertNull(Protocols.unfollowed(2, 3, 17)); // raw UDP: the sockaddr is where it goes (IP_HDRINCL refused apart)
    assertEquals(97, Protocols.unfollowed(40, 1, 0).errno()); // AF_VSOCK: EAFNOSUPPORT
    assertEquals(97, Protocols.unfollowed(17, 3, 8).errno()); // AF_PACKET
    assertEquals(93, Protocols.unfollowed(2, 1, 132).errno()); // SCTP: EPROTONOSUPPORT
    assertEquals(93, Protocols.unfollowed(10, 3 | 0x80000, 255).errno()); // IPPROTO_RAW writes its own header
    assertNotNull(Protocols.unfollowed(2, 1, 256)); // IPPROTO_SMC, or anything newer
  }
}
