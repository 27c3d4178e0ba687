package dev.plumbline.redact;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * What one run must never write, in one place: which variables are sensitive ({@link
 * SecretNames}, by name), which values are credentials ({@link TokenFormats}, by shape, and the
 * user's own patterns), how an argv is redacted ({@link ArgvRedactor}) and the values of the
 * environment's sensitive variables, masked wherever they appear ({@link SensitiveValues}).
 *
 * <p>Environment capture asks {@link #isSensitiveVariable}; the recorder passes every argv through
 * {@link #argv} and every other recorded string through {@link #text}; reports use {@link
 * #builtIn()} again on what they show. Immutable; the {@code with…} methods return new instances.
 */
public final class Redaction {
  /** What a redacted value is replaced by. */
  public static final String MASK = "***";

  private static final Redaction BUILT_IN =
      new Redaction(SecretNames.builtIn(), List.of(), SensitiveValues.NONE);

  private final SecretNames names;
  private final List<Pattern> patterns;
  private final SensitiveValues values;
  private final ArgvRedactor redactor;

  private Redaction(SecretNames names, List<Pattern> patterns, SensitiveValues values) {
    this.names = names;
    this.patterns = List.copyOf(patterns);
    this.values = values;
    this.redactor = names == SecretNames.builtIn() ? null : new ArgvRedactor(names);
  }

  /** The built-in rules, no user additions, no environment values. */
  public static Redaction builtIn() {
    return BUILT_IN;
  }

  /**
   * The built-in rules plus the user's: variable names or globs ({@code run --secret-env}) and
   * regular expressions for credential values ({@code run --secret-pattern}).
   *
   * @throws IllegalArgumentException one line naming the malformed entry
   */
  public static Redaction withUserRules(List<String> secretNames, List<String> secretPatterns) {
    List<Pattern> compiled = new ArrayList<>();
    for (String p : secretPatterns) {
      try {
        Pattern pattern = Pattern.compile(p);
        if (pattern.matcher("").matches()) {
          throw new IllegalArgumentException("secret pattern '" + p + "' matches the empty string");
        }
        compiled.add(pattern);
      } catch (PatternSyntaxException e) {
        throw new IllegalArgumentException("secret pattern '" + p + "' is not a regular expression: "
            + e.getDescription() + " at index " + e.getIndex(), e);
      }
    }
    if (secretNames.isEmpty() && compiled.isEmpty()) {
      return BUILT_IN;
    }
    return new Redaction(SecretNames.withUserNames(secretNames), compiled, SensitiveValues.NONE);
  }

  /**
   * These rules, also masking the values of {@code env}'s sensitive variables (judged by name,
   * shape and the user's patterns) wherever they appear; values masked already stay masked.
   */
  public Redaction maskingValuesOf(Map<String, String> env) {
    List<String> secret = new ArrayList<>(values.sources());
    env.forEach((name, value) -> {
      if (value != null && judged(name, value)) {
        secret.add(value);
      }
    });
    return new Redaction(names, patterns, SensitiveValues.of(secret));
  }

  public SecretNames names() {
    return names;
  }

  /**
   * Whether a variable's value must be neither written nor hashed: by its name, by its value's
   * shape, by a user pattern, or because it contains the value of another sensitive variable
   * ({@code COPY=$TOKEN} would otherwise publish the token's hash).
   */
  public boolean isSensitiveVariable(String name, String value) {
    return judged(name, value) || values.foundIn(value);
  }

  private boolean judged(String name, String value) {
    return names.isSensitiveVariable(name) || TokenFormats.contains(value) || matchesUserPattern(value);
  }

  private boolean matchesUserPattern(String value) {
    if (value == null) {
      return false;
    }
    for (Pattern p : patterns) {
      if (p.matcher(value).find()) {
        return true;
      }
    }
    return false;
  }

  /** {@code argv} with every secret the rules recognise replaced by {@value #MASK} (same length and order). */
  public List<String> argv(List<String> argv) {
    List<String> redacted = redactor == null ? ArgvRedactor.redact(argv) : redactor.apply(argv);
    if (patterns.isEmpty() && values.isEmpty()) {
      return redacted;
    }
    List<String> out = new ArrayList<>(redacted.size());
    for (String arg : redacted) {
      out.add(userPatternsAndValues(arg));
    }
    return out;
  }

  /**
   * Any other recorded string (a path, a DNS name, a note) with credentials of a known shape, the
   * user's patterns and the environment's sensitive values replaced by {@value #MASK}.
   */
  public String text(String s) {
    if (s == null || s.isEmpty()) {
      return s;
    }
    return userPatternsAndValues(TokenFormats.redact(s));
  }

  private String userPatternsAndValues(String s) {
    String out = values.mask(s);
    for (Pattern p : patterns) {
      out = p.matcher(out).replaceAll(MASK);
    }
    return out;
  }
}
