package dev.plumbline.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

public class AllowlistTest {

  public static InetAddress ip(String s) {
    InetAddress a = Addresses.parseLiteral(s);
    if (a == null) {
      throw new IllegalArgumentException(s);
    }
    return a;
  }

  static Allowlist allow(String... rules) throws RuleSyntaxException {
    return Allowlist.parse(List.of(rules));
  }

  @Test
  void nameWithAndWithoutPort() throws Exception {
    Allowlist a = allow("example.org:443", "deb.debian.org");
    assertTrue(a.allowsName("example.org", 443));
    assertFalse(a.allowsName("example.org", 80));
    assertTrue(a.allowsName("example.org"), "some port is allowed, so the name may be resolved");
    assertTrue(a.allowsName("deb.debian.org", 80));
    assertTrue(a.allowsName("deb.debian.org", 65535));
    assertFalse(a.allowsName("www.example.org", 443));
    assertFalse(a.allowsName("debian.org", 80));
  }

  @Test
  void namesAreCaseInsensitiveAndIgnoreTheTrailingDot() throws Exception {
    Allowlist a = allow("Example.ORG.:443");
    assertTrue(a.allowsName("example.org", 443));
    assertTrue(a.allowsName("EXAMPLE.org.", 443));
    assertEquals(new AllowRule.Host.Name("example.org"), a.rules().get(0).host());
  }

  @Test
  void wildcardMatchesSubdomainsAtAnyDepthButNotTheApex() throws Exception {
    Allowlist a = allow("*.x.org");
    assertTrue(a.allowsName("a.x.org", 1));
    assertTrue(a.allowsName("a.b.x.org", 1));
    assertTrue(a.allowsName("A.X.ORG.", 1));
    assertFalse(a.allowsName("x.org", 1), "*.x.org does not match x.org itself");
    assertFalse(a.allowsName("evilx.org", 1), "suffix match is on a label boundary");
    assertFalse(a.allowsName("x.org.evil.com", 1));
    assertFalse(a.allowsAddress(ip("1.2.3.4"), 1), "a name rule never matches a raw address");
  }

  @Test
  void starAloneAllowsEverythingOnItsPort() throws Exception {
    Allowlist a = allow("*:443");
    assertTrue(a.allowsName("anything.example", 443));
    assertTrue(a.allowsAddress(ip("192.0.2.1"), 443));
    assertTrue(a.allowsAddress(ip("2001:db8::1"), 443));
    assertFalse(a.allowsAddress(ip("192.0.2.1"), 80));
  }

  @Test
  void ipv4AddressAndCidr() throws Exception {
    Allowlist a = allow("192.0.2.7:22", "10.0.0.0/8", "172.16.0.0/12:443");
    assertTrue(a.allowsAddress(ip("192.0.2.7"), 22));
    assertFalse(a.allowsAddress(ip("192.0.2.7"), 23));
    assertFalse(a.allowsAddress(ip("192.0.2.8"), 22));
    assertTrue(a.allowsAddress(ip("10.255.1.2"), 9));
    assertFalse(a.allowsAddress(ip("11.0.0.1"), 9));
    assertTrue(a.allowsAddress(ip("172.31.255.255"), 443));
    assertFalse(a.allowsAddress(ip("172.32.0.0"), 443));
    assertFalse(a.allowsAddress(ip("172.16.0.1"), 80));
  }

  @Test
  void ipv4MappedIpv6MatchesIpv4RulesAndBack() throws Exception {
    Allowlist a = allow("192.0.2.7", "10.0.0.0/8");
    assertTrue(a.allowsAddress(ip("::ffff:192.0.2.7"), 1));
    assertTrue(a.allowsAddress(ip("::ffff:a00:1"), 1));
    Allowlist mapped = allow("::ffff:192.0.2.7", "::ffff:10.0.0.0/104");
    assertTrue(mapped.allowsAddress(ip("192.0.2.7"), 1));
    assertTrue(mapped.allowsAddress(ip("10.9.9.9"), 1));
    assertFalse(mapped.allowsAddress(ip("11.0.0.0"), 1));
  }

