package dev.plumbline.record;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

class DigestOutcomeTest {
  /** The record Outcome would be without its own equals and hashCode: the JDK's make the values. */
  private record Generated(Object value, String problem, boolean late) {}

  @Test
  void equalsAndHashCodeAreTheRecordsOwn() {
    List<Object[]> cases = List.of(
        new Object[] {"ab".repeat(32), null, false},
        new Object[] {null, "EACCES", false},
        new Object[] {null, null, true},
        new Object[] {null, null, false},
        new Object[] {List.of("x"), "p", true});
    for (Object[] c : cases) {
      DigestOutcome.Outcome<Object> o = new DigestOutcome.Outcome<>(c[0], (String) c[1], (Boolean) c[2]);
      assertEquals(new Generated(c[0], (String) c[1], (Boolean) c[2]).hashCode(), o.hashCode());
      assertEquals(o, new DigestOutcome.Outcome<>(c[0], (String) c[1], (Boolean) c[2]));
    }
    DigestOutcome.Outcome<String> a = new DigestOutcome.Outcome<>("x", null, false);
    assertNotEquals(a, new DigestOutcome.Outcome<>("y", null, false));
    assertNotEquals(a, new DigestOutcome.Outcome<>("x", "p", false));
    assertNotEquals(a, new DigestOutcome.Outcome<>("x", null, true));
    assertNotEquals(a, new Generated("x", null, false));
    assertNotEquals(a, null);
  }
}
