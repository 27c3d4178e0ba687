package dev.plumbline.net;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.MalformedInputException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * The destinations a build may reach in block mode. Pure matching: names are compared in canonical
 * form (case-insensitive, trailing dot ignored), addresses after IPv4-mapped IPv6 normalisation.
 */
public final class Allowlist {
  private final List<AllowRule> rules;

  public Allowlist(List<AllowRule> rules) {
    this.rules = List.copyOf(rules);
  }

  public static Allowlist empty() {
    return new Allowlist(List.of());
  }

  /** Parses {@code --allow} values; the first bad one is named in the exception. */
  public static Allowlist parse(Collection<String> texts) throws RuleSyntaxException {
    List<AllowRule> out = new ArrayList<>();
    for (String t : texts) {
      try {
        out.add(AllowRule.parse(t));
      } catch (RuleSyntaxException e) {
        throw new RuleSyntaxException("--allow " + e.getMessage(), e);
      }
    }
    return new Allowlist(out);
  }

  /**
   * Reads an allow file: one rule per line, blank lines and {@code #} comments (whole-line or
   * trailing) ignored. Errors name {@code file:line}.
   */
  public static List<AllowRule> parseFile(Path file) throws RuleSyntaxException {
    List<String> lines;
    try {
      lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    } catch (NoSuchFileException e) {
      throw new RuleSyntaxException(file + ": allow file not found", e);
    } catch (MalformedInputException e) {
      throw new RuleSyntaxException(file + ": allow file is not UTF-8 text", e);
    } catch (IOException e) {
      throw new RuleSyntaxException(file + ": cannot read allow file: " + e.getMessage(), e);
    }
    return parseLines(file.toString(), lines);
  }

  static List<AllowRule> parseLines(String source, List<String> lines) throws RuleSyntaxException {
    List<AllowRule> out = new ArrayList<>();
    for (int i = 0; i < lines.size(); i++) {
      String line = lines.get(i);
      int hash = line.indexOf('#');
      if (hash >= 0) {
        line = line.substring(0, hash);
      }
      line = line.strip();
      if (line.isEmpty()) {
        continue;
      }
      if (line.chars().anyMatch(Character::isWhitespace)) {
        throw new RuleSyntaxException(source + ":" + (i + 1) + ": one rule per line, found '" + line + "'");
      }
      try {
        out.add(AllowRule.parse(line));
      } catch (RuleSyntaxException e) {
        throw new RuleSyntaxException(source + ":" + (i + 1) + ": " + e.getMessage(), e);
      }
    }
    return out;
  }

  public Allowlist plus(List<AllowRule> more) {
    List<AllowRule> all = new ArrayList<>(rules);
    all.addAll(more);
    return new Allowlist(all);
  }

  public List<AllowRule> rules() {
    return rules;
  }

  /** The rules as written, for the record (sorted, duplicates removed). */
  public List<String> texts() {
    return rules.stream().map(AllowRule::text).distinct().sorted().toList();
  }

  /** Whether some rule allows {@code name} on some port: the DNS question for it may be answered. */
  public boolean allowsName(String name) {
    String n = HostNames.canonical(name);
    return n != null && rules.stream().anyMatch(r -> r.matchesName(n));
  }

  public boolean allowsName(String name, int port) {
    String n = HostNames.canonical(name);
    return n != null && rules.stream().anyMatch(r -> r.portMatches(port) && r.matchesName(n));
  }

  /** Whether the address itself is allowed (by an address, block or {@code *} rule) on this port. */
  public boolean allowsAddress(InetAddress address, int port) {
    return rules.stream().anyMatch(r -> r.portMatches(port) && r.matchesAddress(address));
  }

  /**
   * The address blocks whose hosts may connect in to a port the build listens on: the address,
   * block and {@code *} rules for that port (a name rule allows reaching a name, not being reached
   * by it). Loopback is the caller's to add.
   */
  public List<Cidr> inboundBlocks(int port) {
    List<Cidr> blocks = new ArrayList<>();
    for (AllowRule r : rules) {
      if (!r.portMatches(port)) {
        continue;
      }
      if (r.host() instanceof AllowRule.Host.Address a) {
        InetAddress n = Addresses.normalize(a.address());
        blocks.add(new Cidr(n, n.getAddress().length * 8));
      } else if (r.host() instanceof AllowRule.Host.Network n) {
        blocks.add(n.block());
      } else if (r.host() instanceof AllowRule.Host.Any) {
        blocks.add(new Cidr(Addresses.byAddress(new byte[4]), 0));
        blocks.add(new Cidr(Addresses.byAddress(new byte[16]), 0));
      }
    }
    return blocks;
  }
}
