package dev.plumbline.redact;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Which names hold secrets: one vocabulary for environment variables, {@code NAME=VALUE}
 * assignments, {@code --options}, URL query parameters, HTTP headers and JSON fields, plus the
 * names a user adds ({@code run --secret-env NAME|GLOB}).
 *
 * <p>Two judgements share that vocabulary and differ on purpose. An <em>environment variable</em>
 * is recorded by name with a hash of its value, so calling one sensitive costs almost nothing
 * (only the hash is left out): any fragment of the vocabulary anywhere in the name counts
 * ({@code SSH_AUTH_SOCK}, {@code TOKENIZERS_PARALLELISM}). An <em>argument</em> is evidence of what
 * the build was told, so there only the name's last word counts ({@code -DTOKEN_SIZE=64} and
 * {@code HAVE_PASSWD_H} are C macros, {@code DB_PASSWORD} is a secret), or a key pair anywhere
 * ({@code SECRET_KEY_BASE}). Everything the argument judgement calls secret, the environment
 * judgement does too.
 */
public final class SecretNames {
  /** Last words that make a name secret ({@code --password}, {@code DB_PASS}, {@code SENTRY_DSN}). */
  static final Set<String> SECRET_WORDS =
      Set.of("password", "passwd", "pass", "passphrase", "pwd", "token", "secret", "apikey", "bearer", "pat",
          "auth", "cookie", "session", "dsn", "jwt");

  /** Word pairs that make a name secret wherever they stand ({@code SECRET_KEY_BASE}, {@code --client-key}). */
  static final Set<String> SECRET_PAIRS =
      Set.of("api key", "access key", "secret key", "auth key", "private key", "signing key", "encryption key",
          "master key", "session key", "client secret", "client key", "deploy key", "license key", "account key");

  /** Last words that name something about a secret, not the secret ({@code --password-file}, {@code TOKEN_URL}). */
  static final Set<String> NOT_SECRET_LAST =
      Set.of("file", "path", "dir", "env", "stdin", "fd", "cmd", "command", "helper", "prompt", "length", "len",
          "type", "name", "url", "endpoint", "user", "username", "host", "port", "id", "mode");

  /** Names whose value is a credential although their words do not say so (compared in lower case). */
  static final Set<String> CREDENTIAL_NAMES =
      Set.of("sshpass", "pgpassword", "mysql_pwd", "rediscli_auth", "sonar.login", "sonar_login", "database_url",
          "aws_access_key_id", "vault_token", "ci_job_jwt_v2", "twine_password", "npm_config__auth");

  /**
   * Environment variables that are sensitive although no fragment says so: they address the
   * agent's own credentials (GitHub's runtime and OIDC endpoints).
   */
  static final Set<String> AGENT_CONTEXT_NAMES =
      Set.of("ACTIONS_ID_TOKEN_REQUEST_URL", "ACTIONS_RUNTIME_URL", "ACTIONS_RESULTS_URL", "ACTIONS_CACHE_URL",
          "PLUMBLINE_KEY_PASSWORD", "SIGSTORE_ID_TOKEN");

  /** Fragments that make an environment variable sensitive wherever they appear in its name. */
  static final List<String> VARIABLE_FRAGMENTS =
      List.of("TOKEN", "SECRET", "PASS", "PWD", "KEY", "CREDENTIAL", "AUTH", "COOKIE", "SESSION", "PRIVATE",
          "WEBHOOK", "DSN", "JWT");

  /**
   * Environment variables that contain a fragment but hold no secret: directories, Go's module
   * path patterns, desktop session facts. Masking their values would rewrite unrelated arguments
   * ({@code GOPRIVATE=github.com/acme} in every clone URL).
   */
  static final Set<String> NOT_SECRET_VARIABLES =
      Set.of("PWD", "OLDPWD", "GOPRIVATE", "GONOPROXY", "GONOSUMDB", "GONOSUMCHECK", "DESKTOP_SESSION",
          "XDG_SESSION_CLASS", "XDG_SESSION_DESKTOP", "XDG_SESSION_TYPE", "XDG_SESSION_ID", "SESSION_MANAGER");

  /** Query parameter names that are secrets although the assignment rule would not say so. */
  private static final Set<String> SECRET_QUERY_NAMES =
      Set.of("key", "sig", "signature", "pwd", "x-amz-signature", "x-amz-credential", "x-amz-security-token",
          "x-goog-signature", "x-goog-credential", "private_token");

  /** Header names that are secrets although their words would not say so. */
  private static final Set<String> SECRET_HEADER_NAMES = Set.of("api-key", "x-api-key", "x-goog-api-key");

  private static final SecretNames BUILT_IN = new SecretNames(List.of());

  private final List<String> userGlobs;
  private final List<Pattern> userNames;

  private SecretNames(List<String> globs) {
    this.userGlobs = List.copyOf(globs);
    this.userNames = globs.stream().map(SecretNames::glob).toList();
  }

  /** The built-in rules only. */
  public static SecretNames builtIn() {
    return BUILT_IN;
  }

