package dev.plumbline.redact;

import java.util.ArrayList;
import java.util.List;

/** Splits a shell command string into simple commands and words, as far as redaction needs it. */
final class ShellWords {
  private ShellWords() {}

  /**
   * Word spans {start, end} of each simple command of a shell string, in order: quotes and
   * backslashes kept inside a word, commands split on {@code ; & | ( )} and newlines. Unbalanced
   * quotes or a trailing backslash give no commands: no shell runs such a string.
   */
  static List<List<int[]>> commands(String s) {
    List<List<int[]>> commands = new ArrayList<>();
    List<int[]> words = new ArrayList<>();
    int start = -1;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '\'' || c == '"') {
        if (start < 0) {
          start = i;
        }
        int close = i + 1;
        while (close < s.length() && s.charAt(close) != c) {
          close += c == '"' && s.charAt(close) == '\\' ? 2 : 1;
        }
        if (close >= s.length()) {
          return List.of();
        }
        i = close;
      } else if (c == '\\') {
        if (start < 0) {
          start = i;
        }
        if (i + 1 >= s.length()) {
          return List.of();
        }
        i++;
      } else if (Character.isWhitespace(c) || ";&|()".indexOf(c) >= 0) {
        if (start >= 0) {
          words.add(new int[] {start, i});
          start = -1;
        }
        if (c == '\n' || ";&|()".indexOf(c) >= 0) {
          if (!words.isEmpty()) {
            commands.add(words);
          }
          words = new ArrayList<>();
        }
      } else if (start < 0) {
        start = i;
      }
    }
    if (start >= 0) {
      words.add(new int[] {start, s.length()});
    }
    if (!words.isEmpty()) {
      commands.add(words);
    }
    return commands;
  }

  /** A shell word's value: quotes removed, backslash escapes resolved. */
  static String unquote(String raw) {
    StringBuilder v = new StringBuilder(raw.length());
    char quote = 0;
    for (int i = 0; i < raw.length(); i++) {
      char c = raw.charAt(i);
      if (quote == 0 && (c == '\'' || c == '"')) {
        quote = c;
      } else if (quote != 0 && c == quote) {
        quote = 0;
      } else if (c == '\\' && quote != '\'' && i + 1 < raw.length()) {
        v.append(raw.charAt(++i));
      } else {
        v.append(c);
      }
    }
    return v.toString();
  }

  /** {@code value} as a single-quoted shell word. */
  static String quote(String value) {
    return "'" + value.replace("'", "'\\''") + "'";
  }
}
