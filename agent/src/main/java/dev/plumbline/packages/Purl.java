package dev.plumbline.packages;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * A package URL (purl-spec, ECMA-427): {@code pkg:type/namespace/name@version?qualifiers}. Built
 * for the OS package types we read (deb, apk, rpm) and parsed back for queries. Qualifiers are
 * kept sorted by key, as the canonical form requires; empty qualifier values are dropped.
 */
public record Purl(String type, String namespace, String name, String version, SortedMap<String, String> qualifiers) {

  public Purl {
    if (type == null || type.isBlank() || name == null || name.isBlank()) {
      throw new IllegalArgumentException("a purl needs a type and a name");
    }
    type = type.toLowerCase(Locale.ROOT);
    TreeMap<String, String> q = new TreeMap<>();
    if (qualifiers != null) {
      qualifiers.forEach(
          (k, v) -> {
            if (v != null && !v.isEmpty()) {
              q.put(k.toLowerCase(Locale.ROOT), v);
            }
          });
    }
    qualifiers = java.util.Collections.unmodifiableSortedMap(q);
  }

  /**
   * The purl of an OS package. deb and apk names and namespaces are case-insensitive and
   * lower-cased; rpm names keep their case. The distro qualifier and namespace come from
   * {@code distro} when known (namespace falls back to debian/alpine, and none for rpm).
   */
  public static Purl ofOsPackage(String type, Distro distro, String name, String version, String arch, String epoch) {
    String vendor = distro == null ? null : distro.vendor();
    Map<String, String> q = new TreeMap<>();
    q.put("arch", arch);
    q.put("distro", distro == null ? null : distro.qualifier());
    return switch (type) {
      case "deb" -> new Purl("deb", vendor == null ? "debian" : vendor, name.toLowerCase(Locale.ROOT), version, new TreeMap<>(q));
      case "apk" -> new Purl("apk", vendor == null ? "alpine" : vendor, name.toLowerCase(Locale.ROOT), version, new TreeMap<>(q));
      case "rpm" -> {
        q.put("epoch", epoch);
        yield new Purl("rpm", vendor, name, version, new TreeMap<>(q));
      }
      default -> throw new IllegalArgumentException("no OS package type '" + type + "'");
    };
  }

  @Override
  public String toString() {
    StringBuilder s = new StringBuilder("pkg:").append(type).append('/');
    if (namespace != null && !namespace.isEmpty()) {
      for (String segment : namespace.split("/")) {
        s.append(encode(segment)).append('/');
      }
    }
    s.append(encode(name));
    if (version != null && !version.isEmpty()) {
      s.append('@').append(encode(version));
    }
    String sep = "?";
    for (Map.Entry<String, String> e : qualifiers.entrySet()) {
      s.append(sep).append(e.getKey()).append('=').append(encode(e.getValue()));
      sep = "&";
    }
    return s.toString();
  }

  /** Parses a purl string; subpaths ({@code #...}) are not used by OS packages and are refused. */
  public static Purl parse(String text) {
    if (text == null || !text.startsWith("pkg:")) {
      throw new IllegalArgumentException("not a purl (it must start with pkg:): '" + text + "'");
    }
    String rest = text.substring(4);
    while (rest.startsWith("/")) {
      rest = rest.substring(1);
    }
    if (rest.contains("#")) {
      throw new IllegalArgumentException("purl subpaths are not supported: '" + text + "'");
    }
    SortedMap<String, String> qualifiers = new TreeMap<>();
    int q = rest.indexOf('?');
    if (q >= 0) {
      for (String pair : rest.substring(q + 1).split("&")) {
        int eq = pair.indexOf('=');
        if (eq <= 0) {
          throw new IllegalArgumentException("malformed purl qualifier '" + pair + "' in '" + text + "'");
        }
        qualifiers.put(pair.substring(0, eq), decode(pair.substring(eq + 1)));
      }
      rest = rest.substring(0, q);
    }
    String version = null;
    int at = rest.lastIndexOf('@');
    if (at >= 0) {
      version = decode(rest.substring(at + 1));
      rest = rest.substring(0, at);
    }
    int slash = rest.indexOf('/');
    if (slash <= 0) {
      throw new IllegalArgumentException("a purl needs pkg:TYPE/NAME: '" + text + "'");
    }
    String type = rest.substring(0, slash);
    String path = rest.substring(slash + 1);
    int last = path.lastIndexOf('/');
    String namespace = last < 0 ? null : decode(path.substring(0, last));
    String name = decode(path.substring(last + 1));
    if (name.isEmpty()) {
      throw new IllegalArgumentException("a purl needs a name: '" + text + "'");
    }
    return new Purl(type, namespace, name, version, qualifiers);
  }

  /** Percent-encodes everything but unreserved characters and ':' (which the spec leaves bare). */
  static String encode(String value) {
    StringBuilder out = new StringBuilder();
    for (byte b : value.getBytes(StandardCharsets.UTF_8)) {
      int c = b & 0xff;
      if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
          || c == '.' || c == '-' || c == '_' || c == '~' || c == ':') {
        out.append((char) c);
      } else {
        out.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
            .append(Character.toUpperCase(Character.forDigit(c & 0xf, 16)));
      }
    }
    return out.toString();
  }

  static String decode(String value) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    int i = 0;
    while (i < value.length()) {
      int c = value.codePointAt(i);
      if (c == '%') {
        int hi = i + 2 < value.length() ? Character.digit(value.charAt(i + 1), 16) : -1;
        int lo = i + 2 < value.length() ? Character.digit(value.charAt(i + 2), 16) : -1;
        if (hi < 0 || lo < 0) {
          throw new IllegalArgumentException("bad percent-encoding in '" + value + "'");
        }
        out.write(hi << 4 | lo);
        i += 3;
      } else {
        byte[] b = new String(Character.toChars(c)).getBytes(StandardCharsets.UTF_8);
        out.write(b, 0, b.length);
        i += Character.charCount(c);
      }
    }
    return out.toString(StandardCharsets.UTF_8);
  }
}
