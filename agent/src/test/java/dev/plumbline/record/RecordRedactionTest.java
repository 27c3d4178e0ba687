package dev.plumbline.record;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import dev.plumbline.redact.Redaction;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RecordRedactionTest {
  private static final Redaction RULES = Redaction.builtIn().maskingValuesOf(Map.of("MY_PASSWORD", "hunter2xyz"));

  private static BuildRecord record(String file, List<String> argv) {
    return new BuildRecord(BuildRecord.FORMAT, null,
        new BuildRecord.Invocation(argv, "/work/project", "2026-01-01T00:00:00Z", "2026-01-01T00:00:01Z", 0, null),
        BuildRecord.Completeness.full(), List.of(), null, List.of(), List.of(),
        List.of(new BuildRecord.FileWrite(file, List.of("write"), false, List.of("1"), 1)), null, List.of());
  }

  /** Nothing to mask: the record itself comes back (no read-back through Jackson's deserializers). */
  @Test
  void aRecordWithNothingToMaskIsReturnedAsItIs() {
    BuildRecord rec = record("/work/project/out.txt", List.of("make", "dist"));
    assertSame(rec, RecordRedaction.apply(rec, RULES));
  }

  /** A secret anywhere (a nested string, an argv) still gives the redacted copy, the rest equal. */
  @Test
  void aSecretInANestedStringOrArgvIsMasked() {
    BuildRecord file = RecordRedaction.apply(record("/work/project/out-hunter2xyz.txt", List.of("make")), RULES);
    assertEquals("/work/project/out-***.txt", file.files().get(0).path());
    assertEquals(record("/work/project/out-***.txt", List.of("make")), file);
    BuildRecord argv = RecordRedaction.apply(record("/work/project/out.txt", List.of("deploy", "hunter2xyz")), RULES);
    assertEquals(List.of("deploy", "***"), argv.invocation().argv());
    assertNotEquals(record("/work/project/out.txt", List.of("deploy", "hunter2xyz")), argv);
  }
}
