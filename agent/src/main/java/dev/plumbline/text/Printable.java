package dev.plumbline.text;

/**
 * Makes build-controlled text safe to show to a person: in a terminal, a CI log, a job summary.
 * A file name or argument may carry ESC sequences (erase a line, retitle the window), CR and LF
 * (overwrite or add lines), C1 controls, bidirectional overrides that reorder what is shown
 * ({@code U+202E}), and CI workflow commands ({@code ::error::}, {@code ##[warning]}) that a
 * runner acts on when a line starts with them. Every text renderer passes build-controlled
 * values through {@link #inline} and its finished output through {@link #lines}.
 *
 * <p>Escapes are visible and unambiguous enough to read: {@code \n}, {@code \r}, {@code \t},
 * {@code \x1b} for other characters below U+0100, {@code \u202e} above, {@code \U000e0001}
 * outside the BMP. A backslash is not doubled: the escapes are for reading, not for parsing back.
 */
public final class Printable {
  private Printable() {}

  /** One value on one line: every control, format, line-separator character escaped. */
  public static String inline(String s) {
    return escape(s, false);
  }

  /**
   * A rendering of several lines: line feeds (and tabs) are kept, everything else {@link #inline}
   * would escape is escaped, and a line that starts, after blanks, with a workflow command
   * ({@code ::} or {@code ##[}) gets its first character escaped so no CI runner acts on it.
   */
  public static String lines(String text) {
    if (text == null) {
      return "";
    }
    String s = escape(text, true);
    StringBuilder out = new StringBuilder(s.length());
    int start = 0;
    while (start <= s.length()) {
      int nl = s.indexOf('\n', start);
      int end = nl < 0 ? s.length() : nl;
      int first = start;
      while (first < end && (s.charAt(first) == ' ' || s.charAt(first) == '\t')) {
        first++;
      }
      out.append(s, start, first);
      if (s.startsWith("::", first) || s.startsWith("##[", first) || s.startsWith("##vso[", first)) {
        out.append(hex(s.charAt(first))).append(s, first + 1, end);
      } else {
        out.append(s, first, end);
      }
      if (nl < 0) {
        break;
      }
      out.append('\n');
      start = nl + 1;
    }
    return out.toString();
  }

  /** Whether {@code cp} is shown escaped: C0/C1 controls, DEL, format (bidi, zero-width) and line/paragraph separators. */
  public static boolean needsEscape(int cp) {
    if (cp < 0x20 || (cp >= 0x7f && cp < 0xa0)) {
      return true;
    }
    int type = Character.getType(cp);
    return type == Character.FORMAT || type == Character.LINE_SEPARATOR || type == Character.PARAGRAPH_SEPARATOR
        || type == Character.SURROGATE || type == Character.UNASSIGNED && cp >= 0xfff0 && cp <= 0xffff;
  }

  private static String escape(String s, boolean keepLines) {
    if (s == null) {
      return "";
    }
    if (!anyToEscape(s, keepLines)) {
      return s;
    }
    StringBuilder b = new StringBuilder(s.length() + 16);
    for (int i = 0; i < s.length(); ) {
      int cp = s.codePointAt(i);
      int n = Character.charCount(cp);
      if (keepLines && (cp == '\n' || cp == '\t')) {
        b.append((char) cp);
      } else if (needsEscape(cp)) {
        b.append(switch (cp) {
          case '\n' -> "\\n";
          case '\r' -> "\\r";
          case '\t' -> "\\t";
          default -> hex(cp);
        });
      } else {
        b.appendCodePoint(cp);
      }
      i += n;
    }
    return b.toString();
  }

  private static boolean anyToEscape(String s, boolean keepLines) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c < 0x20 && keepLines && (c == '\n' || c == '\t')) {
        continue;
      }
      if (c < 0x20 || c >= 0x7f && needsEscape(s.codePointAt(i))) {
        return true;
      }
    }
    return false;
  }

  private static String hex(int cp) {
    if (cp < 0x100) {
      return String.format(java.util.Locale.ROOT, "\\x%02x", cp);
    }
    if (cp < 0x10000) {
      return String.format(java.util.Locale.ROOT, "\\u%04x", cp);
    }
    return String.format(java.util.Locale.ROOT, "\\U%08x", cp);
  }
}
