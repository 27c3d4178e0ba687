package dev.plumbline.net;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Arrays;
import java.util.List;

/**
 * Strict parsing of IP address literals (never a DNS lookup) and the normalisations matching needs:
 * IPv4-mapped IPv6 addresses ({@code ::ffff:a.b.c.d}) are the IPv4 address they carry.
 */
public final class Addresses {
  private Addresses() {}

  /** The address a literal denotes, or null when {@code text} is not an IPv4 or IPv6 literal. */
  public static InetAddress parseLiteral(String text) {
    if (text == null || text.isEmpty()) {
      return null;
    }
    String s = text;
    if (s.startsWith("[") && s.endsWith("]")) {
      s = s.substring(1, s.length() - 1);
    }
    if (s.indexOf(':') < 0) {
      byte[] v4 = parseIpv4(s);
      return v4 == null ? null : byAddress(v4);
    }
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      boolean ok = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') || c == ':' || c == '.';
      if (!ok) {
        return null; // zone ids (%eth0) and anything else that is not a plain literal
      }
    }
    int lastColon = s.lastIndexOf(':');
    String tail = s.substring(lastColon + 1);
    if (tail.indexOf('.') >= 0 && parseIpv4(tail) == null) {
      return null;
    }
    try {
      // Only hex digits, colons and dots reach here, so this parses a literal and never resolves.
      return normalize(InetAddress.getByName(s));
    } catch (UnknownHostException | RuntimeException e) {
      return null;
    }
  }

  /**
   * The address of a destination as the tracer reports it: a literal, where an IPv6 scope
   * ({@code fe80::1%2}) is dropped (rules match addresses, not interfaces); null when not a literal.
   */
  public static InetAddress parseDestination(String text) {
    if (text == null) {
      return null;
    }
    int zone = text.indexOf('%');
    if (zone > 0 && text.indexOf(':') >= 0) {
      text = text.substring(0, zone);
    }
    return parseLiteral(text);
  }

  /** Dotted quad, four decimal parts 0..255, no leading zeros (which some parsers read as octal). */
  static byte[] parseIpv4(String s) {
    String[] parts = s.split("\\.", -1);
    if (parts.length != 4) {
      return null;
    }
    byte[] out = new byte[4];
    for (int i = 0; i < 4; i++) {
      String p = parts[i];
      if (p.isEmpty() || p.length() > 3 || (p.length() > 1 && p.charAt(0) == '0')) {
        return null;
      }
      int v = 0;
      for (int j = 0; j < p.length(); j++) {
        char c = p.charAt(j);
        if (c < '0' || c > '9') {
          return null;
        }
        v = v * 10 + (c - '0');
      }
      if (v > 255) {
        return null;
      }
      out[i] = (byte) v;
    }
    return out;
  }

  /** IPv4-mapped IPv6 becomes IPv4; everything else is returned as is. */
  public static InetAddress normalize(InetAddress a) {
    if (a instanceof Inet6Address) {
      byte[] b = a.getAddress();
      boolean mapped = true;
      for (int i = 0; i < 10; i++) {
        mapped &= b[i] == 0;
      }
      mapped &= b[10] == (byte) 0xff && b[11] == (byte) 0xff;
      if (mapped) {
        return byAddress(Arrays.copyOfRange(b, 12, 16));
      }
    }
    return a;
  }

  /**
   * Whether a connection to {@code a} stays on this host: 127.0.0.0/8, ::1, and the unspecified
   * addresses 0.0.0.0 and :: (Linux connects those to the local host).
   */
  public static boolean isLoopback(InetAddress a) {
    InetAddress n = normalize(a);
    return n.isLoopbackAddress() || n.isAnyLocalAddress();
  }

  /**
   * The loopback blocks of {@link #isLoopback(InetAddress)} (127.0.0.0/8 and ::1, not the
   * unspecified addresses), for filters that test a peer's address themselves: a peer connecting
   * in from one of these is on this host.
   */
  public static List<Cidr> loopbackBlocks() {
    return List.of(new Cidr(byAddress(new byte[] {127, 0, 0, 0}), 8), new Cidr(byAddress(LOOPBACK6), 128));
  }

  private static final byte[] LOOPBACK6 = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};

  /**
   * Whether a socket bound to {@code bound} can be reached from other hosts: anything but a
   * loopback address (0.0.0.0 and :: are every address of the host).
   */
  public static boolean reachableFromOutside(InetAddress bound) {
    return !normalize(bound).isLoopbackAddress();
  }

  /**
   * {@link #isLoopback(InetAddress)} of an address as a record holds it (a literal, maybe with an
   * IPv6 scope); false for anything that is not a literal (a unix socket path, a name, null).
   */
  public static boolean isLoopback(String address) {
    InetAddress a = parseDestination(address);
    return a != null && isLoopback(a);
  }

  /**
   * An address and port as people and allow rules write them: {@code 192.0.2.7:443},
   * {@code [2001:db8::1]:443} (brackets keep the port apart from an IPv6 address); no port, no
   * {@code :PORT}.
   */
  public static String withPort(String address, Integer port) {
    String a = address == null ? "?" : address.indexOf(':') >= 0 ? "[" + address + "]" : address;
    return port == null ? a : a + ":" + port;
  }

  /** The canonical text of an address: dotted quad, or RFC 5952 compressed IPv6. */
  public static String format(InetAddress a) {
    InetAddress n = normalize(a);
    if (n instanceof Inet4Address) {
      return n.getHostAddress();
    }
    return formatIpv6(n.getAddress());
  }

  static InetAddress byAddress(byte[] raw) {
    try {
      return InetAddress.getByAddress(raw);
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException("address of " + raw.length + " bytes", e);
    }
  }

  /** RFC 5952: lower case, longest run (≥2) of zero groups as {@code ::}, IPv4-mapped as dotted quad. */
  public static String formatIpv6(byte[] a) {
    boolean mapped = true;
    for (int i = 0; i < 10; i++) {
      mapped &= a[i] == 0;
    }
    mapped &= (a[10] & 0xff) == 0xff && (a[11] & 0xff) == 0xff;
    if (mapped) {
      return "::ffff:" + (a[12] & 0xff) + "." + (a[13] & 0xff) + "." + (a[14] & 0xff) + "." + (a[15] & 0xff);
    }
    int[] groups = new int[8];
    for (int i = 0; i < 8; i++) {
      groups[i] = (a[2 * i] & 0xff) << 8 | (a[2 * i + 1] & 0xff);
    }
    int bestStart = -1;
    int bestLen = 0;
    for (int i = 0; i < 8; ) {
      if (groups[i] != 0) {
        i++;
        continue;
      }
      int j = i;
      while (j < 8 && groups[j] == 0) {
        j++;
      }
      if (j - i > bestLen) {
        bestStart = i;
        bestLen = j - i;
      }
      i = j;
    }
    if (bestLen < 2) {
      bestStart = -1;
    }
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < 8; i++) {
      if (i == bestStart) {
        sb.append("::");
        i += bestLen - 1;
        continue;
      }
      if (sb.length() > 0 && sb.charAt(sb.length() - 1) != ':') {
        sb.append(':');
      }
      sb.append(Integer.toHexString(groups[i]));
    }
    return sb.toString();
  }
}