  /**
   * The built-in rules plus the user's names: exact names or globs with {@code *} and {@code ?},
   * compared case-insensitively ({@code DEPLOY_CREDS}, {@code *_PASS*}).
   *
   * @throws IllegalArgumentException naming the first malformed entry
   */
  public static SecretNames withUserNames(List<String> names) {
    for (String n : names) {
      if (n == null || n.isBlank() || !n.matches("[A-Za-z0-9_.*?-]+")) {
        throw new IllegalArgumentException(
            "secret variable name '" + n + "' must be a name or glob of letters, digits, _ . - * ?");
      }
    }
    return names.isEmpty() ? BUILT_IN : new SecretNames(names);
  }

  public List<String> userGlobs() {
    return userGlobs;
  }

  private static Pattern glob(String g) {
    StringBuilder re = new StringBuilder();
    for (char c : g.toCharArray()) {
      switch (c) {
        case '*' -> re.append(".*");
        case '?' -> re.append('.');
        default -> re.append(Pattern.quote(String.valueOf(c)));
      }
    }
    return Pattern.compile(re.toString(), Pattern.CASE_INSENSITIVE);
  }

  private boolean userName(String name) {
    for (Pattern p : userNames) {
      if (p.matcher(name).matches()) {
        return true;
      }
    }
    return false;
  }

  /** Whether an environment variable's value must not be written or hashed, judged by its name. */
  public boolean isSensitiveVariable(String name) {
    if (userName(name)) {
      return true;
    }
    String upper = name.toUpperCase(Locale.ROOT);
    if (NOT_SECRET_VARIABLES.contains(upper)) {
      return false;
    }
    if (AGENT_CONTEXT_NAMES.contains(upper) || isSecretAssignment(name)) {
      return true;
    }
    for (String fragment : VARIABLE_FRAGMENTS) {
      if (upper.contains(fragment)) {
        return true;
      }
    }
    return false;
  }

  /** Whether the value of {@code NAME=VALUE}, {@code -DNAME=VALUE} or a JSON field NAME is a secret. */
  public boolean isSecretAssignment(String name) {
    if (userName(name)) {
      return true;
    }
    String lower = name.toLowerCase(Locale.ROOT);
    if (CREDENTIAL_NAMES.contains(lower)) {
      return true;
    }
    if (NOT_SECRET_VARIABLES.contains(name.toUpperCase(Locale.ROOT))) {
      return false; // PWD=/home/me, DESKTOP_SESSION=ubuntu
    }
    return secretWords(words(name));
  }

  /** Whether option NAME (without dashes) takes a secret value. */
  public boolean isSecretOption(String name, boolean doubleDash) {
    List<String> parts = words(name);
    if (!parts.isEmpty() && parts.get(parts.size() - 1).equals("pass") && !doubleDash) {
      return false; // ffmpeg -pass 2
    }
    return secretWords(parts);
  }

  /** Whether the option's secret word is a key ({@code --private-key}): its value is often a file. */
  static boolean namesAKey(String name) {
    List<String> parts = words(name);
    return !parts.isEmpty() && parts.get(parts.size() - 1).equals("key");
  }

  /** Whether a URL query parameter holds a secret ({@code ?token=}, {@code &access_key=}, {@code &sig=}). */
  public boolean isSecretQueryName(String name) {
    String n = name.toLowerCase(Locale.ROOT);
    return SECRET_QUERY_NAMES.contains(n) || isSecretAssignment(name) || n.endsWith("_token") || n.endsWith("-token")
        || n.endsWith("_secret") || n.endsWith("_password");
  }

  /** Whether an HTTP header carries a credential ({@code apikey:}, {@code X-Api-Key:}, {@code Private-Token:}). */
  public boolean isSecretHeader(String name) {
    return SECRET_HEADER_NAMES.contains(name.toLowerCase(Locale.ROOT)) || isSecretAssignment(name);
  }

  private static boolean secretWords(List<String> parts) {
    if (parts.isEmpty() || parts.get(0).equals("no")) {
      return false;
    }
    if (parts.contains("webhook")) {
      return true; // SLACK_WEBHOOK_URL, --slack-webhook-url: the URL is the credential
    }
    String last = parts.get(parts.size() - 1);
    if (NOT_SECRET_LAST.contains(last)) {
      return false;
    }
    if (SECRET_WORDS.contains(last)) {
      return true;
    }
    for (int i = 1; i < parts.size(); i++) {
      if (SECRET_PAIRS.contains(parts.get(i - 1) + " " + parts.get(i))) {
        return true;
      }
    }
    return false;
  }

  /** Lower-case words of a name split on - _ . and camelCase: "signingPassword" → [signing, password]. */
  static List<String> words(String name) {
    List<String> parts = new ArrayList<>();
    StringBuilder cur = new StringBuilder();
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      boolean boundary = c == '-' || c == '_' || c == '.';
      boolean camel = i > 0 && Character.isUpperCase(c) && Character.isLowerCase(name.charAt(i - 1));
      if (boundary || camel) {
        if (cur.length() > 0) {
          parts.add(cur.toString().toLowerCase(Locale.ROOT));
        }
        cur.setLength(0);
        if (boundary) {
          continue;
        }
      }
      cur.append(c);
    }
    if (cur.length() > 0) {
      parts.add(cur.toString().toLowerCase(Locale.ROOT));
    }
    return parts;
  }
}
