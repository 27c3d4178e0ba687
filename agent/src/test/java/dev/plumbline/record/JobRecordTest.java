package dev.plumbline.record;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.plumbline.testing.Records;
import java.util.List;
import org.junit.jupiter.api.Test;

class JobRecordTest {
  @Test
  void stepsBecomeSectionsAndTheJobIsCompleteOnlyWhenEveryStepIs() {
    BuildRecord ok = Records.sample(true);
    BuildRecord incomplete = Records.sample(false);
    BuildRecord job = JobRecord.merge(List.of(
        new JobRecord.StepRecord(ok, "make", "aa"),
        new JobRecord.StepRecord(incomplete, "make check", "bb"),
        new JobRecord.StepRecord(ok, "make dist", "cc")), List.of("plumbline-shell", "3 steps"), "/work");
    assertEquals(List.of(1, 2, 3), job.steps().stream().map(BuildRecord.Step::index).toList());
    assertEquals(List.of("make", "make check", "make dist"), job.steps().stream().map(BuildRecord.Step::command).toList());
    assertEquals(List.of(true, false, true), job.steps().stream().map(BuildRecord.Step::complete).toList());
    assertFalse(job.completeness().complete());
    assertEquals(List.of("step 2: io_uring used by pid 42"), job.completeness().reasons());
    // the same tool in three steps is one tool run three times as often
    assertEquals(3, job.tools().stream().filter(t -> t.path().equals("/usr/bin/make")).findFirst().orElseThrow().count());
    assertEquals(3, job.processes().size());
    assertTrue(BuildRecords.toJson(job).contains("\"steps\""));
  }

  @Test
  void theJobIsOnlyAsSeparatedAsItsLeastSeparatedStep() {
    BuildRecord r = Records.sample(true);
    BuildRecord separate = r.withAgent(r.agent().withTrust(BuildRecord.Agent.SEPARATE_USER, false).withPrivilegeGained(false));
    BuildRecord gained = r.withAgent(r.agent().withTrust(BuildRecord.Agent.SEPARATE_USER, false).withPrivilegeGained(true));
    BuildRecord same = r.withAgent(r.agent().withTrust(BuildRecord.Agent.SAME_USER, true).withPrivilegeGained(false));
    BuildRecord.Agent a = JobRecord.agent(List.of(new JobRecord.StepRecord(separate, "a", "aa"), new JobRecord.StepRecord(gained, "b", "bb"),
        new JobRecord.StepRecord(same, "c", "cc")));
    assertEquals(BuildRecord.Agent.SAME_USER, a.trust());
    assertEquals(true, a.privilegeGained());
    assertEquals(true, a.keyReadable());
    a = JobRecord.agent(List.of(new JobRecord.StepRecord(separate, "a", "aa"), new JobRecord.StepRecord(separate, "b", "bb")));
    assertEquals(BuildRecord.Agent.SEPARATE_USER, a.trust());
    assertEquals(false, a.privilegeGained());
    // a step that does not say leaves the job unstated, never better than it was
    a = JobRecord.agent(List.of(new JobRecord.StepRecord(separate, "a", "aa"), new JobRecord.StepRecord(r, "b", "bb")));
    assertEquals(null, a.trust());
    assertEquals(null, a.privilegeGained());
  }
}
