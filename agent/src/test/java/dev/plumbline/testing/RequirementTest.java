package dev.plumbline.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
import org.junit.jupiter.api.Test;

class RequirementTest {
  @Test
  void everyTagIsKnownAndAMissingCommandIsNamedInOneLine() {
    for (Requirement r : Requirement.values()) {
      assertEquals(Optional.of(r), Requirement.ofTag(r.tag()));
      assertTrue(r.tag().startsWith("needs-"), r.tag());
    }
    assertFalse(Requirement.ofTag("needs-nothing-like-this").isPresent());
    Optional<String> missing = Requirement.onPath("plumbline-no-such-command", "a thing: apt-get install thing");
    assertEquals(Optional.of("a thing: apt-get install thing ('plumbline-no-such-command' is not on PATH)"), missing);
    assertEquals(Optional.empty(), Requirement.onPath("sh", "a shell"));
  }
}
