package dev.plumbline.redact;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Removes secrets from a process's argv before it is recorded. A redacted value becomes {@value
 * #REDACTED}; everything else is kept byte for byte, because an argv rewritten for no reason is
 * worse evidence. The rules are listed in full, with examples and known gaps, in {@code
 * docs/record.md} ("Redaction"); in short, per argument:
 *
 * <ol>
 *   <li>long options whose name ends in a secret word ({@code --password X}, {@code --api-key=X},
 *       Go-style {@code -token X}), not {@code --password-file} and the like;
 *   <li>short options only for the programs where they mean a password ({@code mysql -pX},
 *       {@code sshpass -p X}, {@code docker login -p X}, {@code curl -u user:X}, …), since {@code
 *       -p} is a port or "parents" almost everywhere else;
 *   <li>{@code NAME=VALUE} assignments and {@code -DNAME=VALUE} properties with a secret NAME, also
 *       inside option values ({@code --env=TOKEN=X}) and comma lists ({@code --set a=1,pw=X});
 *   <li>inside any argument: URL passwords and secret query values, Authorization and similar
 *       headers, JSON fields with secret names, npmrc auth, and well-known token formats;
 *   <li>inside shell strings ({@code sh -c "…"}): rules 1 and 3 as well.
 * </ol>
 *
 * <p>Redacting twice gives the same result as redacting once.
 */
public final class ArgvRedactor {
  public static final String REDACTED = "***";

  private ArgvRedactor() {}

  private static final Set<String> SECRET_WORDS =
      Set.of("password", "passwd", "pass", "passphrase", "token", "secret", "apikey", "bearer", "pat");
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
  /** Programs whose {@code -p} takes a password when a {@code login} argument is present. */
  private static final Set<String> LOGIN_WITH_P =
      Set.of("docker", "podman", "buildah", "skopeo", "nerdctl", "oras", "helm", "az");
  /** Programs whose option, with the value attached, is a password ({@code mysql -pSECRET}). */
  private static final Map<String, String> ATTACHED_SECRET = attachedSecrets();
  /** Programs whose option takes a password as the next argument. */
  private static final Map<String, Set<String>> SEPARATE_SECRET =
      Map.ofEntries(
          Map.entry("sshpass", Set.of("-p")),
          Map.entry("redis-cli", Set.of("-a")),
          Map.entry("twine", Set.of("-p")),
          Map.entry("sqlcmd", Set.of("-P")),
          Map.entry("ldapsearch", Set.of("-w")),
          Map.entry("ldapadd", Set.of("-w")),
          Map.entry("ldapmodify", Set.of("-w")),
          Map.entry("ldapdelete", Set.of("-w")),
          Map.entry("ldapwhoami", Set.of("-w")),
          Map.entry("ldappasswd", Set.of("-w", "-s")),
          Map.entry("ssh-keygen", Set.of("-N", "-P")),
          Map.entry("zip", Set.of("-P")),
          Map.entry("unzip", Set.of("-P")),
          Map.entry("openssl", Set.of("-k")));

  private static Map<String, String> attachedSecrets() {
    Map<String, String> m = new java.util.HashMap<>();
    MYSQL.forEach(p -> m.put(p, "-p"));
    for (String p : List.of("sshpass", "7z", "7za", "7zr", "rar", "unrar")) {
      m.put(p, "-p");
    }
    return Map.copyOf(m);
  }