  @Test
  void ipv6AddressesWithAndWithoutBrackets() throws Exception {
    Allowlist a = allow("[::1]:443", "2001:db8::/32", "[2001:db9::/48]:80", "fe80::1");
    assertTrue(a.allowsAddress(ip("::1"), 443));
    assertFalse(a.allowsAddress(ip("::1"), 444));
    assertTrue(a.allowsAddress(ip("2001:db8:ffff::1"), 5));
    assertFalse(a.allowsAddress(ip("2001:db9::1"), 5));
    assertTrue(a.allowsAddress(ip("2001:db9:0:ffff::1"), 80));
    assertFalse(a.allowsAddress(ip("2001:db9:1::1"), 80));
    assertTrue(a.allowsAddress(ip("FE80:0:0:0:0:0:0:1"), 7));
    assertFalse(a.allowsAddress(ip("127.0.0.1"), 443), "::1 and 127.0.0.1 are different addresses");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "", " ", "example.org:0", "example.org:65536", "example.org:https", "exa mple.org", "*example.org",
        "a.*.org", "*.", "1.2.3", "1.2.3.256", "01.2.3.4", "10.0.0.0/33", "10.0.0.1/8", "::1/129", "[::1",
        "[::1]443", "[example.org]:443", "fe80::1%eth0", "under_score..org", "-:", ":443", "::ffff:10.0.0.0/8",
        "gggg::1"
      })
  void badRulesAreRejectedWithAMessage(String rule) {
    RuleSyntaxException e = assertThrows(RuleSyntaxException.class, () -> AllowRule.parse(rule));
    assertFalse(e.getMessage().contains("\n"));
    assertFalse(e.getMessage().isBlank());
  }

  @Test
  void ruleKinds() throws Exception {
    assertInstanceOf(AllowRule.Host.Subdomains.class, AllowRule.parse("*.x.org").host());
    assertInstanceOf(AllowRule.Host.Network.class, AllowRule.parse("10.0.0.0/8").host());
    assertInstanceOf(AllowRule.Host.Address.class, AllowRule.parse("::1").host());
    assertInstanceOf(AllowRule.Host.Any.class, AllowRule.parse("*").host());
    assertNull(AllowRule.parse("::1").port());
    assertNull(AllowRule.parse("x.org:*").port());
    assertEquals(8080, AllowRule.parse("localhost:8080").port());
  }

  @Test
  void allowFileWithCommentsAndErrorsNamingFileAndLine(@TempDir Path dir) throws Exception {
    Path f = dir.resolve("allow.txt");
    Files.writeString(
        f,
        "# registries\n\n  registry.npmjs.org:443  # npm\n*.debian.org\n[::1]:8080\n10.0.0.0/8\n",
        StandardCharsets.UTF_8);
    List<AllowRule> rules = Allowlist.parseFile(f);
    assertEquals(4, rules.size());
    Allowlist a = Allowlist.empty().plus(rules);
    assertTrue(a.allowsName("registry.npmjs.org", 443));
    assertTrue(a.allowsName("deb.debian.org", 80));
    assertTrue(a.allowsAddress(ip("::1"), 8080));

    Files.writeString(f, "ok.example\n# fine\nbad..name\n", StandardCharsets.UTF_8);
    RuleSyntaxException e = assertThrows(RuleSyntaxException.class, () -> Allowlist.parseFile(f));
    assertTrue(e.getMessage().startsWith(f + ":3: "), e.getMessage());

    Files.writeString(f, "a.example b.example\n", StandardCharsets.UTF_8);
    e = assertThrows(RuleSyntaxException.class, () -> Allowlist.parseFile(f));
    assertTrue(e.getMessage().startsWith(f + ":1: one rule per line"), e.getMessage());

    e = assertThrows(RuleSyntaxException.class, () -> Allowlist.parseFile(dir.resolve("missing")));
    assertTrue(e.getMessage().contains("not found"), e.getMessage());
  }

  @Test
  void texstAreSortedAndDistinctForTheRecord() throws Exception {
    assertEquals(List.of("*.b.org", "a.org:443"), allow("a.org:443", "*.b.org", "a.org:443").texts());
  }

  @Test
  void policyDestinationsMatchByNameOrAddress() throws Exception {
    AllowRule wild = AllowRule.parse("*.debian.org");
    assertTrue(wild.allows("deb.debian.org", "1.2.3.4", 443));
    assertTrue(wild.allows("a.b.debian.org.", "1.2.3.4", 80));
    assertFalse(wild.allows("debian.org", "1.2.3.4", 443));
    assertFalse(wild.allows("evildebian.org", "1.2.3.4", 443));
    assertFalse(wild.allows(null, "1.2.3.4", 443));
    AllowRule named = AllowRule.parse("Deb.Debian.org:443");
    assertTrue(named.allows("deb.debian.org", null, 443));
    assertFalse(named.allows("deb.debian.org", null, 80));
    AllowRule cidr = AllowRule.parse("10.0.0.0/8");
    assertTrue(cidr.allows(null, "10.200.3.4", 22));
    assertTrue(cidr.allows(null, "::ffff:10.1.1.1", 22));
    assertFalse(cidr.allows(null, "11.0.0.1", 22));
    assertFalse(cidr.allows("10.0.0.1", null, 22));
    AllowRule v6 = AllowRule.parse("[2001:db8::/32]:443");
    assertTrue(v6.allows(null, "2001:db8:1::5", 443));
    assertFalse(v6.allows(null, "2001:db9::5", 443));
    assertFalse(v6.allows(null, "2001:db8::5", 80));
    assertTrue(AllowRule.parse("::1").allows(null, "::1", 5));
    for (String bad : List.of("", "a b", "*.*.x", "foo*.x", "1.2.3.4/40", "[::1", "h:0", "h:70000", "x/8")) {
      assertThrows(RuleSyntaxException.class, () -> AllowRule.parse(bad), bad);
    }
  }

  @Test
  void theRuleForExactlyOneRecordedDestinationParsesBack() throws Exception {
    assertEquals("deb.debian.org:443", AllowRule.exactly("Deb.Debian.org.", "192.0.2.1", 443).text());
    assertEquals("[2001:db8::1]:443", AllowRule.exactly(null, "2001:DB8:0::1", 443).text());
    assertEquals("[fe80::1]:22", AllowRule.exactly(null, "fe80::1%2", 22).text(), "a scope is no part of a rule");
    assertEquals("192.0.2.7", AllowRule.exactly("bad name!", "192.0.2.7", null).text(), "an invalid name falls back to the address");
    assertNull(AllowRule.exactly(null, "/run/x.sock", 1));
    assertNull(AllowRule.exactly("x.example", null, 0), "port 0 cannot be written as a rule");
    for (AllowRule r : List.of(AllowRule.exactly("a.example", null, 80), AllowRule.exactly(null, "::ffff:192.0.2.7", 80))) {
      assertEquals(r, AllowRule.parse(r.text()));
    }
  }

  @Test
  void inboundPeersAreTheAddressBlockAndAnyRulesOfTheListeningPort() throws Exception {
    Allowlist a = allow("10.0.0.0/8:443", "192.0.2.7", "*.example.com", "deb.debian.org", "[2001:db8::/32]:80");
    assertEquals(List.of("10.0.0.0/8", "192.0.2.7/32"), a.inboundBlocks(443).stream().map(Cidr::toString).toList());
    assertEquals(List.of("192.0.2.7/32", "2001:db8::/32"), a.inboundBlocks(80).stream().map(Cidr::toString).toList());
    assertEquals(2, allow("*:22").inboundBlocks(22).size(), "any: every IPv4 and IPv6 host");
    assertTrue(allow("*:22").inboundBlocks(22).stream().anyMatch(c -> c.contains(ip("203.0.113.9"))));
    assertTrue(allow("*:22").inboundBlocks(80).isEmpty());
  }

  @Test
  void theLoopbackBlocksAreWhatIsLoopbackCallsLoopbackButTheUnspecifiedAddresses() {
    for (String s : List.of("127.0.0.1", "127.255.0.9", "::1", "::ffff:127.0.0.2")) {
      assertTrue(Addresses.loopbackBlocks().stream().anyMatch(c -> c.contains(ip(s))), s);
      assertTrue(Addresses.isLoopback(ip(s)), s);
      assertFalse(Addresses.reachableFromOutside(ip(s)), s);
    }
    for (String s : List.of("0.0.0.0", "::", "198.51.100.1", "::2")) {
      assertFalse(Addresses.loopbackBlocks().stream().anyMatch(c -> c.contains(ip(s))), s);
      assertTrue(Addresses.reachableFromOutside(ip(s)), s);
    }
  }
}
