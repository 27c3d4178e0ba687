package dev.plumbline.policy;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.nio.file.FileSystems;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.util.regex.PatternSyntaxException;

/**
 * A path glob as java.nio reads it: {@code *} and {@code ?} stay within one path segment, {@code **}
 * crosses segments, {@code {a,b}} and {@code [abc]} work as in a shell.
 */
public final class Glob {
  private final String pattern;
  private final PathMatcher matcher;

  private Glob(String pattern, PathMatcher matcher) {
    this.pattern = pattern;
    this.matcher = matcher;
  }

  @JsonCreator(mode = JsonCreator.Mode.DELEGATING)
  public static Glob of(String pattern) {
    if (pattern == null || pattern.isBlank()) {
      throw new IllegalArgumentException("empty glob");
    }
    try {
      return new Glob(pattern, FileSystems.getDefault().getPathMatcher("glob:" + pattern));
    } catch (PatternSyntaxException e) {
      throw new IllegalArgumentException("bad glob '" + pattern + "': " + e.getDescription());
    }
  }

  /** True when {@code value} (a path, ref or socket name) matches the whole pattern. */
  public boolean matches(String value) {
    if (value == null) {
      return false;
    }
    if (value.equals(pattern)) {
      return true;
    }
    try {
      return matcher.matches(Path.of(value));
    } catch (InvalidPathException e) {
      return false;
    }
  }

  @JsonValue
  public String pattern() {
    return pattern;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Glob g && g.pattern.equals(pattern);
  }

  @Override
  public int hashCode() {
    return pattern.hashCode();
  }

  @Override
  public String toString() {
    return pattern;
  }
}