  /** Programs an argument can switch to; http/https are only recognised as argv[0] (they are common words). */
  private static final Set<String> SPECIAL_PROGRAMS = union(MYSQL, LOGIN_WITH_P, ATTACHED_SECRET.keySet(),
      SEPARATE_SECRET.keySet(), Set.of("curl", "openssl", "httpie", "smbclient", "htpasswd"));
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
  /** The shortest string {@link #TOKEN_FORMATS} can match ({@code xoxb-} + 10). */
  private static final int MIN_TOKEN_LENGTH = 15;
  private static final Pattern INLINE_OPTION = Pattern.compile("(?<=^|\\s)(--?([A-Za-z0-9][A-Za-z0-9_.-]*)[= ])([^\\s'\";|&()-][^\\s'\";|&()]*)");
  private static final Pattern INLINE_ASSIGNMENT = Pattern.compile("(?<=^|[\\s;&|(])([A-Za-z_][A-Za-z0-9_]*)=([^\\s'\";&|)]+)");
  private static final Pattern ASSIGNMENT = Pattern.compile("([A-Za-z_][A-Za-z0-9_.-]*)=(.*)", Pattern.DOTALL);
  private static final Pattern LIST_PAIR = Pattern.compile("(,)([A-Za-z_][A-Za-z0-9_.-]*)=([^,]*)");
  private static final Pattern JSON_FIELD = Pattern.compile("(\"([A-Za-z0-9_.-]+)\"\\s*:\\s*\")((?:[^\"\\\\]|\\\\.)*)\"");
  private static final Pattern PROPERTY = Pattern.compile("-([DP])([A-Za-z0-9_.-]+)(:[A-Za-z]+)?=(.*)", Pattern.DOTALL);

  /** {@code sh -c}, {@code bash -lc}, {@code sh -ec}: the next argument is a command string. */
  private static final Pattern SHELL_COMMAND_FLAG = Pattern.compile("-[a-z]*c[a-z]*");

