package dev.plumbline.cli;

import java.time.Duration;
import picocli.CommandLine;

/** Reads durations as people write them: 500ms, 5s, 2m, or ISO-8601 (PT5S). */
final class DurationConverter implements CommandLine.ITypeConverter<Duration> {
  @Override
  public Duration convert(String value) {
    Duration d = parse(value);
    if (d.isNegative()) {
      throw new CommandLine.TypeConversionException("a duration cannot be negative: '" + value + "'");
    }
    return d;
  }

  private static Duration parse(String value) {
    String v = value.strip().toLowerCase(java.util.Locale.ROOT);
    try {
      if (v.startsWith("pt")) {
        return Duration.parse(v.toUpperCase(java.util.Locale.ROOT));
      }
      if (v.endsWith("ms")) {
        return Duration.ofMillis(Long.parseLong(v.substring(0, v.length() - 2)));
      }
      if (v.endsWith("s")) {
        return Duration.ofSeconds(Long.parseLong(v.substring(0, v.length() - 1)));
      }
      if (v.endsWith("m")) {
        return Duration.ofMinutes(Long.parseLong(v.substring(0, v.length() - 1)));
      }
      return Duration.ofSeconds(Long.parseLong(v));
    } catch (RuntimeException e) {
      throw new CommandLine.TypeConversionException("not a duration: '" + value + "' (try 5s, 500ms or 2m)");
    }
  }
}
