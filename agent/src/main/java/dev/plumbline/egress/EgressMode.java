package dev.plumbline.egress;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/**
 * audit records every destination and changes nothing; block refuses what the allowlist does not
 * allow. Parsed once, from {@code --egress} (the CLI's converter calls {@link #parse}); the record's
 * {@code agent.egressMode} holds its label.
 */
public enum EgressMode {
  AUDIT,
  BLOCK;

  /** {@code audit} or {@code block}, case-insensitive, surrounding blanks ignored; null is audit. */
  public static EgressMode parse(String text) throws EgressConfigException {
    if (text == null) {
      return AUDIT;
    }
    switch (text.strip().toLowerCase(Locale.ROOT)) {
      case "audit":
        return AUDIT;
      case "block":
        return BLOCK;
      default:
        throw new EgressConfigException("--egress must be audit or block, not '" + text + "'");
    }
  }

  /** The mode a record's label names; a record with any other label is malformed. */
  @JsonCreator
  public static EgressMode ofLabel(String label) {
    for (EgressMode m : values()) {
      if (m.label().equals(label)) {
        return m;
      }
    }
    throw new IllegalArgumentException("unknown egress mode '" + label + "' (audit or block)");
  }

  /** The name used in records: audit or block. */
  @JsonValue
  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }

  @Override
  public String toString() {
    return label();
  }
}
