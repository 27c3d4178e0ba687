package dev.plumbline.trace.decode;

import static dev.plumbline.trace.decode.Fixtures.bytes;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class SocketAddressTest {

  private static byte[] inet(int port, int a, int b, int c, int d) {
    return bytes().u16le(2).u16be(port).u8(a, b, c, d).zeros(8).build();
  }

  private static Fixtures inet6(int port, int... groups) {
    Fixtures f = bytes().u16le(10).u16be(port).u32le(0);
    for (int g : groups) {
      f.u16be(g);
    }
    return f;
  }

  @Test
  void ipv4() throws DecodeException {
    SocketAddress a = SocketAddress.decode(inet(80, 127, 0, 0, 1));
    assertEquals(new SocketAddress("inet", "127.0.0.1", 80, null, false), a);
    assertEquals("127.0.0.1:80", a.display());
    assertEquals("10.255.0.254:65535", SocketAddress.decode(inet(65535, 10, 255, 0, 254)).display());
  }

  @Test
  void ipv4WithoutPaddingStillDecodes() throws DecodeException {
    byte[] eight = bytes().u16le(2).u16be(53).u8(127, 0, 0, 53).build();
    assertEquals("127.0.0.53:53", SocketAddress.decode(eight).display());
  }

  @Test
  void ipv4TooShort() {
    byte[] raw = bytes().u16le(2).u16be(80).u8(127, 0).build();
    DecodeException e = assertThrows(DecodeException.class, () -> SocketAddress.decode(raw));
    assertEquals("AF_INET socket address too short: 6 bytes, need 8", e.getMessage());
  }

  @Test
  void ipv6Loopback() throws DecodeException {
    SocketAddress a = SocketAddress.decode(inet6(443, 0, 0, 0, 0, 0, 0, 0, 1).u32le(0).build());
    assertEquals("inet6", a.family());
    assertEquals("::1", a.address());
    assertEquals(443, a.port());
    assertEquals("[::1]:443", a.display());
    assertNull(a.mappedIpv4());
  }

  @Test
  void ipv6Compression() throws DecodeException {
    assertEquals("2001:db8::1", SocketAddress.decode(inet6(1, 0x2001, 0xdb8, 0, 0, 0, 0, 0, 1).build()).address());
    // a single zero group is not compressed; the longest run wins, the first on ties
    assertEquals("2001:db8:0:1:1:1:1:1",
        SocketAddress.decode(inet6(1, 0x2001, 0xdb8, 0, 1, 1, 1, 1, 1).build()).address());
    assertEquals("2001:0:0:1::1",
        SocketAddress.decode(inet6(1, 0x2001, 0, 0, 1, 0, 0, 0, 1).build()).address());
    assertEquals("1::1:0:0:1", SocketAddress.decode(inet6(1, 1, 0, 0, 0, 1, 0, 0, 1).build()).address());
    assertEquals("::", SocketAddress.decode(inet6(1, 0, 0, 0, 0, 0, 0, 0, 0).build()).address());
    assertEquals("fe80::abcd:ef01", SocketAddress.decode(inet6(1, 0xfe80, 0, 0, 0, 0, 0, 0xabcd, 0xef01).build()).address());
  }

  @Test
  void ipv6ScopeId() throws DecodeException {
    SocketAddress a = SocketAddress.decode(inet6(22, 0xfe80, 0, 0, 0, 0, 0, 0, 1).u32le(3).build());
    assertEquals("fe80::1%3", a.address());
    assertEquals("[fe80::1%3]:22", a.display());
  }

  @Test
  void ipv4MappedIpv6() throws DecodeException {
    SocketAddress a = SocketAddress.decode(inet6(8080, 0, 0, 0, 0, 0, 0xffff, 0x7f00, 0x0001).u32le(0).build());
    assertEquals("::ffff:127.0.0.1", a.address());
    assertEquals("[::ffff:127.0.0.1]:8080", a.display());
    assertEquals("127.0.0.1", a.mappedIpv4());
  }

  @Test
  void ipv6TooShort() {
    byte[] raw = inet6(1, 0, 0, 0, 0, 0, 0, 0).build(); // 22 bytes
    DecodeException e = assertThrows(DecodeException.class, () -> SocketAddress.decode(raw));
    assertEquals("AF_INET6 socket address too short: 22 bytes, need 24", e.getMessage());
  }

  @Test
  void unixPathWithNul() throws DecodeException {
    byte[] raw = bytes().u16le(1).ascii("/var/run/docker.sock").u8(0).zeros(87).build();
    assertEquals(110, raw.length);
    SocketAddress a = SocketAddress.decode(raw);
    assertEquals(new SocketAddress("unix", null, null, "/var/run/docker.sock", false), a);
    assertEquals("unix:/var/run/docker.sock", a.display());
  }

  @Test
  void unixPathWithoutNul() throws DecodeException {
    // addrlen = offsetof(sun_path) + strlen(path): no terminating NUL is passed
    byte[] raw = bytes().u16le(1).ascii("/tmp/s").build();
    assertEquals("unix:/tmp/s", SocketAddress.decode(raw).display());
  }

  @Test
  void unixAbstract() throws DecodeException {
    byte[] raw = bytes().u16le(1).u8(0).ascii("/tmp/.X11-unix/X0").build();
    SocketAddress a = SocketAddress.decode(raw);
    assertTrue(a.abstractName());
    assertEquals("/tmp/.X11-unix/X0", a.path());
    assertEquals("unix:@/tmp/.X11-unix/X0", a.display());
  }

  @Test
  void unixAbstractKeepsEmbeddedNulsVisible() throws DecodeException {
    byte[] raw = bytes().u16le(1).u8(0).ascii("a").u8(0).ascii("b").build();
    assertEquals("unix:@a\\x00b", SocketAddress.decode(raw).display());
  }

  @Test
  void unixUnnamed() throws DecodeException {
    SocketAddress a = SocketAddress.decode(bytes().u16le(1).build());
    assertNull(a.path());
    assertFalse(a.abstractName());
    assertEquals("unix:(unnamed)", a.display());
  }

  @Test
  void unixNonUtf8PathIsEscaped() throws DecodeException {
    byte[] raw = bytes().u16le(1).ascii("/tmp/").u8(0xff, 0xfe).u8(0).build();
    assertEquals("/tmp/\\xff\\xfe", SocketAddress.decode(raw).path());
  }

  @Test
  void recordAddress() throws DecodeException {
    assertEquals("127.0.0.1", SocketAddress.decode(inet(80, 127, 0, 0, 1)).recordAddress());
    assertEquals("/tmp/s", SocketAddress.decode(bytes().u16le(1).ascii("/tmp/s").u8(0).build()).recordAddress());
    assertEquals("@name", SocketAddress.decode(bytes().u16le(1).u8(0).ascii("name").build()).recordAddress());
    assertEquals("", SocketAddress.decode(bytes().u16le(1).build()).recordAddress());
  }

  @Test
  void netlink() throws DecodeException {
    byte[] raw = bytes().u16le(16).u16le(0).u32le(0).u32le(0x11).build();
    SocketAddress a = SocketAddress.decode(raw);
    assertEquals("netlink", a.family());
    assertEquals("netlink:pid=0 groups=0x11", a.display());
  }

  @Test
  void unknownFamilyKeepsNumber() throws DecodeException {
    SocketAddress packet = SocketAddress.decode(bytes().u16le(17).zeros(18).build());
    assertEquals("unknown", packet.family());
    assertEquals("af=17", packet.address());
    assertEquals("af=17", packet.display());
    assertEquals("af=0", SocketAddress.decode(bytes().u16le(0).zeros(14).build()).address());
  }

  @Test
  void tooShortForFamily() {
    DecodeException e = assertThrows(DecodeException.class, () -> SocketAddress.decode(new byte[] {2}));
    assertEquals("socket address too short: 1 bytes, need at least 2 for the family", e.getMessage());
    assertThrows(DecodeException.class, () -> SocketAddress.decode(null));
  }

  @Test
  void anUnspecifiedDestinationIsWhatTheSocketMakesOfIt() throws DecodeException {
    byte[] unspec = bytes().u16le(0).u16be(9999).u8(127, 0, 0, 1).zeros(8).build();
    // IPv4 UDP (SOCK_DGRAM, IPPROTO_UDP) and UDP-Lite read it as AF_INET
    assertEquals("127.0.0.1:9999", SocketAddress.decode(SocketAddress.unspecifiedAs(unspec, 2, 2, 17)).display());
    assertEquals("127.0.0.1:9999", SocketAddress.decode(SocketAddress.unspecifiedAs(unspec, 2, 2, 136)).display());
    // an IPv4 raw socket too, whatever it carries
    assertEquals("127.0.0.1:9999", SocketAddress.decode(SocketAddress.unspecifiedAs(unspec, 2, 3, 17)).display());
    assertEquals(0, unspec[0], "the tracee's bytes are not changed");
    // TCP (Fast Open disconnects), ping sockets, IPv6 UDP (uses its peer), unix: no destination
    assertNull(SocketAddress.unspecifiedAs(unspec, 2, 1, 6));
    assertNull(SocketAddress.unspecifiedAs(unspec, 2, 2, 1));
    assertNull(SocketAddress.unspecifiedAs(unspec, 10, 2, 17));
    assertNull(SocketAddress.unspecifiedAs(unspec, 1, 2, 0));
    // the kernel wants a whole sockaddr_in (EINVAL otherwise)
    assertNull(SocketAddress.unspecifiedAs(bytes().u16le(0).u16be(53).u8(127, 0, 0, 53).build(), 2, 2, 17));
    // an IPv6 raw socket reads it as AF_INET6
    byte[] unspec6 = bytes().u16le(0).u16be(53).u32le(0).zeros(15).u8(1).u32le(0).build();
    assertEquals("[::1]:53", SocketAddress.decode(SocketAddress.unspecifiedAs(unspec6, 10, 3, 17)).display());
    // a packet socket ignores the family: the gate sees the bytes as AF_PACKET
    assertEquals("af=17", SocketAddress.decode(SocketAddress.unspecifiedAs(unspec, 17, 3, 0)).display());
  }

  @Test
  void unixPathIsTheExactNameAndUnixAddressEncodesOne() throws Exception {
    byte[] raw = SocketAddress.unixAddress("/run/x.sock");
    assertEquals(2 + 11 + 1, raw.length);
    assertEquals(SocketAddress.AF_UNIX, SocketAddress.familyOf(raw));
    assertEquals("/run/x.sock", SocketAddress.unixPath(raw));
    assertEquals("/run/x.sock", SocketAddress.decode(raw).path());
    byte[] padded = java.util.Arrays.copyOf(raw, SocketAddress.SOCKADDR_UN_SIZE);
    assertEquals("/run/x.sock", SocketAddress.unixPath(padded), "up to the first NUL");
    assertNull(SocketAddress.unixPath(new byte[] {1, 0, 0, 'a', 'b'}), "abstract");
    assertNull(SocketAddress.unixPath(new byte[] {1, 0}), "unnamed");
    assertNull(SocketAddress.unixPath(new byte[] {2, 0, 'a'}), "not AF_UNIX");
    assertNull(SocketAddress.unixPath(new byte[] {1, 0, (byte) 0xff, 'a'}), "not UTF-8");
    assertNull(SocketAddress.unixAddress("/" + "a".repeat(107)), "past sun_path (108 bytes with the NUL)");
    assertEquals(SocketAddress.SOCKADDR_UN_SIZE, SocketAddress.unixAddress("/" + "a".repeat(106)).length);
  }
}
