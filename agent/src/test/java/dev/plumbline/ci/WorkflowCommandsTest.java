package dev.plumbline.ci;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;

class WorkflowCommandsTest {
  @Test
  void dataEscapesPercentAndLineBreaksSoNoValueStartsANewCommand() {
    String forged = "evil.test\n::add-mask::x\r\n::stop-commands::tok 100%";
    String line = WorkflowCommands.error("Plumbline", forged);
    assertEquals("::error title=Plumbline::evil.test%0A::add-mask::x%0D%0A::stop-commands::tok 100%25", line);
    assertFalse(line.contains("\n") || line.contains("\r"));
  }

  @Test
  void propertiesAlsoEscapeColonAndComma() {
    assertEquals("::warning file=src/a%2Cb%3Ac.c,title=T%3A x::m",
        WorkflowCommands.fileWarning("src/a,b:c.c", "T: x", "m"));
    assertEquals("::warning file=a%0A::error::x,title=t::m", WorkflowCommands.fileWarning("a\n::error::x", "t", "m")
        .replace("%3A", ":"));
  }

  @Test
  void outputsUseAHeredocWhoseDelimiterTheValueCannotEnd() {
    String text = GithubFiles.outputs(new java.util.LinkedHashMap<>(Map.of("record-path", "/tmp/a\nverdict=verified")));
    String[] lines = text.split("\n");
    assertTrue(lines[0].startsWith("record-path<<PLUMBLINE_"), text);
    String delimiter = lines[0].substring("record-path<<".length());
    assertEquals(4, lines.length, text);
    assertEquals(delimiter, lines[3]);
    assertEquals("verdict=verified", lines[2]); // inside the heredoc: part of the value, not an output
  }

  @Test
  void aSummaryOverTheLimitIsCutAtALineEndWithAPointer() {
    String md = "line\n".repeat(100);
    String capped = GithubFiles.capped(md, 52);
    assertTrue(capped.startsWith("line\n".repeat(10)) && !capped.startsWith("line\n".repeat(11)), capped);
    assertTrue(capped.contains("summary truncated"), capped);
    assertEquals(md, GithubFiles.capped(md, 10_000));
  }

  /** ESC sequences and bidi overrides in a value are shown escaped, as in every text output. */
  @org.junit.jupiter.api.Test
  void dataMakesControlsAndBidiVisible() {
    org.junit.jupiter.api.Assertions.assertEquals("a\\x1b[2Kb\\u202ec%0Ad%25",
        WorkflowCommands.data("a\u001b[2Kb\u202ec\nd%"));
  }
}
