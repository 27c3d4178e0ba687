package dev.plumbline.policy;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * One allowed egress destination, written like {@code plumbline run --allow}: {@code HOST[:PORT]}
 * where HOST is a name ({@code deb.debian.org}), a wildcard ({@code *.debian.org}: any name below
 * debian.org, not debian.org itself), an address ({@code 192.0.2.7}, {@code [2001:db8::1]}) or a
 * CIDR ({@code 10.0.0.0/8}, {@code [2001:db8::/32]}). Without a port every port is allowed.
 */
public final class HostRule {
  private static final Pattern NAME =
      Pattern.compile("(\\*\\.)?([a-z0-9_]([a-z0-9_-]*[a-z0-9_])?)(\\.[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?)*\\.?");
  private static final Pattern IPV4 = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");

  private final String text;
  private final String name; // lower case, no trailing dot, no "*." prefix; null for addresses
  private final boolean wildcard;
  private final byte[] network; // address bytes for addresses and CIDRs
  private final int prefix;
  private final Integer port;

  private HostRule(String text, String name, boolean wildcard, byte[] network, int prefix, Integer port) {
    this.text = text;
    this.name = name;
    this.wildcard = wildcard;
    this.network = network;
    this.prefix = prefix;
    this.port = port;
  }

  @JsonCreator(mode = JsonCreator.Mode.DELEGATING)
  public static HostRule parse(String text) {
    if (text == null || text.isBlank()) {
      throw new IllegalArgumentException("empty destination");
    }
    String t = text.strip();
    String host;
    Integer port = null;
    if (t.startsWith("[")) {
      int end = t.indexOf(']');
      if (end < 0) {
        throw bad(text, "missing ']'");
      }
      host = t.substring(1, end);
      String rest = t.substring(end + 1);
      if (!rest.isEmpty()) {
        if (!rest.startsWith(":")) {
          throw bad(text, "expected ':PORT' after ']'");
        }
        port = port(text, rest.substring(1));
      }
    } else if (t.indexOf(':') >= 0 && t.indexOf(':') == t.lastIndexOf(':')) {
      host = t.substring(0, t.indexOf(':'));
      port = port(text, t.substring(t.indexOf(':') + 1));
    } else {
      host = t; // a bare IPv6 address or CIDR has several colons and no port
    }
    String lower = host.toLowerCase(Locale.ROOT);
    String addressPart = lower;
    int prefix = -1;
    int slash = lower.indexOf('/');
    if (slash >= 0) {
      addressPart = lower.substring(0, slash);
      try {
        prefix = Integer.parseInt(lower.substring(slash + 1));
      } catch (NumberFormatException e) {
        throw bad(text, "bad CIDR prefix");
      }
    }
    byte[] address = literalAddress(addressPart);
    if (address != null) {
      int bits = address.length * 8;
      if (prefix == -1) {
        prefix = bits;
      }
      if (prefix < 0 || prefix > bits) {
        throw bad(text, "CIDR prefix must be 0.." + bits);
      }
      return new HostRule(text, null, false, mask(address, prefix), prefix, port);
    }
    if (slash >= 0) {
      throw bad(text, "a CIDR needs an IP address before '/'");
    }
    if (!NAME.matcher(lower).matches() || lower.indexOf('*', 1) >= 0) {
      throw bad(text, "not a host name, *.wildcard, address or CIDR");
    }
    boolean wildcard = lower.startsWith("*.");
    String name = wildcard ? lower.substring(2) : lower;
    if (name.endsWith(".")) {
      name = name.substring(0, name.length() - 1);
    }
    return new HostRule(text, name, wildcard, null, 0, port);
  }

  /** Whether a destination with this host name (may be null), address (may be null) and port is allowed. */
  public boolean matches(String hostname, String address, Integer destPort) {
    if (port != null && !port.equals(destPort)) {
      return false;
    }
    if (name != null) {
      String h = normalizeName(hostname);
      if (h == null) {
        return false;
      }
      return wildcard ? h.endsWith("." + name) : h.equals(name);
    }
    byte[] a = address == null ? null : literalAddress(address.toLowerCase(Locale.ROOT));
    if (a == null) {
      return false;
    }
    if (a.length != network.length) {
      a = mappedIpv4(a, network.length);
      if (a == null) {
        return false;
      }
    }
    return java.util.Arrays.equals(mask(a, prefix), network);
  }

  public Integer port() {
    return port;
  }

  @JsonValue
  @Override
  public String toString() {
    return text;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof HostRule h && h.text.equals(text);
  }

  @Override
  public int hashCode() {
    return text.hashCode();
  }

  static String normalizeName(String hostname) {
    if (hostname == null || hostname.isBlank()) {
      return null;
    }
    String h = hostname.strip().toLowerCase(Locale.ROOT);
    return h.endsWith(".") ? h.substring(0, h.length() - 1) : h;
  }

  /** The bytes of an IPv4 or IPv6 literal, or null for anything else; never resolves a name. */
  static byte[] literalAddress(String s) {
    if (s == null || s.isEmpty()) {
      return null;
    }
    String v = s;
    int zone = v.indexOf('%');
    if (zone >= 0) {
      v = v.substring(0, zone);
    }
    boolean looksV4 = IPV4.matcher(v).matches();
    boolean looksV6 = v.indexOf(':') >= 0 && v.matches("[0-9a-f:.]+");
    if (!looksV4 && !looksV6) {
      return null;
    }
    if (looksV4) {
      for (String part : v.split("\\.")) {
        if (Integer.parseInt(part) > 255) {
          return null;
        }
      }
    }
    try {
      return InetAddress.getByName(v).getAddress(); // a literal: no lookup happens
    } catch (UnknownHostException e) {
      return null;
    }
  }

  private static byte[] mappedIpv4(byte[] a, int wanted) {
    if (a.length == 16 && wanted == 4) {
      for (int i = 0; i < 10; i++) {
        if (a[i] != 0) {
          return null;
        }
      }
      if (a[10] != (byte) 0xff || a[11] != (byte) 0xff) {
        return null;
      }
      return java.util.Arrays.copyOfRange(a, 12, 16);
    }
    return null;
  }

  private static byte[] mask(byte[] address, int prefix) {
    byte[] out = address.clone();
    for (int i = 0; i < out.length; i++) {
      int keep = Math.max(0, Math.min(8, prefix - i * 8));
      int m = keep == 0 ? 0 : (0xff << (8 - keep)) & 0xff;
      out[i] = (byte) (out[i] & m);
    }
    return out;
  }

  private static Integer port(String text, String p) {
    try {
      int v = Integer.parseInt(p);
      if (v < 1 || v > 65535) {
        throw bad(text, "port must be 1..65535");
      }
      return v;
    } catch (NumberFormatException e) {
      throw bad(text, "port must be a number");
    }
  }

  private static IllegalArgumentException bad(String text, String why) {
    return new IllegalArgumentException("bad destination '" + text + "': " + why);
  }
}
