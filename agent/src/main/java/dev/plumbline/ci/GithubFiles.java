package dev.plumbline.ci;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Map;

/**
 * The runner's file commands: step outputs ({@code GITHUB_OUTPUT}) and the job summary
 * ({@code GITHUB_STEP_SUMMARY}). Outputs use the heredoc form with a random delimiter that the
 * value does not contain, so a value (a path chosen by the build) cannot end it early and set
 * other outputs.
 */
public final class GithubFiles {
  /** GitHub drops a step summary over 1 MiB whole; we stay well below and point at the report. */
  static final int MAX_SUMMARY_BYTES = 900_000;

  private static final SecureRandom RANDOM = new SecureRandom();

  private GithubFiles() {}

  /** The text appended to GITHUB_OUTPUT for these outputs, in order. */
  public static String outputs(Map<String, String> values) {
    StringBuilder b = new StringBuilder();
    for (Map.Entry<String, String> e : values.entrySet()) {
      String value = e.getValue() == null ? "" : e.getValue();
      String delimiter;
      do {
        byte[] r = new byte[12];
        RANDOM.nextBytes(r);
        delimiter = "PLUMBLINE_" + HexFormat.of().formatHex(r);
      } while (value.contains(delimiter));
      b.append(e.getKey()).append("<<").append(delimiter).append('\n').append(value).append('\n').append(delimiter).append('\n');
    }
    return b.toString();
  }

  static String capped(String markdown, int maxBytes) {
    byte[] bytes = markdown.getBytes(StandardCharsets.UTF_8);
    if (bytes.length <= maxBytes) {
      return markdown;
    }
    String cut = new String(bytes, 0, maxBytes, StandardCharsets.UTF_8);
    int nl = cut.lastIndexOf('\n');
    return cut.substring(0, Math.max(0, nl + 1))
        + "\n_(summary truncated: the full report is the HTML file at the action's report-path output)_\n";
  }
}
