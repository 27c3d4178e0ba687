package dev.plumbline.report;

import dev.plumbline.redact.Redaction;
import dev.plumbline.text.Printable;
import java.time.Duration;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Escaping and small formatting shared by the renderers. Both escapers first make control,
 * bidirectional and other format characters visible ({@link Printable}), then escape their markup.
 */
public final class Text {
  private Text() {}

  /**
   * A value safe inside a GitHub-flavoured markdown table cell: pipes, backticks and other markup
   * characters are backslash-escaped, angle brackets become entities (no raw HTML), line breaks
   * and other controls visible escapes ({@code \n}, {@code \x1b}, {@code \u202e}).
   */
  public static String md(String s) {
    if (s == null) {
      return "";
    }
    String visible = Printable.inline(s);
    StringBuilder b = new StringBuilder(visible.length() + 8);
    for (char c : visible.toCharArray()) {
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

  /** A value safe in HTML text and attributes; line feeds and tabs are kept, other controls made visible. */
  static String html(String s) {
    if (s == null) {
      return "";
    }
    String visible = Printable.lines(s);
    StringBuilder b = new StringBuilder(visible.length() + 8);
    for (char c : visible.toCharArray()) {
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

  /**
   * An argv as one string, at most {@code max} characters; redacted again by the built-in rules
   * (a record from an older version, or an edited one, may hold more than they keep).
   */
  static String argv(List<String> argv, int max) {
    if (argv == null || argv.isEmpty()) {
      return "";
    }
    String s = String.join(" ", Redaction.builtIn().argv(argv));
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

  private static final Pattern SHA256 = Pattern.compile("(?:sha256:)?[0-9a-f]{64}");

  /** Whether {@code sha} is a well-formed digest (an unverified record may hold anything there). */
  static boolean isSha256(String sha) {
    return sha != null && SHA256.matcher(sha).matches();
  }

  /** A markdown table cell for a digest: in a code span when well formed, else escaped and flagged. */
  static String mdSha256(String sha) {
    if (sha == null) {
      return "*none*";
    }
    return isSha256(sha) ? "`" + sha + "`" : "⚠️ malformed: " + md(sha);
  }

  static String shortSha(String sha) {
    if (sha == null) {
      return "";
    }
    String h = sha.startsWith("sha256:") ? sha.substring(7) : sha;
    return h.length() > 12 ? h.substring(0, 12) : h;
  }
}
