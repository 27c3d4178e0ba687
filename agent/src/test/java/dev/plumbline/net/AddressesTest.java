package dev.plumbline.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.Inet4Address;
import org.junit.jupiter.api.Test;

class AddressesTest {
  @Test
  void literalsOnlyNeverNames() {
    assertNull(Addresses.parseLiteral("localhost"));
    assertNull(Addresses.parseLiteral("example.org"));
    assertNull(Addresses.parseLiteral("1.2.3"));
    assertNull(Addresses.parseLiteral("0x7f.0.0.1"));
    assertNull(Addresses.parseLiteral("::ffff:1.2.3"));
    assertNull(Addresses.parseLiteral(""));
    assertNull(Addresses.parseLiteral(null));
  }

  @Test
  void mappedIpv6IsIpv4() {
    assertTrue(Addresses.parseLiteral("::ffff:127.0.0.1") instanceof Inet4Address);
    assertEquals("127.0.0.1", Addresses.format(Addresses.parseLiteral("::ffff:7f00:1")));
  }

  @Test
  void loopbackIncludesUnspecified() {
    assertTrue(Addresses.isLoopback(Addresses.parseLiteral("127.8.9.10")));
    assertTrue(Addresses.isLoopback(Addresses.parseLiteral("::1")));
    assertTrue(Addresses.isLoopback(Addresses.parseLiteral("::ffff:127.0.0.1")));
    assertTrue(Addresses.isLoopback(Addresses.parseLiteral("0.0.0.0")));
    assertTrue(Addresses.isLoopback(Addresses.parseLiteral("::")));
    assertFalse(Addresses.isLoopback(Addresses.parseLiteral("128.0.0.1")));
    assertFalse(Addresses.isLoopback(Addresses.parseLiteral("::2")));
  }

  @Test
  void formatsRfc5952() {
    assertEquals("2001:db8::1", Addresses.format(Addresses.parseLiteral("2001:0DB8:0:0:0:0:0:1")));
    assertEquals("::1", Addresses.format(Addresses.parseLiteral("0:0:0:0:0:0:0:1")));
    assertEquals("::", Addresses.format(Addresses.parseLiteral("::")));
    assertEquals("2001:db8:0:1:1:1:1:1", Addresses.format(Addresses.parseLiteral("2001:db8:0:1:1:1:1:1")));
    assertEquals("2001:db8::1:0:0:1", Addresses.format(Addresses.parseLiteral("2001:db8:0:0:1:0:0:1")));
    assertEquals("fe80::", Addresses.format(Addresses.parseLiteral("fe80::")));
  }

  @Test
  void loopbackOfARecordedAddress() {
    assertTrue(Addresses.isLoopback("127.0.0.53"));
    assertTrue(Addresses.isLoopback("::1"));
    assertTrue(Addresses.isLoopback("::ffff:127.0.0.1"));
    assertFalse(Addresses.isLoopback("128.0.0.1"));
    assertFalse(Addresses.isLoopback("::2"));
    assertFalse(Addresses.isLoopback("localhost"));
    // the one definition: Linux connects the unspecified addresses to this host, so they are loopback too
    assertTrue(Addresses.isLoopback("0.0.0.0"));
    assertTrue(Addresses.isLoopback("::"));
    assertFalse(Addresses.isLoopback("fe80::1%2"));
    assertFalse(Addresses.isLoopback((String) null));
    assertFalse(Addresses.isLoopback("/run/docker.sock"));
  }
}
