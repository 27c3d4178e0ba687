package dev.plumbline.redact;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The values of the environment's sensitive variables in every form a build is likely to pass
 * them on in: as they are, base64 (standard and URL-safe, at each of the three byte alignments,
 * so {@code base64("user:" + value)} is caught too) and URL-encoded. A script can hand such a
 * value to a program as a plain argument ({@code deploy "$TOKEN"}) where no name or shape says it
 * is a secret; masking finds it by value.
 *
 * <p>Values shorter than {@value #MIN_LENGTH} characters and absolute paths (sockets, credential
 * files: not secrets themselves) are not masked, so that masking does not rewrite unrelated words.
 */
final class SensitiveValues {
  /** The shortest value that is masked. */
  static final int MIN_LENGTH = 6;
  /** The shortest base64 fragment that is masked (shorter ones could match by chance). */
  private static final int MIN_ENCODED = 8;

  static final SensitiveValues NONE = new SensitiveValues(List.of(), List.of());

  /** The values as given. */
  private final List<String> sources;
  /** Every form, longest first, so a longer form is replaced before a shorter one inside it. */
  private final List<String> forms;

  private SensitiveValues(List<String> sources, List<String> forms) {
    this.sources = sources;
    this.forms = forms;
  }

  List<String> sources() {
    return sources;
  }

  static SensitiveValues of(Collection<String> values) {
    Set<String> forms = new LinkedHashSet<>();
    for (String v : values) {
      if (v == null || v.strip().length() < MIN_LENGTH || v.startsWith("/")) {
        continue;
      }
      forms.add(v);
      forms.add(v.strip());
      byte[] bytes = v.getBytes(StandardCharsets.UTF_8);
      for (Base64.Encoder enc : List.of(Base64.getEncoder().withoutPadding(), Base64.getUrlEncoder().withoutPadding())) {
        forms.addAll(base64Cores(bytes, enc));
        byte[] withNewline = (v + "\n").getBytes(StandardCharsets.UTF_8); // echo "$X" | base64
        forms.addAll(base64Cores(withNewline, enc));
      }
      String form = URLEncoder.encode(v, StandardCharsets.UTF_8);
      forms.add(form);
      String percent = form.replace("+", "%20");
      forms.add(percent);
      forms.add(lowerHexEscapes(percent));
      // encoders that leave '/' (Python's quote) or every reserved character (encodeURI) as it is
      forms.add(percent.replace("%2F", "/"));
      forms.add(RESERVED_ESCAPE.matcher(percent).replaceAll(m -> reserved(m.group())));
    }
    if (forms.isEmpty()) {
      return NONE;
    }
    List<String> sorted = new ArrayList<>(forms);
    sorted.sort(Comparator.comparingInt(String::length).reversed().thenComparing(Comparator.naturalOrder()));
    return new SensitiveValues(values.stream().filter(java.util.Objects::nonNull).distinct().toList(), List.copyOf(sorted));
  }

  /**
   * The characters of base64 that depend only on {@code bytes}, for each alignment of them in a
   * longer input: character i encodes bits [6i, 6i+6) of the stream, which lie inside the value's
   * bytes when 6i ≥ 8k and 6i + 6 ≤ 8(k + n).
   */
  private static List<String> base64Cores(byte[] bytes, Base64.Encoder enc) {
    List<String> out = new ArrayList<>(3);
    for (int k = 0; k < 3; k++) {
      byte[] shifted = new byte[k + bytes.length];
      System.arraycopy(bytes, 0, shifted, k, bytes.length);
      String encoded = enc.encodeToString(shifted);
      int start = (8 * k + 5) / 6;
      int end = Math.min(encoded.length(), 8 * (k + bytes.length) / 6);
      if (end - start >= MIN_ENCODED) {
        out.add(encoded.substring(start, end));
      }
    }
    return out;
  }

  private static String lowerHexEscapes(String percent) {
    StringBuilder b = new StringBuilder(percent.length());
    for (int i = 0; i < percent.length(); i++) {
      char c = percent.charAt(i);
      if (c == '%' && i + 2 < percent.length()) {
        b.append('%').append(percent.substring(i + 1, i + 3).toLowerCase(Locale.ROOT));
        i += 2;
      } else {
        b.append(c);
      }
    }
    return b.toString();
  }

  private static final java.util.regex.Pattern RESERVED_ESCAPE =
      java.util.regex.Pattern.compile("%(?:3B|2C|2F|3F|3A|40|26|3D|2B|24|23)");

  private static String reserved(String escape) {
    return java.util.regex.Matcher.quoteReplacement(
        String.valueOf((char) Integer.parseInt(escape.substring(1), 16)));
  }

  boolean isEmpty() {
    return forms.isEmpty();
  }

  /** {@code text} with every form of every value replaced by {@value Redaction#MASK}. */
  String mask(String text) {
    if (text == null || text.isEmpty()) {
      return text;
    }
    String s = text;
    for (String f : forms) {
      if (s.contains(f)) {
        s = s.replace(f, Redaction.MASK);
      }
    }
    return s;
  }

  /** Whether {@code text} contains any form of any value. */
  boolean foundIn(String text) {
    if (text == null || text.isEmpty()) {
      return false;
    }
    for (String f : forms) {
      if (text.contains(f)) {
        return true;
      }
    }
    return false;
  }
}
