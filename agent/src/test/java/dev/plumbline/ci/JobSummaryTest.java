package dev.plumbline.ci;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.plumbline.policy.Evidence;
import dev.plumbline.policy.Policy;
import dev.plumbline.policy.PolicyLoader;
import dev.plumbline.record.BuildRecord;
import dev.plumbline.sign.Keys;
import dev.plumbline.testing.Attestations;
import dev.plumbline.testing.Records;
import dev.plumbline.trace.EgressDecision;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Snapshot-style checks of the job summary for the four outcomes a maintainer sees: the verdict in
 * the first lines, and nothing further down contradicting it.
 */
class JobSummaryTest {
  @TempDir Path dir;

  private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-11-22T04:00:00Z"), ZoneOffset.UTC);

  static final BuildRecord RECORD = wrapped(Records.sample(true));

  /** The sample build as the action runs it: the user's script inside the action's shell wrapper. */
  static BuildRecord wrapped(BuildRecord r) {
    List<String> argv = new java.util.ArrayList<>(GithubAction.SHELL);
    argv.add("make dist\nmake check\n");
    BuildRecord.Invocation i = r.invocation();
    return new BuildRecord(r.format(), r.agent(), new BuildRecord.Invocation(argv, i.cwd(), i.startedAt(), i.finishedAt(), i.exitCode(), i.signal()),
        r.completeness(), r.tools(), r.processes(), r.network(), r.dns(), r.files(), r.sources(), r.notes());
  }

  private SelfCheck.Outcome signed(Policy policy) throws Exception {
    KeyPair pair = Keys.generateP256();
    Path key = dir.resolve("k.key");
    Files.writeString(key, Keys.privateKeyPem(pair.getPrivate(), null));
    Files.createDirectories(dir.resolve("dist"));
    Files.writeString(dir.resolve("dist/app.tar.gz"), "artifact");
    var result = Attestations.sign(dir, key, Map.of(), RECORD, List.of("dist/*.tar.gz"));
    return SelfCheck.signed(result.bundle(), SelfCheck.ExpectedSigner.key(pair.getPublic()), policy,
        List.of(dir.resolve("dist/app.tar.gz").toString()), Evidence.ofRecord(RECORD, "build.json"), CLOCK);
  }

  private static JobSummary.Facts facts(String egress, String policyFile) {
    return new JobSummary.Facts(dev.plumbline.egress.EgressMode.ofLabel(egress), false, "key", "same user as the agent", List.of(), policyFile);
  }

  private static String firstLines(String md, int n) {
    return String.join("\n", md.lines().limit(n).toList());
  }

  @Test
  void verified() throws Exception {
    SelfCheck.Outcome o = signed(null);
    assertEquals(ActionVerdict.VERIFIED, o.verdict(), o.reason());
    String md = JobSummary.render(o, facts("block", null));
    assertTrue(firstLines(md, 1).contains("✅ Plumbline: verified"), md);
    assertTrue(md.contains("dist/app.tar.gz `sha256:" + dev.plumbline.attest.Subjects.sha256Hex("artifact".getBytes()) + "`"), md);
    assertTrue(md.contains("| Signing | key: key sha256:"), md);
    assertTrue(md.contains("**make dist ⏎ make check**"), "the user's command, not the wrapper:\n" + md);
    for (String contradiction : List.of("not verified", "REJECTED", "unsigned", "--noprofile")) {
      assertFalse(md.contains(contradiction), contradiction + " in a verified summary:\n" + md);
    }
  }

  @Test
  void rejectedNamesTheFailedRulesFirst() throws Exception {
    Policy policy = PolicyLoader.parse("""
        apiVersion: plumbline.dev/v1
        kind: BuildPolicy
        metadata: {name: no-make}
        tools:
          forbidden:
            - path: /usr/bin/make
        """, "no-make.yaml", false);
    SelfCheck.Outcome o = signed(policy);
    assertEquals(ActionVerdict.REJECTED, o.verdict(), o.reason());
    String md = JobSummary.render(o, facts("block", "no-make.yaml"));
    String head = firstLines(md, 8);
    assertTrue(head.contains("❌ Plumbline: REJECTED") && head.contains("tools.forbidden"), head);
    assertFalse(md.contains("✅ Plumbline") || md.contains("| Policy | ✅") || md.contains("not verified"), md);
    assertTrue(md.contains("| Policy | ❌ **rejected**: no-make"), md);
  }

  @Test
  void unsigned() throws Exception {
    SelfCheck.Outcome o = SelfCheck.unsigned(Evidence.ofRecord(RECORD, "build.json"), null, CLOCK);
    String md = JobSummary.render(o, new JobSummary.Facts(dev.plumbline.egress.EgressMode.BLOCK, false, "none", "same user as the agent",
        List.of("signing: auto did not sign: ..."), null));
    assertTrue(firstLines(md, 1).contains("⚠️ Plumbline: unsigned"), md);
    assertTrue(firstLines(md, 3).contains("not signed"), md);
    assertTrue(md.contains("> [!NOTE]\n> signing: auto did not sign"), md);
    assertFalse(md.contains("verified") || md.contains("REJECTED"), md);
  }

