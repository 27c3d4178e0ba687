package dev.plumbline.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.plumbline.ci.ActionInputs;
import dev.plumbline.egress.EgressConfigException;
import dev.plumbline.egress.EgressGates;
import dev.plumbline.egress.EgressMode;
import dev.plumbline.egress.EgressPolicy;
import dev.plumbline.egress.dns.NameBook;
import dev.plumbline.policy.Evaluation;
import dev.plumbline.policy.Evidence;
import dev.plumbline.policy.Policy;
import dev.plumbline.policy.PolicyEvaluator;
import dev.plumbline.policy.PolicyException;
import dev.plumbline.policy.PolicyLoader;
import dev.plumbline.policy.TestRecords;
import dev.plumbline.trace.EgressGate;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The one allow-rule syntax, one table: every form is accepted or refused alike by every entry
 * point ({@code run --allow}, {@code --allow-file}, the action's {@code allowed-endpoints}, a
 * policy's {@code egress.allowed}), and an accepted rule allows the same destinations in the gate
 * (block mode) and in the policy.
 */
class AllowRuleTableTest {
  static Stream<Arguments> syntax() {
    List<Arguments> rows = new ArrayList<>();
    for (String ok : List.of(
        "example.org", "Example.ORG.:443", "*.x.org", "*.x.org:*", "*", "*:443", "host:*", "under_score.example",
        "xn--bcher-kva.example", "localhost:8080", "192.0.2.7", "192.0.2.7:22", "10.0.0.0/8", "10.0.0.0/8:443",
        "0.0.0.0/0", "::1", "[::1]", "[::1]:443", "[::1]:*", "2001:DB8::/32", "[2001:db8::/32]:443", "::/0",
        "::ffff:192.0.2.7", "::ffff:10.0.0.0/104", "[::ffff:10.0.0.0/104]:443")) {
      rows.add(Arguments.of(ok, true));
    }
    for (String bad : List.of(
        "", " ", "a b", "example.org:0", "example.org:65536", "example.org:https", "example.org:+443", "example.org:",
        ":443", "*example.org", "a.*.org", "*.*.x", "foo*.x", "*.", "1.2.3", "1.2.3.256", "01.2.3.4", "10.0.0.0/33",
        "10.0.0.1/8", "10.0.0.0/+8", "10.0.0.0/", "x/8", "1.2.3.4/40", "::1/129", "::ffff:10.0.0.0/8", "gggg::1",
        "[::1", "[::1]443", "[example.org]:443", "[192.0.2.7]:443", "fe80::1%eth0", "under_score..org", "-x.example",
        "x-.example", "-:", "h:70000", "a\u0007.org", "a".repeat(64) + ".org")) {
      rows.add(Arguments.of(bad, false));
    }
    return rows.stream();
  }

  @ParameterizedTest(name = "[{index}] ''{0}'' accepted: {1}")
  @MethodSource("syntax")
  void everyEntryPointAcceptsAndRefusesTheSameRules(String rule, boolean accepted, @TempDir Path dir) throws Exception {
    assertEquals(accepted, parses(rule), "AllowRule.parse");
    assertEquals(accepted, byAllowOption(rule), "run --allow");
    assertEquals(accepted, byPolicy(rule), "policy egress.allowed");
    boolean oneWord = !rule.isBlank() && rule.chars().noneMatch(c -> Character.isWhitespace(c) || c == '#' || c == ',');
    if (oneWord) {
      // a blank line or a comment is no rule in a file, and space, comma and # separate entries in the action
      assertEquals(accepted, byAllowFile(rule, dir), "--allow-file");
      assertEquals(List.of(rule), actionWords(rule), "the action passes an allowed-endpoints word unchanged to --allow");
    }
  }

  static boolean parses(String rule) {
    try {
      AllowRule.parse(rule);
      return true;
    } catch (RuleSyntaxException e) {
      assertFalse(e.getMessage().isBlank() || e.getMessage().contains("\n") || e.getMessage().contains("\u0007"), e.getMessage());
      return false;
    }
  }

  static boolean byAllowOption(String rule) {
    try {
      EgressGates.allowlist(new EgressGates.Options(EgressMode.BLOCK, List.of(rule), null, false, List.of()));
      return true;
    } catch (EgressConfigException e) {
      assertTrue(e.getMessage().startsWith("--allow "), e.getMessage());
      return false;
    }
  }

  static boolean byAllowFile(String rule, Path dir) throws IOException {
    Path file = Files.writeString(dir.resolve("allow.txt"), "# allowed\n" + rule + "\n", StandardCharsets.UTF_8);
    try {
      Allowlist a = EgressGates.allowlist(new EgressGates.Options(EgressMode.BLOCK, List.of(), file, false, List.of()));
      assertEquals(1, a.rules().size());
      return true;
    } catch (EgressConfigException e) {
      assertTrue(e.getMessage().startsWith(file + ":2: "), e.getMessage());
      return false;
    }
  }

  static Policy policy(String rule) throws PolicyException, IOException {
    String quoted = new ObjectMapper().writeValueAsString(rule); // JSON strings are YAML double-quoted scalars
    return PolicyLoader.parse(
        "apiVersion: plumbline.dev/v1\nkind: BuildPolicy\negress:\n  allowLoopback: false\n  allowed:\n    - " + quoted + "\n",
        "p.yaml", false);
  }

  static boolean byPolicy(String rule) throws IOException {
    try {
      policy(rule);
      return true;
    } catch (PolicyException e) {
      assertTrue(e.getMessage().startsWith("p.yaml:6: egress.allowed[0]: bad destination"), e.getMessage());
      return false;
    }
  }

  /** The action's own splitting of {@code allowed-endpoints} (ci.ActionInputs), whose words go to {@code --allow}. */
  static List<String> actionWords(String input) throws Exception {
    ActionInputs in = ActionInputs.of(Map.of(ActionInputs.PREFIX + "ALLOWED_ENDPOINTS", input), false);
    return in.allowedEndpoints();
  }

  /** Rule, destination (host name or null, address, port), whether the rule allows it. */
  static Stream<Arguments> matching() {
    return Stream.of(
        Arguments.of("*.debian.org", "deb.debian.org", "192.0.2.1", 443, true),
        Arguments.of("*.debian.org", "debian.org", "192.0.2.1", 443, false),
        Arguments.of("*.debian.org", null, "192.0.2.1", 443, false),
        Arguments.of("deb.debian.org:443", "DEB.debian.org.", "192.0.2.1", 443, true),
        Arguments.of("deb.debian.org:443", "deb.debian.org", "192.0.2.1", 80, false),
        Arguments.of("192.0.2.1", "anything.example", "192.0.2.1", 22, true),
        Arguments.of("10.0.0.0/8", null, "::ffff:10.1.1.1", 22, true),
        Arguments.of("[::ffff:10.0.0.0/104]:443", null, "10.200.0.1", 443, true),
        Arguments.of("[::ffff:10.0.0.0/104]:443", null, "11.0.0.1", 443, false),
        Arguments.of("[2001:db8::/32]:443", null, "2001:db8:1::5", 443, true),
        Arguments.of("[2001:db8::/32]:443", null, "2001:db9::5", 443, false),
        Arguments.of("*", "evil.example", "203.0.113.9", 4444, true),
        Arguments.of("*:443", null, "2001:db8::1", 443, true),
        Arguments.of("*:443", null, "2001:db8::1", 80, false),
        Arguments.of("host.example:*", "host.example", "192.0.2.9", 9, true),
        Arguments.of("127.0.0.1", null, "0.0.0.0", 80, false));
  }

  @ParameterizedTest(name = "[{index}] {0} allows {1} ({2}:{3}): {4}")
  @MethodSource("matching")
  void theGateAndThePolicyAllowTheSameDestinations(String rule, String host, String address, int port, boolean allowed)
      throws Exception {
    NameBook names = new NameBook();
    if (host != null) {
      names.add(host, Addresses.parseLiteral(address));
    }
    // --deny-loopback and allowLoopback: false, so only the rule decides
    EgressPolicy gate = new EgressPolicy(EgressMode.BLOCK, Allowlist.parse(List.of(rule)), true, List.of(), names, null, null, null);
    String family = address.indexOf(':') >= 0 ? "inet6" : "inet";
    EgressGate.Decision d = gate.decide(new EgressGate.Attempt(42, "connect", family, "tcp", address, port, null));
    assertEquals(allowed, d instanceof EgressGate.Decision.Allow, "gate: " + d);

    TestRecords.Builder b = new TestRecords.Builder();
    b.connect(host, address, port, "tcp", "allowed", "42 curl");
    Evaluation e = new PolicyEvaluator().evaluate(policy(rule), new Evidence(b.build(), null, null, null, "t", true));
    Evaluation.RuleResult r = e.rules().stream().filter(x -> x.rule().equals("egress.allowed")).findFirst().orElse(null);
    assertNotNull(r, e.toString());
    assertEquals(allowed, r.passed(), "policy: " + r.violations());
  }
}
