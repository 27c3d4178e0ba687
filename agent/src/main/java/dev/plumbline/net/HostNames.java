package dev.plumbline.net;

import java.util.Locale;

/** DNS names as we compare them: lower case, no trailing dot, validated label by label. */
public final class HostNames {
  private HostNames() {}

  /** The canonical form of {@code name}, or null when it is not a valid host name. */
  public static String canonical(String name) {
    if (name == null) {
      return null;
    }
    String n = name.strip().toLowerCase(Locale.ROOT);
    if (n.endsWith(".")) {
      n = n.substring(0, n.length() - 1);
    }
    if (n.isEmpty() || n.length() > 253) {
      return null;
    }
    for (String label : n.split("\\.", -1)) {
      if (label.isEmpty() || label.length() > 63) {
        return null;
      }
      for (int i = 0; i < label.length(); i++) {
        char c = label.charAt(i);
        // '_' appears in real service names (_dmarc, SRV owners); anything else is not a host name.
        boolean ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
        if (!ok) {
          return null;
        }
      }
    }
    return n;
  }
}
