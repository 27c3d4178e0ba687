package dev.plumbline.text;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class PrintableTest {
  /** No character a terminal, a log viewer or a bidi renderer acts on survives, whatever the input. */
  @Test
  void everyControlFormatAndSeparatorIsEscaped() {
    StringBuilder all = new StringBuilder();
    for (int cp = 0; cp < 0x30000; cp++) {
      if (cp < 0xd800 || cp > 0xdfff) {
        all.appendCodePoint(cp);
      }
    }
    all.append('\ud800').append("x").append('\udc00'); // lone surrogates
    String once = Printable.inline(all.toString());
    once.codePoints().forEach(cp -> assertFalse(Printable.needsEscape(cp), "raw U+" + Integer.toHexString(cp)));
    for (int cp : new int[] {0x1b, 0x0d, 0x0a, 0x07, 0x7f, 0x85, 0x9b, 0x200e, 0x200f, 0x202a, 0x202e, 0x2066, 0x2069,
        0x2028, 0x2029, 0xfeff, 0x061c, 0xe0001}) {
      assertTrue(Printable.needsEscape(cp), Integer.toHexString(cp));
    }
    assertEquals("a\\x1b[2Kb\\r\\n\\u202ec\\t\\x9b\\U000e0041", Printable.inline("a\u001b[2Kb\r\n\u202ec\t\u009b\udb40\udc41"));
    assertEquals("plain/path é 日本 ✅ 😀", Printable.inline("plain/path é 日本 ✅ 😀"), "printable text is kept as it is");
  }

  @Test
  void linesKeepLineFeedsAndDefuseWorkflowCommands() {
    String text = "ok\n  ::error::pwned\n::warning file=x::y\n\t##[error]z\n##vso[task.setvariable]w\nfine :: here\n\u001b[2K";
    String out = Printable.lines(text);
    assertEquals("ok\n  \\x3a:error::pwned\n\\x3a:warning file=x::y\n\t\\x23#[error]z\n\\x23#vso[task.setvariable]w\nfine :: here\n\\x1b[2K", out);
    for (String line : out.split("\n", -1)) {
      String t = line.strip();
      assertFalse(t.startsWith("::") || t.startsWith("##"), line);
    }
  }

  @Test
  void aFieldCannotStartALine() {
    String field = "x\n::error::y\r";
    String rendered = Printable.lines("  tool: " + Printable.inline(field) + "\n");
    assertEquals("  tool: x\\n::error::y\\r\n", rendered);
  }
}
