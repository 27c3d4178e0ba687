package dev.plumbline.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.plumbline.net.AllowRule;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;

class PolicyLearnerTest {
  static final Instant NOW = Instant.parse("2026-11-21T10:00:00Z");
  static final PolicyEvaluator EVAL = new PolicyEvaluator(Clock.fixed(NOW, ZoneOffset.UTC));

  static Policy learnFrom(Evidence e) throws PolicyException {
    return PolicyLoader.parse(PolicyLearner.learn(e, NOW), "learned.yaml", false);
  }

  @Test
  void learnedFromAPassesAAndRejectsBNamingTheExtraToolAndDestination() throws Exception {
    Evidence a = Evidence.ofRecord(TestRecords.buildA().build(), "a.json");
    Policy policy = learnFrom(a);
    Evaluation onA = EVAL.evaluate(policy, a);
    assertTrue(onA.passed(), onA.violations().toString());

    Evaluation onB = EVAL.evaluate(policy, Evidence.ofRecord(TestRecords.buildB().build(), "b.json"));
    assertFalse(onB.passed());
    List<Evaluation.Violation> v = onB.violations();
    assertEquals(2, v.size(), v.toString());
    assertEquals("tools.allowed", v.get(0).rule());
    assertTrue(v.get(0).evidence().startsWith("/usr/bin/curl sha256:" + TestRecords.CURL), v.get(0).evidence());
    assertTrue(v.get(0).evidence().contains("pid 105"), v.get(0).evidence());
    assertEquals("egress.allowed", v.get(1).rule());
    assertTrue(v.get(1).evidence().startsWith("evil.example.net:443 (203.0.113.9:443/tcp)"), v.get(1).evidence());
  }

  @Test
  void learnedPolicyPinsDigestsAndDestinations() throws Exception {
    Policy p = learnFrom(Evidence.ofRecord(TestRecords.buildA().build(), "a.json"));
    assertEquals(4, p.tools().allowed().size());
    Policy.ToolRule make = p.tools().allowed().stream().filter(t -> t.path().matches("/usr/bin/make")).findFirst().orElseThrow();
    assertEquals(List.of(Sha256.parse(TestRecords.MAKE)), make.sha256());
    assertEquals(List.of("127.0.0.53:53", "deb.debian.org:443"), p.egress().allowed().stream().map(AllowRule::toString).toList());
    assertTrue(p.trace().completeRequired());
    assertTrue(p.trace().noBlockedAttempts());
    assertFalse(p.trace().requireEgressBlock(), "build A ran in audit mode");
    assertTrue(p.egress().forbiddenUnixSockets().stream().anyMatch(g -> g.matches("/var/run/docker.sock")));
    // a tool update (same path, new digest) is caught
    TestRecords.Builder updated = TestRecords.buildA();
    updated.tools.replaceAll(t -> t.path().equals("/usr/bin/make") ? new dev.plumbline.record.BuildRecord.Tool(t.path(), TestRecords.CURL, 1) : t);
    Evaluation e = EVAL.evaluate(p, Evidence.ofRecord(updated.build(), "u.json"));
    assertEquals("a tool ran with a digest the policy does not allow", e.violations().get(0).message());
  }

  @Test
  void learnsSignerAndCiContextWhenTheEvidenceHasThem() throws Exception {
    Evidence.CiContext ci = new Evidence.CiContext("github", "octo/hello", "refs/heads/main", "abc",
        "octo/hello/.github/workflows/ci.yml@refs/heads/main", "github-hosted");
    Evidence.SignerIdentity signer = new Evidence.SignerIdentity(null,
        "https://github.com/octo/hello/.github/workflows/ci.yml@refs/heads/main", "https://token.actions.githubusercontent.com");
    Evidence a = new Evidence(TestRecords.buildA().build(), ci, signer, null, "a.sigstore.json", true);
    Policy p = learnFrom(a);
    assertEquals("octo/hello", p.ci().repository());
    assertEquals(signer.identity(), p.signer().identity());
    assertTrue(EVAL.evaluate(p, a).passed());
    Evidence fork = new Evidence(a.record(), new Evidence.CiContext("github", "mallory/hello", "refs/heads/main", "abc", null, "github-hosted"),
        signer, null, "f", true);
    assertEquals(List.of("ci.repository", "ci.workflowRef"), EVAL.evaluate(p, fork).violations().stream().map(Evaluation.Violation::rule).toList());
  }

  @Test
  void loopbackIsLearnedPortByPortSoAnExtraLocalServiceIsNamed() throws Exception {
    Evidence a = Evidence.ofRecord(TestRecords.buildA().build(), "a.json");
    Policy p = learnFrom(a);
    assertFalse(p.egress().loopbackAllowed(), "no blanket loopback allowance");
    assertTrue(EVAL.evaluate(p, a).passed(), "A asked 127.0.0.53:53, which was learned");

    TestRecords.Builder local = TestRecords.buildA();
    local.connect(null, "127.0.0.1", 5432, "tcp", "audited", "104 sh");
    Evaluation e = EVAL.evaluate(p, Evidence.ofRecord(local.build(), "b.json"));
    assertEquals(1, e.violations().size(), e.violations().toString());
    assertEquals("127.0.0.1:5432/tcp by 104 sh", e.violations().get(0).evidence());
  }

  @Test
  void strangeValuesAreQuotedSafely() throws Exception {
    TestRecords.Builder b = TestRecords.buildA();
    b.tool("/opt/we ird/\"tool\" #1 [x]*", TestRecords.CURL, 200, 100, "2026-11-20T10:00:03Z", "2026-11-20T10:00:03Z", "x");
    b.write("src/a: b.c", true, "200 x", "write");
    Evidence e = Evidence.ofRecord(b.build(), "a.json");
    Policy p = learnFrom(e);
    assertTrue(EVAL.evaluate(p, e).passed(), EVAL.evaluate(p, e).violations().toString());
  }

  @Test
  void blockedAttemptsAndSourceWritesAreLearnedAsReviewItems() throws Exception {
    TestRecords.Builder b = TestRecords.buildA();
    b.egressMode = "block";
    b.connect("pastebin.com", "198.51.100.7", 443, "tcp", "blocked", "104 sh");
    b.write("VERSION", true, "104 sh", "write");
    Evidence e = Evidence.ofRecord(b.build(), "a.json");
    String yaml = PolicyLearner.learn(e, NOW);
    assertTrue(yaml.contains("noBlockedAttempts: false"), yaml);
    assertTrue(yaml.contains("requireEgressBlock: true"), yaml);
    assertFalse(yaml.contains("pastebin"), "blocked destinations are not learned as allowed");
    Policy p = PolicyLoader.parse(yaml, "x", false);
    assertEquals(List.of("VERSION"), p.trace().allowedSourceWrites().stream().map(Glob::pattern).toList());
    assertTrue(EVAL.evaluate(p, e).passed());
  }
}
