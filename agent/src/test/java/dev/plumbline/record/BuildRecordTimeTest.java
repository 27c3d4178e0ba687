package dev.plumbline.record;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.time.Instant;
import org.junit.jupiter.api.Test;

class BuildRecordTimeTest {

  @Test
  void readsTheTimesRecordsWriteAndTimesWithAnOffset() {
    Instant t = Instant.ofEpochSecond(1_764_500_000L, 123_456_789);
    assertEquals(t, BuildRecord.time(t.toString()));
    assertEquals(Instant.parse("2025-11-30T10:00:00Z"), BuildRecord.time("2025-11-30T12:00:00+02:00"));
  }

  @Test
  void anAbsentOrMalformedTimeIsNull() {
    assertNull(BuildRecord.time(null));
    assertNull(BuildRecord.time(""));
    assertNull(BuildRecord.time("yesterday"));
    assertNull(BuildRecord.time("2025-11-30 12:00:00"));
  }
}
