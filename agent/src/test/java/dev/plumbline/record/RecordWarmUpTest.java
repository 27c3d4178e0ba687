package dev.plumbline.record;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import dev.plumbline.redact.Redaction;
import java.lang.reflect.RecordComponent;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The warm-up's sample reaches every section, so no serializer is left for after the build. */
class RecordWarmUpTest {
  @Test
  void theSampleHasEverySectionButACiJobsSteps() throws Exception {
    BuildRecord sample = RecordWarmUp.sample();
    for (RecordComponent c : BuildRecord.class.getRecordComponents()) {
      if (!c.getName().equals("steps")) {
        assertNotNull(c.getAccessor().invoke(sample), c.getName() + " is missing from the warm-up's sample");
      }
    }
    BuildRecord.Packages p = sample.packages();
    assertEquals(List.of(1, 1, 1), List.of(p.databases().size(), p.used().size(), p.unowned().size()));
  }

  @Test
  void theSampleGoesThroughEveryMapperUnchanged() {
    BuildRecord sample = RecordWarmUp.sample();
    RecordWarmUp.run();
    assertEquals(BuildRecords.toJson(sample), BuildRecords.toJson(RecordRedaction.apply(sample, Redaction.builtIn())));
    assertEquals(sample.processes().get(0), ProcessSpool.roundTrip(sample.processes().get(0), BuildRecord.ProcessInfo.class));
  }

  @Test
  void anEndedProcessesEntryReadsBackEqual() {
    BuildRecord.ProcessInfo p = RecordWarmUp.sample().processes().get(0);
    EndedProcesses.Entry back = ProcessSpool.roundTrip(
        new EndedProcesses.Entry(p, new int[] {3, -1}, new int[] {-1, 2}, new long[] {7, 9}), EndedProcesses.Entry.class);
    assertEquals(p, back.process());
    assertEquals(List.of(3, -1, -1, 2, 7, 9), List.of(back.sha256()[0], back.sha256()[1], back.script()[0],
        back.script()[1], (int) back.seq()[0], (int) back.seq()[1]));
  }
}
