package dev.plumbline.redact;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Credentials recognisable by their shape alone, wherever they appear: in an environment value
 * (then the variable is sensitive whatever its name) and inside any argument or recorded string
 * (then the credential is replaced by {@value Redaction#MASK}). One definition serves both, so a
 * value the environment capture calls a secret is also one the argv redaction removes.
 */
public final class TokenFormats {
  private TokenFormats() {}

  /** Token formats; each match is the credential itself. */
  private static final Pattern TOKENS =
      Pattern.compile(
          String.join(
              "|",
              "gh[pousr]_[A-Za-z0-9]{20,}", // GitHub
              "github_pat_[A-Za-z0-9_]{20,}",
              "gl(?:pat|dt|rt|ptt)-[A-Za-z0-9_-]{16,}", // GitLab personal, deploy, runner, trigger
              "xox[abposr]-[A-Za-z0-9-]{10,}", // Slack
              "xapp-[0-9]-[A-Za-z0-9-]{10,}",
              "npm_[A-Za-z0-9]{30,}",
              "pypi-[A-Za-z0-9_-]{50,}",
              "AIza[0-9A-Za-z_-]{35}", // Google API keys
              "(?:AKIA|ASIA)[A-Z0-9]{16,}", // AWS access key ids
              "(?<![A-Za-z0-9])sk-[A-Za-z0-9_-]{20,}", // OpenAI-style; not inside a word (task-…, disk-…)
              "(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{16,}", // Stripe
              "eyJ[A-Za-z0-9_-]{5,}\\.eyJ[A-Za-z0-9_-]{5,}\\.[A-Za-z0-9_-]*", // JWT
              "-----BEGIN [A-Z0-9 ]*-----[\\s\\S]*?(?:-----END [A-Z0-9 ]*-----|$)", // PEM blocks, any type
              // webhook URLs: the path is the credential, the host stays
              "(?<=hooks\\.slack\\.com/(?:services|workflows|triggers)/)[A-Za-z0-9/_-]+",
              "(?<=discord(?:app)?\\.com/api/webhooks/)[0-9]+/[A-Za-z0-9_-]+",
              "(?<=\\.webhook\\.office\\.com/webhookb2/)[^\\s'\"]+"));

  /** The shortest string {@link #TOKENS} can match ({@code xoxb-} + 10). */
  private static final int MIN_TOKEN_LENGTH = 15;

  /** {@code scheme://user:PASSWORD@}: group 2 is the password (the user may be empty). */
  private static final Pattern URL_PASSWORD =
      Pattern.compile("(?i)\\b([a-z][a-z0-9+.-]*://[^/\\s:@?#'\"]*:)([^/\\s@?#'\"]+)@");

  /**
   * {@code scheme://TOKEN@}: a user name of 20 or more letters and digits (both) is a key, as in a
   * Sentry DSN ({@code https://0123abcd…@o1.ingest.sentry.io/1}) or {@code https://TOKEN@host}.
   */
  private static final Pattern URL_TOKEN_USER =
      Pattern.compile("(?i)\\b([a-z][a-z0-9+.-]*://)((?=[A-Za-z_-]*[0-9])(?=[0-9_-]*[A-Za-z])[A-Za-z0-9_-]{20,})@");

  /** Whether {@code value} contains a credential of a known shape. */
  public static boolean contains(String value) {
    if (value == null || value.isEmpty()) {
      return false;
    }
    if (value.length() >= MIN_TOKEN_LENGTH && TOKENS.matcher(value).find()) {
      return true;
    }
    return value.contains("://") && (URL_PASSWORD.matcher(value).find() || URL_TOKEN_USER.matcher(value).find());
  }

  /** {@code text} with every credential of a known shape replaced by {@value Redaction#MASK}. */
  public static String redact(String text) {
    String s = text;
    if (s.length() >= MIN_TOKEN_LENGTH) {
      s = TOKENS.matcher(s).replaceAll(Redaction.MASK);
    }
    if (s.contains("://")) {
      s = URL_PASSWORD.matcher(s).replaceAll(m -> Matcher.quoteReplacement(m.group(1) + Redaction.MASK + "@"));
      s = URL_TOKEN_USER.matcher(s).replaceAll(m -> Matcher.quoteReplacement(m.group(1) + Redaction.MASK + "@"));
    }
    return s;
  }
}
