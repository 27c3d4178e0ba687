package dev.plumbline.redact;

import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Decides which environment values must never leave the build, not even as a hash: a hash of a
 * short password is a password (dictionary), and a hash of a token lets anyone holding the token
 * confirm it was used. Judged by the variable's name and, independently, by what the value looks
 * like, so a token stored in an innocently named variable is caught too.
 */
public final class Secrets {
  /** Name fragments that mark a variable as sensitive (matched case-insensitively, anywhere). */
  public static final List<String> NAME_FRAGMENTS =
      List.of("TOKEN", "SECRET", "PASSWORD", "PASSWD", "PASSPHRASE", "KEY", "CREDENTIAL", "AUTH", "COOKIE",
          "SESSION", "PRIVATE");

  /** Names that carry credentials although no fragment says so, or that must be caught regardless. */
  public static final Set<String> KNOWN_NAMES =
      Set.of(
          "ACTIONS_ID_TOKEN_REQUEST_TOKEN",
          "ACTIONS_ID_TOKEN_REQUEST_URL",
          "ACTIONS_RUNTIME_TOKEN",
          "ACTIONS_RUNTIME_URL",
          "ACTIONS_RESULTS_URL",
          "ACTIONS_CACHE_URL",
          "AWS_SECRET_ACCESS_KEY",
          "AWS_SESSION_TOKEN",
          "AWS_ACCESS_KEY_ID",
          "GITHUB_TOKEN",
          "GH_TOKEN",
          "CI_JOB_TOKEN",
          "CI_JOB_JWT",
          "CI_JOB_JWT_V2",
          "CI_REGISTRY_PASSWORD",
          "NPM_TOKEN",
          "NODE_AUTH_TOKEN",
          "DOCKER_PASSWORD",
          "PLUMBLINE_KEY_PASSWORD",
          "DATABASE_URL",
          "SIGSTORE_ID_TOKEN");

  private static final Pattern SECRET_VALUE =
      Pattern.compile(
          String.join(
              "|",
              "gh[pousr]_[A-Za-z0-9]{20,}", // GitHub tokens
              "github_pat_[A-Za-z0-9_]{20,}",
              "glpat-[A-Za-z0-9_-]{16,}", // GitLab
              "(?:AKIA|ASIA)[A-Z0-9]{16}", // AWS access key ids
              "eyJ[A-Za-z0-9_-]{5,}\\.eyJ[A-Za-z0-9_-]{5,}\\.[A-Za-z0-9_-]*", // JWT
              "-----BEGIN[ A-Z]*-----", // PEM keys and certificates
              "xox[abposr]-[A-Za-z0-9-]{10,}", // Slack
              "npm_[A-Za-z0-9]{30,}",
              "sk-[A-Za-z0-9_-]{20,}",
              "[a-zA-Z][a-zA-Z0-9+.-]*://[^/\\s:@]+:[^/\\s@]+@")); // URL with user:password

  private Secrets() {}

  public static boolean isSensitiveName(String name) {
    String upper = name.toUpperCase(Locale.ROOT);
    if (KNOWN_NAMES.contains(upper)) {
      return true;
    }
    for (String fragment : NAME_FRAGMENTS) {
      if (upper.contains(fragment)) {
        return true;
      }
    }
    return false;
  }

  public static boolean looksLikeSecret(String value) {
    return value != null && SECRET_VALUE.matcher(value).find();
  }

  /** True when the value must not be written or hashed, judged by name or by content. */
  public static boolean isSensitive(String name, String value) {
    return isSensitiveName(name) || looksLikeSecret(value);
  }
}
