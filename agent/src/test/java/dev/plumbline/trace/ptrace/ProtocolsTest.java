package dev.plumbline.trace.ptrace;

import static org.junit.jupiter.api.Assertions.assertEquals;

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
}
