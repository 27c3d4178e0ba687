package dev.plumbline.env;

import dev.plumbline.env.Environment.Variable;
import dev.plumbline.redact.Redaction;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Environment variables as names with value digests, sensitive ones by name only. */
public final class Variables {
  private Variables() {}

  /** Every variable, sorted by name, judged by the built-in rules. */
  public static List<Variable> of(Map<String, String> env) {
    return of(env, Redaction.builtIn().maskingValuesOf(env));
  }

  /**
   * Every variable, sorted by name; those {@code redaction} calls sensitive by name only. Pass a
   * redaction that masks the values of {@code env} ({@link Redaction#maskingValuesOf}), so that a
   * variable holding a copy of a secret is not hashed either.
   */
  public static List<Variable> of(Map<String, String> env, Redaction redaction) {
    List<Variable> out = new ArrayList<>();
    for (Map.Entry<String, String> e : new TreeMap<>(env).entrySet()) {
      String value = e.getValue() == null ? "" : e.getValue();
      if (redaction.isSensitiveVariable(e.getKey(), value)) {
        out.add(new Variable(e.getKey(), null, true));
      } else {
        out.add(new Variable(e.getKey(), sha256Hex(value.getBytes(StandardCharsets.UTF_8)), false));
      }
    }
    return List.copyOf(out);
  }

  /**
   * One digest for the whole set: sha256 over lines {@code NAME=SHA256HEX\n}, or {@code NAME=-\n}
   * for a redacted variable, in the list's order. Anyone can recompute it from the list; a
   * redacted value contributes only its name.
   */
  public static String digest(List<Variable> variables) {
    MessageDigest md = sha256();
    for (Variable v : variables) {
      md.update((v.name() + "=" + (v.redacted() ? "-" : v.sha256()) + "\n").getBytes(StandardCharsets.UTF_8));
    }
    return HexFormat.of().formatHex(md.digest());
  }

  static String sha256Hex(byte[] data) {
    return HexFormat.of().formatHex(sha256().digest(data));
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JDK has no SHA-256", e);
    }
  }
}
