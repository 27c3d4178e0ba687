package dev.plumbline.trace.decode;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Removes secrets from a process's argv before it is recorded. A redacted value becomes {@value
 * #REDACTED}; everything else is kept byte for byte, because an argv that was rewritten for no
 * reason is worse evidence. The rules, in the order they apply to each argument (also in {@code
 * docs/record.md}):
 *
 * <ol>
 *   <li><b>Option values.</b> A long option {@code --NAME VALUE} or {@code --NAME=VALUE} whose name
 *       (split on {@code - _ .} and camelCase) ends in password, passwd, pass, passphrase, token,
 *       secret, apikey, bearer, credential(s), pat, or in api-key, access-key, secret-key,
 *       auth-key. Names ending in file, path, dir, env, stdin, fd, cmd, command, helper, prompt,
 *       length, type, name, url, endpoint, user, username, host, port, id, mode are not secrets
 *       ({@code --password-file F}, {@code --secret-id N}), and nor are {@code --no-…} names. A
 *       separate VALUE is taken only when it does not itself start with {@code -} (so {@code psql
 *       --password -h db} keeps {@code -h}). Single-dash long options (Go's {@code -token X}) follow
 *       the same rule, except that {@code pass} alone does not count there ({@code ffmpeg -pass 2}).
 *   <li><b>Short options, only for the programs that give them a secret</b> ({@code -p} is a port,
 *       "parents" or "preserve" for most tools and is left alone elsewhere): curl {@code -u/--user,
 *       -U/--proxy-user USER:PASS} → {@code USER:***}; mysql/mariadb tools {@code -pSECRET} (attached
 *       only: a separate word after {@code -p} is the database); sshpass {@code -p SECRET}; docker,
 *       podman, buildah, skopeo, nerdctl, oras, helm with a {@code login} argument: {@code -p
 *       SECRET}; redis-cli {@code -a SECRET}; keytool/jarsigner {@code -storepass, -keypass,
 *       -srcstorepass, -deststorepass, -srckeypass, -destkeypass SECRET} (any program); httpie ({@code http}, {@code https}) {@code -a/--auth
 *       USER:PASS}; openssl {@code -pass/-passin/-passout pass:SECRET} → {@code pass:***} (env:,
 *       file:, fd: and stdin name no secret). The program is argv[0]'s file name, and switches
 *       when a later argument names one of these programs ({@code sudo mysql -pX}).
 *   <li><b>Assignments.</b> {@code NAME=VALUE} (as given to env, make, or a shell) and {@code
 *       -DNAME=VALUE} / {@code -PNAME=VALUE} properties (Java, Maven, Gradle, CMake {@code
 *       -DNAME:TYPE=VALUE}) when any part of NAME is one of the secret words above, or PWD-free
 *       pairs like API_KEY, ACCESS_KEY, PRIVATE_KEY, SIGNING_KEY; PWD and OLDPWD are directories,
 *       and names ending in FILE, PATH, DIR, URL… (as above) are kept. SSHPASS, PGPASSWORD,
 *       MYSQL_PWD and REDISCLI_AUTH are secrets by name.
 *   <li><b>Inside any argument</b> (URLs, headers, {@code sh -c} strings): the password of URL
 *       userinfo ({@code https://user:***@host}); URL query values of token, access_token,
 *       refresh_token, id_token, auth, auth_token, api_key, apikey, key, sig, signature, password,
 *       passwd, pwd, pass, secret, client_secret, private_token, X-Amz-Signature,
 *       X-Amz-Credential, X-Amz-Security-Token, X-Goog-Signature, X-Goog-Credential and any name
 *       ending in _token, -token, _secret, _password; {@code Authorization:} and {@code
 *       Proxy-Authorization:} header values after the scheme ({@code Authorization: Bearer ***});
 *       the values of X-Api-Key, Api-Key, X-Auth-Token, Private-Token, Job-Token, Deploy-Token,
 *       X-Vault-Token, Cookie headers; npmrc {@code _authToken=}, {@code _auth=}, {@code
 *       _password=}; and well-known token formats wherever they appear: GitHub (ghp_, gho_, ghu_,
 *       ghs_, ghr_, github_pat_), GitLab glpat-, Slack xox?-, npm_, PyPI pypi-, Google AIza…, AWS
 *       access key ids AKIA…/ASIA…, JWTs (eyJ….eyJ….sig), PEM private key blocks.
 *   <li><b>Inside arguments that contain whitespace</b> (shell command strings): {@code
 *       --secret-option=VALUE} / {@code --secret-option VALUE} and {@code NAME=VALUE} assignments
 *       by the rules above.
 * </ol>
 *
 * <p>Not detected: a secret passed as a bare positional argument with no recognisable shape
 * (e.g. {@code htpasswd -b file user SECRET}, {@code aws configure set key VALUE}), and program
 * specific short options inside shell strings. Environment variables are handled elsewhere: argv
 * is all this class sees.
 */
public final class ArgvRedactor {
  public static final String REDACTED = "***";

  private ArgvRedactor() {}

  private static final Set<String> SECRET_WORDS =
      Set.of("password", "passwd", "pass", "passphrase", "token", "secret", "apikey", "bearer", "credential",
          "credentials", "pat");
  private static final Set<String> OPTION_PAIRS = Set.of("api key", "access key", "secret key", "auth key");
  private static final Set<String> ASSIGNMENT_PAIRS =
      Set.of("api key", "access key", "secret key", "auth key", "private key", "signing key", "encryption key",
          "master key", "session key", "client secret");
  private static final Set<String> NOT_SECRET_LAST =
      Set.of("file", "path", "dir", "env", "stdin", "fd", "cmd", "command", "helper", "prompt", "length", "len",
          "type", "name", "url", "endpoint", "user", "username", "host", "port", "id", "mode");
  private static final Set<String> SECRET_BY_NAME = Set.of("sshpass", "pgpassword", "mysql_pwd", "rediscli_auth");
  private static final Set<String> DIRECTORY_NAMES = Set.of("pwd", "oldpwd");

  private static final Set<String> MYSQL =
      Set.of("mysql", "mariadb", "mysqldump", "mysqladmin", "mysqlimport", "mysqlshow", "mysqlcheck", "mysqlslap",
          "mariadb-dump", "mariadb-admin", "mariadb-import", "mariadb-show", "mariadb-check");
  private static final Set<String> REGISTRY_LOGIN =
      Set.of("docker", "podman", "buildah", "skopeo", "nerdctl", "oras", "helm");
  /** Programs an argument can switch to; http/https are only recognised as argv[0] (they are common words). */
  private static final Set<String> SPECIAL_PROGRAMS = union(MYSQL, REGISTRY_LOGIN,
      Set.of("curl", "sshpass", "redis-cli", "openssl", "httpie"));
  /** keytool/jarsigner style single-dash options whose value is a password. */
  private static final Set<String> KEYSTORE_PASS =
      Set.of("-storepass", "-keypass", "-srcstorepass", "-deststorepass", "-srckeypass", "-destkeypass");

  private static final Pattern URL_USERINFO =
      Pattern.compile("(?i)\\b([a-z][a-z0-9+.-]*://[^/\\s:@?#'\"]*:)([^/\\s@?#'\"]+)@");
  private static final Pattern QUERY_PARAM = Pattern.compile("([?&;])([A-Za-z0-9_.-]+)=([^&#\\s'\"]*)");
  private static final Set<String> SECRET_QUERY_NAMES =
      Set.of("token", "access_token", "refresh_token", "id_token", "auth", "auth_token", "api_key", "apikey",
          "api-key", "key", "sig", "signature", "password", "passwd", "pwd", "pass", "secret", "client_secret",
          "private_token", "x-amz-signature", "x-amz-credential", "x-amz-security-token", "x-goog-signature",
          "x-goog-credential");
  private static final Pattern AUTHORIZATION =
      Pattern.compile("(?i)((?:proxy-)?authorization\\s*:\\s*(?:[A-Za-z0-9_-]+\\s+(?=\\S))?)([^'\"\\r\\n]+)");
  private static final Pattern SECRET_HEADER =
      Pattern.compile(
          "(?i)\\b((?:x-api-key|api-key|x-auth-token|private-token|job-token|deploy-token|x-vault-token|cookie)"
              + "\\s*:\\s*)([^'\"\\r\\n]+)");
  private static final Pattern NPMRC = Pattern.compile("(?i)((?:^|[\\s:/])_(?:authtoken|auth|password)=)([^\\s'\"]+)");
  private static final Pattern TOKEN_FORMATS =
      Pattern.compile(
          String.join(
              "|",
              "\\bgh[pousr]_[A-Za-z0-9]{30,}",
              "\\bgithub_pat_[A-Za-z0-9_]{22,}",
              "\\bglpat-[A-Za-z0-9_-]{20,}",
              "\\bxox[abposr]-[A-Za-z0-9-]{10,}",
              "\\bnpm_[A-Za-z0-9]{36}\\b",
              "\\bpypi-[A-Za-z0-9_-]{50,}",
              "\\bAIza[0-9A-Za-z_-]{35}",
              "\\b(?:AKIA|ASIA)[A-Z0-9]{16}\\b",
              "\\beyJ[A-Za-z0-9_-]{8,}\\.eyJ[A-Za-z0-9_-]{8,}\\.[A-Za-z0-9_-]*",
              "-----BEGIN [A-Z ]*PRIVATE KEY-----[\\s\\S]*?(?:-----END [A-Z ]*PRIVATE KEY-----|$)"));
  private static final Pattern INLINE_OPTION = Pattern.compile("(?<=^|\\s)(--?([A-Za-z0-9][A-Za-z0-9_.-]*)[= ])([^\\s'\"-][^\\s'\"]*)");
  private static final Pattern INLINE_ASSIGNMENT = Pattern.compile("(?<=^|[\\s;&|(])([A-Za-z_][A-Za-z0-9_]*)=([^\\s'\";&|)]+)");
  private static final Pattern ASSIGNMENT = Pattern.compile("([A-Za-z_][A-Za-z0-9_]*)=(.*)", Pattern.DOTALL);
  private static final Pattern PROPERTY = Pattern.compile("-([DP])([A-Za-z0-9_.-]+)(:[A-Za-z]+)?=(.*)", Pattern.DOTALL);

  /** {@code sh -c}, {@code bash -lc}, {@code sh -ec}: the next argument is a command string. */
  private static final Pattern SHELL_COMMAND_FLAG = Pattern.compile("-[a-z]*c[a-z]*");

  private enum Pending { NONE, VALUE, USER_PASS, OPENSSL_PASS }

  /** A redacted copy of {@code argv}, same length and order. */
  public static List<String> redact(List<String> argv) {
    List<String> out = new ArrayList<>(argv.size());
    String program = argv.isEmpty() ? "" : basename(argv.get(0));
    boolean login = argv.contains("login");
    Pending pending = Pending.NONE;
    for (int i = 0; i < argv.size(); i++) {
      String arg = argv.get(i);
      if (pending != Pending.NONE) {
        Pending was = pending;
        pending = Pending.NONE;
        String value = redactValue(was, arg);
        if (value != null) {
          out.add(redactInline(value));
          continue;
        }
      }
      if (i > 0 && !arg.startsWith("-")
          && (SPECIAL_PROGRAMS.contains(basename(arg)) || program.equals("sshpass"))) {
        // sshpass runs its first positional argument: from there on that program's rules apply
        program = basename(arg);
      }
      if (i > 0 && SHELL_COMMAND_FLAG.matcher(argv.get(i - 1)).matches()
          && arg.chars().anyMatch(Character::isWhitespace)) {
        out.add(redactInline(arg)); // a shell command string: only the inline rules can see inside it
        continue;
      }
      String[] result = {arg};
      pending = redactArgument(program, login, arg, result);
      out.add(redactInline(result[0]));
    }
    return out;
  }

  /** The inline rules (4 and 5) on one string: URLs, headers, token formats, shell strings. */
  public static String redactInline(String text) {
    if (text.isEmpty()) {
      return text;
    }
    String s = TOKEN_FORMATS.matcher(text).replaceAll(REDACTED);
    s = URL_USERINFO.matcher(s).replaceAll(m -> Matcher.quoteReplacement(m.group(1) + REDACTED + "@"));
    if (s.indexOf('?') >= 0) {
      s = redactQuery(s);
    }
    s = AUTHORIZATION.matcher(s).replaceAll(m -> Matcher.quoteReplacement(m.group(1) + REDACTED));
    s = SECRET_HEADER.matcher(s).replaceAll(m -> Matcher.quoteReplacement(m.group(1) + REDACTED));
    s = NPMRC.matcher(s).replaceAll(m -> Matcher.quoteReplacement(m.group(1) + REDACTED));
    if (s.chars().anyMatch(Character::isWhitespace)) {
      s = INLINE_OPTION.matcher(s).replaceAll(
          m -> Matcher.quoteReplacement(secretOption(m.group(2), m.group(1).startsWith("--"))
              ? m.group(1) + REDACTED : m.group()));
      s = INLINE_ASSIGNMENT.matcher(s).replaceAll(
          m -> Matcher.quoteReplacement(secretAssignment(m.group(1)) ? m.group(1) + "=" + REDACTED : m.group()));
    }
    return s;
  }

  private static String redactQuery(String s) {
    int q = s.indexOf('?');
    Matcher m = QUERY_PARAM.matcher(s);
    StringBuilder sb = new StringBuilder();
    int last = 0;
    while (m.find()) {
      if (m.start() < q || m.group(3).isEmpty() || !secretQueryName(m.group(2))) {
        continue;
      }
      sb.append(s, last, m.start(3)).append(REDACTED);
      last = m.end(3);
    }
    return sb.append(s, last, s.length()).toString();
  }

  private static boolean secretQueryName(String name) {
    String n = name.toLowerCase(Locale.ROOT);
    return SECRET_QUERY_NAMES.contains(n)
        || n.endsWith("_token")
        || n.endsWith("-token")
        || n.endsWith("_secret")
        || n.endsWith("_password");
  }

  /** The separate value after an option that takes a secret, or null if {@code arg} is not a value. */
  private static String redactValue(Pending kind, String arg) {
    if (arg.isEmpty() || (arg.startsWith("-") && arg.length() > 1)) {
      return null;
    }
    return switch (kind) {
      case VALUE -> REDACTED;
      case USER_PASS -> userPass(arg);
      case OPENSSL_PASS -> arg.startsWith("pass:") ? "pass:" + REDACTED : arg;
      case NONE -> arg;
    };
  }

  private static String userPass(String value) {
    int colon = value.indexOf(':');
    return colon < 0 || colon == value.length() - 1 ? value : value.substring(0, colon + 1) + REDACTED;
  }

  /** Rules 1–3 on one argument; {@code result[0]} gets the redacted argument. Returns what the next one is. */
  private static Pending redactArgument(String program, boolean login, String arg, String[] result) {
    // rule 2: program-specific short options
    if (program.equals("curl")) {
      if (arg.equals("-u") || arg.equals("--user") || arg.equals("-U") || arg.equals("--proxy-user")) {
        return Pending.USER_PASS;
      }
      if ((arg.startsWith("-u") || arg.startsWith("-U")) && arg.length() > 2) {
        result[0] = arg.substring(0, 2) + userPass(arg.substring(2));
        return Pending.NONE;
      }
    }
    if ((program.equals("http") || program.equals("https") || program.equals("httpie"))
        && (arg.equals("-a") || arg.equals("--auth"))) {
      return Pending.USER_PASS;
    }
    if (MYSQL.contains(program) && arg.startsWith("-p") && arg.length() > 2) {
      result[0] = "-p" + REDACTED;
      return Pending.NONE;
    }
    if (program.equals("sshpass") && arg.startsWith("-p")) {
      if (arg.length() == 2) {
        return Pending.VALUE;
      }
      result[0] = "-p" + REDACTED;
      return Pending.NONE;
    }
    if (REGISTRY_LOGIN.contains(program) && login && arg.equals("-p")) {
      return Pending.VALUE;
    }
    if (program.equals("redis-cli") && arg.equals("-a")) {
      return Pending.VALUE;
    }
    if (program.equals("openssl") && (arg.equals("-pass") || arg.equals("-passin") || arg.equals("-passout"))) {
      return Pending.OPENSSL_PASS;
    }
    if (KEYSTORE_PASS.contains(arg)) {
      return Pending.VALUE;
    }
    // rule 3b: -DNAME=VALUE / -PNAME=VALUE properties
    Matcher property = PROPERTY.matcher(arg);
    if (property.matches()) {
      if (secretAssignment(property.group(2)) && !property.group(4).isEmpty()) {
        String type = property.group(3) == null ? "" : property.group(3);
        result[0] = "-" + property.group(1) + property.group(2) + type + "=" + REDACTED;
      }
      return Pending.NONE;
    }
    // rule 1: long options
    boolean doubleDash = arg.startsWith("--") && arg.length() > 2;
    boolean singleDashLong = !doubleDash && arg.startsWith("-") && arg.length() > 2 && Character.isLetter(arg.charAt(1));
    if (doubleDash || singleDashLong) {
      String body = arg.substring(doubleDash ? 2 : 1);
      int eq = body.indexOf('=');
      if (eq > 0) {
        String name = body.substring(0, eq);
        if (eq < body.length() - 1 && secretOption(name, doubleDash)) {
          result[0] = arg.substring(0, arg.length() - body.length() + eq + 1) + REDACTED;
        }
        return Pending.NONE;
      }
      return secretOption(body, doubleDash) ? Pending.VALUE : Pending.NONE;
    }
    // rule 3a: NAME=VALUE assignments
    Matcher assignment = ASSIGNMENT.matcher(arg);
    if (assignment.matches() && !assignment.group(2).isEmpty() && secretAssignment(assignment.group(1))) {
      result[0] = assignment.group(1) + "=" + REDACTED;
    }
    return Pending.NONE;
  }

  /** Whether option NAME (without dashes) takes a secret value. */
  static boolean secretOption(String name, boolean doubleDash) {
    List<String> parts = words(name);
    if (parts.isEmpty() || parts.get(0).equals("no")) {
      return false;
    }
    String last = parts.get(parts.size() - 1);
    if (NOT_SECRET_LAST.contains(last)) {
      return false;
    }
    if (SECRET_WORDS.contains(last) && (doubleDash || !last.equals("pass"))) {
      return true;
    }
    return parts.size() >= 2 && OPTION_PAIRS.contains(parts.get(parts.size() - 2) + " " + last);
  }

  /** Whether an assignment or property NAME holds a secret. */
  static boolean secretAssignment(String name) {
    String lower = name.toLowerCase(Locale.ROOT);
    if (SECRET_BY_NAME.contains(lower)) {
      return true;
    }
    if (DIRECTORY_NAMES.contains(lower)) {
      return false;
    }
    List<String> parts = words(name);
    if (parts.isEmpty() || NOT_SECRET_LAST.contains(parts.get(parts.size() - 1))) {
      return false;
    }
    for (int i = 0; i < parts.size(); i++) {
      if (SECRET_WORDS.contains(parts.get(i))) {
        return true;
      }
      if (i > 0 && ASSIGNMENT_PAIRS.contains(parts.get(i - 1) + " " + parts.get(i))) {
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

  private static String basename(String path) {
    int slash = path.lastIndexOf('/');
    return slash < 0 ? path : path.substring(slash + 1);
  }

  @SafeVarargs
  private static Set<String> union(Set<String>... sets) {
    List<String> all = new ArrayList<>();
    for (Set<String> s : sets) {
      all.addAll(s);
    }
    return Set.copyOf(all);
  }
}
