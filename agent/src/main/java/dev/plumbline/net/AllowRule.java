package dev.plumbline.net;

import java.net.InetAddress;

/**
 * One allowed destination: a host pattern and an optional port ({@code null} = any port). The one
 * syntax of {@code run --allow}, allow files, the action's {@code allowed-endpoints} and a
 * policy's {@code egress.allowed} (docs/egress.md).
 *
 * <p>Forms: {@code name}, {@code *.suffix}, {@code *} (any host), {@code 1.2.3.4}, {@code 10.0.0.0/8},
 * {@code ::1}, {@code 2001:db8::/32}, each optionally followed by {@code :PORT} ({@code :*} = any
 * port); IPv6 with a port is written in brackets: {@code [::1]:443}, {@code [2001:db8::/32]:443}.
 * Anything else is refused rather than guessed at: host bits after the prefix ({@code 10.0.0.1/8}),
 * octal-looking or short IPv4 ({@code 01.2.3.4}, {@code 1.2.3}), zone ids, brackets around a name
 * or an IPv4 address, labels that start or end with {@code -}.
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
    if (text.chars().anyMatch(Character::isISOControl)) {
      throw new RuleSyntaxException("an allow rule contains a control character"); // not echoed to a terminal
    }
    if (text.strip().chars().anyMatch(Character::isWhitespace)) {
      throw new RuleSyntaxException("'" + text.strip() + "': one rule is one word (no spaces)");
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
      throw new RuleSyntaxException("'" + rule + "': port must be a number from 1 to 65535, not '" + p + "'");
    }
    int v = Integer.parseInt(p);
    if (v < 1 || v > 65535) {
      throw new RuleSyntaxException("'" + rule + "': port must be between 1 and 65535, not " + v);
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
    if (name == null || !hyphensInside(name)) {
      throw new RuleSyntaxException("'" + rule + "': '" + h + "' is not a valid host name");
    }
    return new Host.Name(name);
  }

  /** RFC 1123: a label of a host name a person writes neither starts nor ends with '-'. */
  private static boolean hyphensInside(String canonicalName) {
    for (String label : canonicalName.split("\\.")) {
      if (label.startsWith("-") || label.endsWith("-")) {
        return false;
      }
    }
    return true;
  }

  /**
   * The rule allowing exactly one destination of a record: by its host name when it has a valid
   * one, else by its address (an IPv6 scope dropped); null when it has neither or its port is
   * not 1..65535. Its text parses back to an equal rule ({@code policy init} writes these).
   */
  public static AllowRule exactly(String hostname, String address, Integer port) {
    String name = HostNames.canonical(hostname);
    String host;
    if (name != null && hyphensInside(name)) {
      host = name;
    } else {
      InetAddress a = Addresses.parseDestination(address);
      if (a == null) {
        return null;
      }
      host = Addresses.format(a);
    }
    try {
      return parse(Addresses.withPort(host, port));
    } catch (RuleSyntaxException e) {
      return null; // port 0: no rule can name it
    }
  }

  /** The rule as written (stripped): what the record's {@code agent.allow} and a policy show. */
  @Override
  public String toString() {
    return text;
  }

  boolean portMatches(int p) {
    return port == null || port == p;
  }

  /**
   * Whether this rule allows a destination of a record: its host name (may be null or invalid:
   * then only address rules can match), its address literal (may be null) and port (null: only a
   * rule for any port matches).
   */
  public boolean allows(String hostname, String address, Integer destinationPort) {
    if (port != null && !port.equals(destinationPort)) {
      return false;
    }
    if (host instanceof Host.Any) {
      return true;
    }
    String name = HostNames.canonical(hostname);
    if (name != null && matchesName(name)) {
      return true;
    }
    InetAddress a = Addresses.parseDestination(address);
    return a != null && matchesAddress(a);
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