  @Test
  void auditWithAnAllowlistOffersTheLearnedEndpointsAndMarksWhatWouldBeBlocked() throws Exception {
    BuildRecord r = RECORD.withNetwork(List.of(
        BuildRecord.Destination.to("inet", "tcp", "198.51.100.7", 443).withHostname("deb.debian.org").withDecision(EgressDecision.AUDITED).withCalls(List.of("connect"), List.of("ok")).withUse(List.of("apt"), 2).withWouldBlock(false),
        BuildRecord.Destination.to("inet", "tcp", "203.0.113.9", 443).withHostname("registry.npmjs.org").withDecision(EgressDecision.AUDITED).withCalls(List.of("connect"), List.of("ok")).withUse(List.of("npm"), 1).withWouldBlock(true),
        BuildRecord.Destination.to("inet", "tcp", "127.0.0.1", 8080).withDecision(EgressDecision.AUDITED).withCalls(List.of("connect"), List.of("ok")).withUse(List.of("curl"), 1)));
    SelfCheck.Outcome o = SelfCheck.unsigned(Evidence.ofRecord(r, "build.json"), null, CLOCK);
    String md = JobSummary.render(o, facts("audit", null));
    assertTrue(firstLines(md, 1).contains("Plumbline: unsigned"), md);
    String block = md.substring(md.indexOf("```yaml\n") + 8, md.indexOf("```", md.indexOf("```yaml\n") + 8));
    assertEquals(List.of("egress-policy: block", "allowed-endpoints: |", "deb.debian.org:443", "registry.npmjs.org:443"),
        block.lines().map(l -> l.replaceAll("#.*", "").strip()).toList(), block);
    assertTrue(md.contains("1 destination is outside the current allowlist"), md);
    assertTrue(md.lines().anyMatch(l -> l.startsWith("| registry.npmjs.org") && l.contains("would be blocked")), md);
    assertFalse(md.lines().anyMatch(l -> l.startsWith("| deb.debian.org") && l.contains("would be blocked")), md);
    // the learned block is exactly what the action reads back as its input
    ActionInputs in = ActionInputs.of(ActionInputsTest.env("run", "make",
        "allowed-endpoints", block.substring(block.indexOf("|\n") + 2)), true);
    assertEquals(List.of("deb.debian.org:443", "registry.npmjs.org:443"), in.allowedEndpoints());
    // and policy init --allowed-endpoints writes the same block
    Path record = dir.resolve("build.json");
    dev.plumbline.record.BuildRecords.write(r, record);
    var init = dev.plumbline.testing.Cli.run("policy", "init", "--record", record.toString(), "--allowed-endpoints", "--output", "-");
    assertEquals(0, init.code(), init.err());
    assertEquals(block, init.out());
  }

  @Test
  void theTrustLevelAndAPrivilegeGainAreShownFromTheRecord() throws Exception {
    BuildRecord.Agent a = RECORD.agent();
    BuildRecord separate = RECORD.withAgent(a.withTrust(BuildRecord.Agent.SEPARATE_USER, false).withPrivilegeGained(false));
    String md = JobSummary.render(SelfCheck.unsigned(Evidence.ofRecord(separate, "build.json"), null, CLOCK), facts("block", null));
    assertTrue(md.contains("| Trust | `separate-user` ✅ the build ran as another user than the agent"), md);
    assertTrue(md.contains("<br>no build process gained privileges |"), md);
    assertFalse(md.contains("gained privileges**"), md);

    List<BuildRecord.Note> notes = new java.util.ArrayList<>(RECORD.notes() == null ? List.of() : RECORD.notes());
    notes.add(new BuildRecord.Note("privilege", "/usr/bin/sudo euid 0", List.of("/usr/bin/sudo"), 1));
    BuildRecord r = RECORD.withAgent(a.withTrust(BuildRecord.Agent.SEPARATE_USER, false).withPrivilegeGained(true));
    BuildRecord gained = new BuildRecord(r.format(), r.agent(), r.invocation(), r.completeness(), r.tools(), r.processes(), r.network(),
        r.dns(), r.files(), r.sources(), notes);
    md = JobSummary.render(SelfCheck.unsigned(Evidence.ofRecord(gained, "build.json"), null, CLOCK), facts("block", null));
    String row = md.lines().filter(l -> l.startsWith("| Trust |")).findFirst().orElseThrow();
    assertTrue(row.contains("`separate-user`") && row.contains("**a build process gained privileges**") && row.contains("/usr/bin/sudo euid 0"), row);

    BuildRecord root = RECORD.withAgent(a.withTrust(BuildRecord.Agent.BUILD_ROOT, true));
    md = JobSummary.render(SelfCheck.unsigned(Evidence.ofRecord(root, "build.json"), null, CLOCK), facts("block", null));
    row = md.lines().filter(l -> l.startsWith("| Trust |")).findFirst().orElseThrow();
    assertTrue(row.contains("`build-root` ⚠️ the build ran as root") && row.contains("could read the signing key file"), row);
    // a record made before these fields says nothing, and the summary does not invent it
    md = JobSummary.render(SelfCheck.unsigned(Evidence.ofRecord(RECORD, "build.json"), null, CLOCK), facts("audit", null));
    assertTrue(md.contains("| Trust | not stated by the record |"), md);
  }
}
