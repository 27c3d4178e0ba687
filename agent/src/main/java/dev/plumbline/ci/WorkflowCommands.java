package dev.plumbline.ci;

import dev.plumbline.text.Printable;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * GitHub Actions workflow commands ({@code ::error file=F,title=T::message}). Everything the build
 * controls (host names, paths, process names, completeness reasons) goes through {@link #data} or
 * {@link #property}: a newline in a value can then never start a line of its own, so a build can
 * not forge a command (e.g. {@code ::add-mask::} or {@code ::stop-commands::}) through our output.
 */
public final class WorkflowCommands {
  private WorkflowCommands() {}

  /**
   * The message part: %, CR and LF escaped as GitHub's runner unescapes them; every other control
   * or bidi character made visible ({@link Printable}), as in all text output, so an annotation
   * cannot carry an ESC sequence or reorder its text in the log.
   */
  public static String data(String s) {
    StringBuilder b = new StringBuilder();
    StringBuilder piece = new StringBuilder();
    String text = s == null ? "" : s;
    for (int i = 0; i <= text.length(); i++) {
      char c = i < text.length() ? text.charAt(i) : '\n';
      if (c == '\r' || c == '\n') {
        b.append(Printable.inline(piece.toString()).replace("%", "%25"));
        piece.setLength(0);
        if (i < text.length()) {
          b.append(c == '\r' ? "%0D" : "%0A");
        }
      } else {
        piece.append(c);
      }
    }
    return b.toString();
  }

  /** A property value (file=, title=): also ':' and ',' which end a property. */
  public static String property(String s) {
    return data(s).replace(":", "%3A").replace(",", "%2C");
  }

  public static String error(String title, String message) {
    return command("error", props("title", title), message);
  }

  public static String warning(String title, String message) {
    return command("warning", props("title", title), message);
  }

  public static String notice(String title, String message) {
    return command("notice", props("title", title), message);
  }

  /** A warning on a file of the repository (relative to the workspace). */
  public static String fileWarning(String file, String title, String message) {
    return command("warning", props("file", file, "title", title), message);
  }

  public static String group(String title) {
    return "::group::" + data(title);
  }

  public static String endGroup() {
    return "::endgroup::";
  }

  static String command(String name, Map<String, String> properties, String message) {
    StringBuilder b = new StringBuilder("::").append(name);
    String sep = " ";
    for (Map.Entry<String, String> p : properties.entrySet()) {
      b.append(sep).append(p.getKey()).append('=').append(property(p.getValue()));
      sep = ",";
    }
    return b.append("::").append(data(message)).toString();
  }

  private static Map<String, String> props(String... kv) {
    Map<String, String> m = new LinkedHashMap<>();
    for (int i = 0; i < kv.length; i += 2) {
      m.put(kv[i], kv[i + 1]);
    }
    return m;
  }
}
