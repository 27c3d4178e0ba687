package dev.plumbline.policy;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;
import java.util.regex.Pattern;

/** A SHA-256 digest, written {@code sha256:HEX} or bare HEX in policies; kept as lower-case hex. */
public record Sha256(String hex) {
  private static final Pattern HEX = Pattern.compile("[0-9a-f]{64}");

  public Sha256 {
    if (hex == null || !HEX.matcher(hex).matches()) {
      throw new IllegalArgumentException("not a sha256 digest: '" + hex + "' (expected 64 hex digits)");
    }
  }

  @JsonCreator(mode = JsonCreator.Mode.DELEGATING)
  public static Sha256 parse(String text) {
    if (text == null) {
      throw new IllegalArgumentException("not a sha256 digest: null");
    }
    String t = text.strip().toLowerCase(Locale.ROOT);
    if (t.startsWith("sha256:")) {
      t = t.substring("sha256:".length());
    }
    if (!HEX.matcher(t).matches()) {
      throw new IllegalArgumentException("not a sha256 digest: '" + text + "' (expected sha256:HEX with 64 hex digits)");
    }
    return new Sha256(t);
  }

  /** Same as {@link #parse} but null for null or malformed input, for digests read from evidence. */
  public static Sha256 orNull(String text) {
    try {
      return text == null ? null : parse(text);
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  @JsonValue
  @Override
  public String toString() {
    return "sha256:" + hex;
  }
}