  private enum Pending { NONE, VALUE, USER_PASS, USER_PERCENT_PASS, OPENSSL_PASS }

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
      if (i > 0 && argv.get(i - 1).startsWith("-") && hasWhitespace(arg)
          && SHELL_COMMAND_FLAG.matcher(argv.get(i - 1)).matches()) {
        out.add(redactShellString(arg)); // a shell command string: inline rules, then each command's words
        continue;
      }
      String[] result = {arg};
      pending = redactArgument(program, login, arg, result);
      out.add(redactInline(result[0]));
    }
    redactHtpasswdBatch(argv, out);
    return out;
  }

  /**
   * A shell command string ({@code sh -c "…"}): the inline rules, then every simple command in it
   * split into words as the shell would (quotes, backslashes; split on {@code ; & | ( )} and
   * newlines) and run through {@link #redact}, so program-specific options such as {@code curl -u
   * user:pw} or {@code mysql -ppw} are redacted inside scripts too. A changed word is written back
   * in single quotes when it was quoted.
   */
  static String redactShellString(String script) {
    String s = redactInline(script);
    List<List<int[]>> commands = shellWords(s);
    StringBuilder out = new StringBuilder(s);
    // replace from the end so earlier spans stay valid
    List<int[]> changes = new ArrayList<>();
    List<String> replacements = new ArrayList<>();
    for (List<int[]> command : commands) {
      List<String> words = new ArrayList<>(command.size());
      for (int[] span : command) {
        words.add(unquote(s.substring(span[0], span[1])));
      }
      List<String> redacted = redact(words);
      for (int i = 0; i < words.size(); i++) {
        if (!redacted.get(i).equals(words.get(i)) && !onlyVariableRedacted(words.get(i), redacted.get(i))) {
          String raw = s.substring(command.get(i)[0], command.get(i)[1]);
          String value = redacted.get(i);
          changes.add(command.get(i));
          replacements.add(raw.equals(words.get(i)) ? value : "'" + value.replace("'", "'\\''") + "'");
        }
      }
    }
    for (int i = changes.size() - 1; i >= 0; i--) {
      out.replace(changes.get(i)[0], changes.get(i)[1], replacements.get(i));
    }
    return out.toString();
  }

  /** {@code "$USER:$TOKEN"} names a variable, not a secret: the script is kept as written. */
  private static boolean onlyVariableRedacted(String word, String redacted) {
    int common = 0;
    while (common < word.length() && common < redacted.length() && word.charAt(common) == redacted.charAt(common)) {
      common++;
    }
    return common < word.length() && word.charAt(common) == '$';
  }

  /** Word spans {start, end} of each simple command of a shell string, in order. */
  private static List<List<int[]>> shellWords(String s) {
    List<List<int[]>> commands = new ArrayList<>();
    List<int[]> words = new ArrayList<>();
    int start = -1;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '\'' || c == '"') {
        if (start < 0) {
          start = i;
        }
        int close = i + 1;
        while (close < s.length() && s.charAt(close) != c) {
          close += c == '"' && s.charAt(close) == '\\' ? 2 : 1;
        }
        if (close >= s.length()) {
          return List.of(); // unbalanced quotes: no shell runs this; leave it to the inline rules
        }
        i = close;
      } else if (c == '\\') {
        if (start < 0) {
          start = i;
        }
        if (i + 1 >= s.length()) {
          return List.of(); // a trailing backslash: not a complete shell string
        }
        i++;
      } else if (Character.isWhitespace(c) || ";&|()".indexOf(c) >= 0) {
        if (start >= 0) {
          words.add(new int[] {start, i});
          start = -1;
        }
        if (c == '\n' || ";&|()".indexOf(c) >= 0) {
          if (!words.isEmpty()) {
            commands.add(words);
          }
          words = new ArrayList<>();
        }
      } else if (start < 0) {
        start = i;
      }
    }
    if (start >= 0) {
      words.add(new int[] {start, s.length()});
    }
    if (!words.isEmpty()) {
      commands.add(words);
    }
    return commands;
  }

  /** A shell word's value: quotes removed, backslash escapes resolved. */
  private static String unquote(String raw) {
    StringBuilder v = new StringBuilder(raw.length());
    char quote = 0;
    for (int i = 0; i < raw.length(); i++) {
      char c = raw.charAt(i);
      if (quote == 0 && (c == '\'' || c == '"')) {
        quote = c;
      } else if (quote != 0 && c == quote) {
        quote = 0;
      } else if (c == '\\' && quote != '\'' && i + 1 < raw.length()) {
        v.append(raw.charAt(++i));
      } else {
        v.append(c);
      }
    }
    return v.toString();
  }

  /** {@code htpasswd -b[c…] FILE USER PASSWORD} / {@code htpasswd -nb USER PASSWORD}: the last argument. */
  private static void redactHtpasswdBatch(List<String> argv, List<String> out) {
    int at = -1;
    for (int i = 0; i < argv.size(); i++) {
      if (argv.get(i).endsWith("htpasswd") && basename(argv.get(i)).equals("htpasswd")) {
        at = i;
        break;
      }
    }
    if (at < 0 || argv.size() - at < 3) {
      return;
    }
    boolean batch = argv.subList(at + 1, argv.size()).stream().anyMatch(a -> a.matches("-[A-Za-z]*b[A-Za-z]*"));
    String last = argv.get(argv.size() - 1);
    if (batch && !last.startsWith("-")) {
      out.set(out.size() - 1, REDACTED);
    }
  }

  /** The inline rules (4 and 5) on one string: URLs, headers, token formats, shell strings. */
  public static String redactInline(String text) {
    if (text.isEmpty()) {
      return text;
    }
    // cheap guards first: most arguments (file names, flags) cannot match any pattern
    String s = text;
    if (s.length() >= MIN_TOKEN_LENGTH) {
      s = TOKEN_FORMATS.matcher(s).replaceAll(REDACTED);
    }
    if (s.contains("://")) {
      s = URL_USERINFO.matcher(s).replaceAll(m -> Matcher.quoteReplacement(m.group(1) + REDACTED + "@"));
    }
    if (s.indexOf('?') >= 0) {
      s = redactQuery(s);
    }
    if (s.indexOf(':') >= 0) {
      s = AUTHORIZATION.matcher(s).replaceAll(m -> Matcher.quoteReplacement(m.group(1) + REDACTED));
      s = SECRET_HEADER.matcher(s).replaceAll(m -> Matcher.quoteReplacement(m.group(1) + REDACTED));
    }
    if (s.indexOf('"') >= 0 && s.indexOf(':') >= 0) {
      s = JSON_FIELD.matcher(s).replaceAll(m -> Matcher.quoteReplacement(
          secretAssignment(m.group(2)) && !m.group(3).isEmpty() ? m.group(1) + REDACTED + "\"" : m.group()));
    }
    if (s.indexOf('_') >= 0 && s.indexOf('=') >= 0) {
      s = NPMRC.matcher(s).replaceAll(m -> Matcher.quoteReplacement(m.group(1) + REDACTED));
    }
    if (hasWhitespace(s)) {
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
      case USER_PERCENT_PASS -> arg.indexOf('%') < 0 ? arg : arg.substring(0, arg.indexOf('%') + 1) + REDACTED;
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
    if (program.equals("smbclient") && (arg.equals("-U") || arg.equals("--user"))) {
      return Pending.USER_PERCENT_PASS;
    }
    String attached = ATTACHED_SECRET.get(program);
    if (attached != null && arg.startsWith(attached) && arg.length() > attached.length()) {
      result[0] = attached + REDACTED;
      return Pending.NONE;
    }
    if (SEPARATE_SECRET.getOrDefault(program, Set.of()).contains(arg)) {
      return Pending.VALUE;
    }
    if (LOGIN_WITH_P.contains(program) && login && arg.equals("-p")) {
      return Pending.VALUE;
    }
    if (program.equals("openssl") && (arg.equals("-pass") || arg.equals("-passin") || arg.equals("-passout"))) {
      return Pending.OPENSSL_PASS;
    }
    if (KEYSTORE_PASS.contains(arg)) {
      return Pending.VALUE;
    }
    // rule 3b: -DNAME=VALUE / -PNAME=VALUE properties
    Matcher property = arg.startsWith("-D") || arg.startsWith("-P") ? PROPERTY.matcher(arg) : null;
    if (property != null && property.matches()) {
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
        String prefix = arg.substring(0, arg.length() - body.length() + eq + 1);
        String value = body.substring(eq + 1);
        if (!value.isEmpty() && secretOption(name, doubleDash)) {
          result[0] = prefix + REDACTED;
        } else {
          // --env=PASSWORD=x, --from-literal=token=x, -var=db_password=x
          result[0] = prefix + redactAssignment(value);
        }
        return Pending.NONE;
      }
      return secretOption(body, doubleDash) ? Pending.VALUE : Pending.NONE;
    }
    // rule 3a: NAME=VALUE assignments
    result[0] = redactAssignment(arg);
    return Pending.NONE;
  }

  /**
   * {@code NAME=VALUE} with a secret NAME → {@code NAME=***}; otherwise secret pairs of a
   * comma-separated list ({@code helm --set a=1,db.password=x}) are redacted up to the next comma.
   */
  static String redactAssignment(String arg) {
    if (arg.indexOf('=') <= 0) {
      return arg;
    }
    Matcher assignment = ASSIGNMENT.matcher(arg);
    if (!assignment.matches() || assignment.group(2).isEmpty()) {
      return arg;
    }
    if (secretAssignment(assignment.group(1))) {
      return assignment.group(1) + "=" + REDACTED;
    }
    if (arg.indexOf(',') < 0) {
      return arg;
    }
    return LIST_PAIR.matcher(arg).replaceAll(
        m -> Matcher.quoteReplacement(secretAssignment(m.group(2)) && !m.group(3).isEmpty()
            ? m.group(1) + m.group(2) + "=" + REDACTED : m.group()));
  }

  /** Whether option NAME (without dashes) takes a secret value. */
  static boolean secretOption(String name, boolean doubleDash) {
    List<String> parts = words(name);
    if (parts.isEmpty() || parts.get(0).equals("no")) {
      return false;
    }
    if (parts.contains("webhook")) {
      return true; // --slack-webhook-url: the URL is the credential
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
    if (parts.isEmpty()) {
      return false;
    }
    if (parts.contains("webhook")) {
      return true; // SLACK_WEBHOOK_URL: the URL is the credential
    }
    String last = parts.get(parts.size() - 1);
    if (NOT_SECRET_LAST.contains(last)) {
      return false;
    }
    // the secret word must end the name: HAVE_PASSWD_H, TOKEN_SIZE, SECRET_LEN are C macros, not secrets
    if (SECRET_WORDS.contains(last)) {
      return true;
    }
    // ... except for key pairs, which also name secrets in the middle (SECRET_KEY_BASE)
    for (int i = 1; i < parts.size(); i++) {
      if (ASSIGNMENT_PAIRS.contains(parts.get(i - 1) + " " + parts.get(i))) {
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

  private static boolean hasWhitespace(String s) {
    for (int i = 0; i < s.length(); i++) {
      if (Character.isWhitespace(s.charAt(i))) {
        return true;
      }
    }
    return false;
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
