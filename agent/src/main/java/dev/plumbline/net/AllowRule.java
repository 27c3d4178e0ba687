package dev.plumbline.net;

import java.net.InetAddress;

/**
 * One allowed destination, as given to {@code --allow} or in an allow file: a host pattern and an
 * optional port ({@code null} = any port).
 *
 * <p>Forms: {@code name}, {@code *.suffix}, {@code *} (any host), {@code 1.2.3.4}, {@code 10.0.0.0/8},
 * {@code ::1}, {@code 2001:db8::/32}, each optionally followed by {@code :PORT}; IPv6 with a port
 * is written in brackets: {@code [::1]:443}, {@code [2001:db8::/32]:443}.
 */
public record AllowRule(String text, Host host, Integer port) {

  /** What a rule matches on the host side. */
  public sealed interface Host {
    /** Exactly this name (canonical: lower case, no trailing dot). */
    record Name(String name) implements Host {}

    /** Any name strictly below {@code suffix}: {@code *.x.org} matches {@code a.x.org}, not {@code x.org}. */
    record Subdomains(String suffix) implements Host {}

    /** Exactly this address. */
    record Address(InetAddress address) implements Host {}

    /** Any address in this block. */
    record Network(Cidr block) implements Host {}

    /** {@code *}: every name and every address. */
    record Any() implements Host {}
  }

  public static AllowRule parse(String text) throws RuleSyntaxException {
    if (text == null || text.isBlank()) {
      throw new RuleSyntaxException("empty allow rule");
    }
    String s = text.strip();
    String hostPart;
    String portPart = null;
    if (s.startsWith("[")) {
      int close = s.indexOf(']');
      if (close < 0) {
        throw new RuleSyntaxException("'" + s + "': missing ']'");
      }
      hostPart = s.substring(1, close);
      String rest = s.substring(close + 1);
      if (!rest.isEmpty()) {
        if (!rest.startsWith(":")) {
          throw new RuleSyntaxException("'" + s + "': expected ':PORT' after ']'");
        }
        portPart = rest.substring(1);
      }
      if (hostPart.indexOf(':') < 0) {
        throw new RuleSyntaxException("'" + s + "': brackets are only for IPv6 addresses");
      }
    } else {
      int colons = (int) s.chars().filter(c -> c == ':').count();
      if (colons == 1) {
        int c = s.indexOf(':');
        hostPart = s.substring(0, c);
        portPart = s.substring(c + 1);
      } else {
        hostPart = s; // no port, or a bare IPv6 address/block (which cannot carry one without brackets)
      }
    }
    Integer port = parsePort(s, portPart);
    return new AllowRule(s, parseHost(s, hostPart), port);
  }

  private static Integer parsePort(String rule, String p) throws RuleSyntaxException {
    if (p == null || p.equals("*")) {
      return null;
    }
    if (p.isEmpty() || p.length() > 5 || !p.chars().allMatch(c -> c >= '0' && c <= '9')) {
      throw new RuleSyntaxException("'" + rule + "': port '" + p + "' is not a number from 1 to 65535");
    }
    int v = Integer.parseInt(p);
    if (v < 1 || v > 65535) {
      throw new RuleSyntaxException("'" + rule + "': port " + v + " is not between 1 and 65535");
    }
    return v;
  }

  private static Host parseHost(String rule, String h) throws RuleSyntaxException {
    if (h.isEmpty()) {
      throw new RuleSyntaxException("'" + rule + "': missing host");
    }
    if (h.equals("*")) {
      return new Host.Any();
    }
    Cidr block = Cidr.parse(h);
    if (block != null) {
      return new Host.Network(block);
    }
    InetAddress literal = Addresses.parseLiteral(h);
    if (literal != null) {
      return new Host.Address(literal);
    }
    if (h.indexOf(':') >= 0) {
      throw new RuleSyntaxException("'" + rule + "': '" + h + "' is not an IPv6 address");
    }
    if (h.startsWith("*.")) {
      String suffix = HostNames.canonical(h.substring(2));
      if (suffix == null || suffix.indexOf('*') >= 0) {
        throw new RuleSyntaxException("'" + rule + "': '" + h + "' is not a valid wildcard (use *.example.org)");
      }
      return new Host.Subdomains(suffix);
    }
    if (h.indexOf('*') >= 0) {
      throw new RuleSyntaxException("'" + rule + "': a wildcard is only allowed as a leading '*.' (e.g. *.example.org)");
    }
    if (h.chars().allMatch(c -> (c >= '0' && c <= '9') || c == '.')) {
      throw new RuleSyntaxException("'" + rule + "': '" + h + "' is not a valid IPv4 address");
    }
    String name = HostNames.canonical(h);
    if (name == null) {
      throw new RuleSyntaxException("'" + rule + "': '" + h + "' is not a valid host name");
    }
    return new Host.Name(name);
  }

  boolean portMatches(int p) {
    return port == null || port == p;
  }

  /** Whether this rule allows the (canonical) name on any port. */
  public boolean matchesName(String canonicalName) {
    if (host instanceof Host.Any) {
      return true;
    }
    if (host instanceof Host.Name n) {
      return n.name().equals(canonicalName);
    }
    if (host instanceof Host.Subdomains w) {
      return canonicalName.endsWith("." + w.suffix());
    }
    return false;
  }

  /** Whether this rule allows the address itself (not through a name) on any port. */
  public boolean matchesAddress(InetAddress address) {
    InetAddress a = Addresses.normalize(address);
    if (host instanceof Host.Any) {
      return true;
    }
    if (host instanceof Host.Address x) {
      return x.address().equals(a);
    }
    if (host instanceof Host.Network n) {
      return n.block().contains(a);
    }
    return false;
  }
}
