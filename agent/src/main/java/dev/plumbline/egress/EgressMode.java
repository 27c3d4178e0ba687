package dev.plumbline.egress;

import java.util.Locale;

/** audit records every destination and changes nothing; block refuses what the allowlist does not allow. */
public enum EgressMode {
  AUDIT,
  BLOCK;

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

  /** The name used in records: audit or block. */
  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }
}
