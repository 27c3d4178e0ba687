package dev.plumbline.policy;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** How old an attestation may be: {@code 30d}, {@code 12h}, {@code 90m}, {@code 1w}, or ISO-8601 ({@code P30D}). */
public record MaxAge(String text, Duration duration) {
  private static final Pattern SHORT = Pattern.compile("(\\d+)\\s*(w|d|h|m|s)");

  @JsonCreator(mode = JsonCreator.Mode.DELEGATING)
  public static MaxAge parse(String text) {
    if (text == null || text.isBlank()) {
      throw new IllegalArgumentException("empty duration");
    }
    String t = text.strip().toLowerCase(Locale.ROOT);
    Duration d;
    Matcher m = SHORT.matcher(t);
    if (m.matches()) {
      long n = Long.parseLong(m.group(1));
      d = switch (m.group(2)) {
        case "w" -> Duration.ofDays(7 * n);
        case "d" -> Duration.ofDays(n);
        case "h" -> Duration.ofHours(n);
        case "m" -> Duration.ofMinutes(n);
        default -> Duration.ofSeconds(n);
      };
    } else {
      try {
        d = Duration.parse(t.toUpperCase(Locale.ROOT));
      } catch (DateTimeParseException e) {
        throw new IllegalArgumentException("not a duration: '" + text + "' (try 30d, 12h, 90m or P30D)");
      }
    }
    if (d.isNegative() || d.isZero()) {
      throw new IllegalArgumentException("maxAge must be positive: '" + text + "'");
    }
    return new MaxAge(text.strip(), d);
  }

  @JsonValue
  @Override
  public String toString() {
    return text;
  }
}
