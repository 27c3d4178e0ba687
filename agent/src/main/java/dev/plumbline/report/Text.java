package dev.plumbline.report;

import java.time.Duration;
import java.util.List;

/** Escaping and small formatting shared by the renderers. */
public final class Text {
  private Text() {}

  /**
   * A value safe inside a GitHub-flavoured markdown table cell: pipes, backticks and other markup
   * characters are backslash-escaped, angle brackets become entities (no raw HTML), newlines spaces.
   */
  public static String md(String s) {
    if (s == null) {
      return "";
    }
    StringBuilder b = new StringBuilder(s.length() + 8);
    for (char c : s.toCharArray()) {
      switch (c) {
        case '|', '`', '*', '_', '[', ']', '\\', '#', '~', '!' -> b.append('\\').append(c);
        case '<' -> b.append("&lt;");
        case '>' -> b.append("&gt;");
        case '&' -> b.append("&amp;");
        case '\n', '\r', '\t' -> b.append(' ');
        default -> b.append(c < 0x20 ? ' ' : c);
      }
    }
    return b.toString();
  }

  static String html(String s) {
    if (s == null) {
      return "";
    }
    StringBuilder b = new StringBuilder(s.length() + 8);
    for (char c : s.toCharArray()) {
      switch (c) {
        case '<' -> b.append("&lt;");
        case '>' -> b.append("&gt;");
        case '&' -> b.append("&amp;");
        case '"' -> b.append("&quot;");
        case '\'' -> b.append("&#39;");
        default -> b.append(c < 0x20 && c != '\n' && c != '\t' ? ' ' : c);
      }
    }
    return b.toString();
  }

  static String argv(List<String> argv, int max) {
    if (argv == null || argv.isEmpty()) {
      return "";
    }
    String s = String.join(" ", argv);
    return s.length() > max ? s.substring(0, max - 1) + "…" : s;
  }

  static String duration(Duration d) {
    if (d == null) {
      return "?";
    }
    long ms = d.toMillis();
    if (ms < 1000) {
      return ms + " ms";
    }
    if (ms < 60_000) {
      return String.format(java.util.Locale.ROOT, "%.1f s", ms / 1000.0);
    }
    return d.toMinutes() + " min " + d.toSecondsPart() + " s";
  }

  static String shortSha(String sha) {
    if (sha == null) {
      return "";
    }
    String h = sha.startsWith("sha256:") ? sha.substring(7) : sha;
    return h.length() > 12 ? h.substring(0, 12) : h;
  }
}
