package dev.plumbline.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.plumbline.record.BuildRecord;
import dev.plumbline.testing.Records;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** trace.requireTrust (a level or stronger) and trace.noPrivilegeGain against records that say either way. */
class PolicyTrustRulesTest {
  @TempDir Path dir;

  private Policy policy(String trace) throws Exception {
    Path p = Files.writeString(dir.resolve("p.yaml"), "apiVersion: plumbline.dev/v1\nkind: BuildPolicy\ntrace:\n" + trace);
    return PolicyLoader.load(p);
  }

  private static BuildRecord record(String trust, Boolean gained, List<BuildRecord.Note> notes) {
    BuildRecord r = Records.sample(true);
    BuildRecord.Agent a = r.agent();
    BuildRecord withAgent = r.withAgent(new BuildRecord.Agent(a.name(), a.version(), a.monitor(), a.egressMode(), a.allow(),
        trust, gained, false));
    return new BuildRecord(withAgent.format(), withAgent.agent(), withAgent.invocation(), withAgent.completeness(),
        withAgent.tools(), withAgent.processes(), withAgent.network(), withAgent.dns(), withAgent.files(),
        withAgent.sources(), notes);
  }

  private static List<String> failed(Policy p, BuildRecord r) {
    Evaluation e = new PolicyEvaluator().evaluate(p, new Evidence(r, null, null, null, "test", true));
    List<String> out = new ArrayList<>();
    e.rules().stream().filter(x -> !x.violations().isEmpty()).forEach(x -> out.add(x.rule()));
    return out;
  }

  @Test
  void aTrustLevelAcceptsItselfAndStrongerOnly() throws Exception {
    Policy p = policy("  requireTrust: same-user\n");
    assertFalse(failed(p, record("same-user", false, List.of())).contains("trace.requireTrust"));
    assertFalse(failed(p, record("separate-user", false, List.of())).contains("trace.requireTrust"));
    assertTrue(failed(p, record("build-root", false, List.of())).contains("trace.requireTrust"));
    assertTrue(failed(p, record(null, null, List.of())).contains("trace.requireTrust"), "an old record has no level");
    assertTrue(failed(policy("  requireTrust: separate-user\n"), record("same-user", false, List.of())).contains("trace.requireTrust"));
  }

  @Test
  void aPrivilegeGainIsNamedWithItsProcess() throws Exception {
    Policy p = policy("  noPrivilegeGain: true\n");
    assertFalse(failed(p, record("separate-user", false, List.of())).contains("trace.noPrivilegeGain"));
    var note = new BuildRecord.Note("privilege", "/usr/bin/sudo runs as root (uid 1001, euid 0)", List.of("/usr/bin/sudo"), 1);
    BuildRecord gained = record("separate-user", true, List.of(note));
    Evaluation e = new PolicyEvaluator().evaluate(p, new Evidence(gained, null, null, null, "test", true));
    var result = e.rules().stream().filter(x -> x.rule().equals("trace.noPrivilegeGain")).findFirst().orElseThrow();
    assertEquals(1, result.violations().size());
    assertTrue(result.violations().get(0).evidence().contains("/usr/bin/sudo"), result.violations().toString());
    assertTrue(failed(p, record(null, null, List.of())).contains("trace.noPrivilegeGain"), "unknown is not 'none'");
  }

  @Test
  void anUnknownLevelIsALoadError() {
    var e = org.junit.jupiter.api.Assertions.assertThrows(PolicyException.class, () -> policy("  requireTrust: root\n"));
    assertTrue(e.getMessage().contains("requireTrust") || e.getMessage().contains("trust level"), e.getMessage());
  }
}
