package dev.plumbline.policy;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/** A Java regular expression that must match the whole value. */
public record Regex(String text, Pattern pattern) {
  @JsonCreator(mode = JsonCreator.Mode.DELEGATING)
  public static Regex parse(String text) {
    if (text == null || text.isEmpty()) {
      throw new IllegalArgumentException("empty regular expression");
    }
    try {
      return new Regex(text, Pattern.compile(text));
    } catch (PatternSyntaxException e) {
      throw new IllegalArgumentException("bad regular expression '" + text + "': " + e.getDescription());
    }
  }

  public boolean matches(String value) {
    return value != null && pattern.matcher(value).matches();
  }

  @JsonValue
  @Override
  public String toString() {
    return text;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Regex r && r.text.equals(text);
  }

  @Override
  public int hashCode() {
    return text.hashCode();
  }
}
