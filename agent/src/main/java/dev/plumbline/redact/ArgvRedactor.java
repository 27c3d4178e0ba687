package dev.plumbline.redact;

import java.util.ArrayList;
import java.util.List;
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
 *   <li>long options whose name is secret by {@link SecretNames} ({@code --password X},
 *       {@code --api-key=X}, Go-style {@code -token X}), not {@code --password-file} and the like;
 *       a key option's value is kept when it names a key file ({@code --private-key ~/.ssh/id});
 *   <li>short options only for the programs where they mean a password ({@code mysql -pX},
 *       {@code sshpass -p X}, {@code docker login -p X}, {@code curl -u user:X}, …), since {@code
 *       -p} is a port or "parents" almost everywhere else;
 *   <li>{@code NAME=VALUE} assignments and {@code -DNAME=VALUE} properties with a secret NAME, also
 *       inside option values ({@code --env=TOKEN=X}) and comma lists ({@code --set a=1,pw=X});
 *   <li>inside any argument: URL passwords and secret query values, Authorization and headers
 *       with secret names, JSON fields with secret names, npmrc auth, and the {@link TokenFormats};
 *   <li>inside shell strings ({@code sh -c "…"}): rules 1 and 3 as well.
 * </ol>
 *
 * <p>Redacting twice gives the same result as redacting once.
 */
public final class ArgvRedactor {
  private static final String REDACTED = Redaction.MASK;
  private static final ArgvRedactor BUILT_IN = new ArgvRedactor(SecretNames.builtIn());

  private final SecretNames names;

  ArgvRedactor(SecretNames names) {
    this.names = names;
  }

  /** {@code argv} redacted by the built-in rules (same length and order). */
  public static List<String> redact(List<String> argv) {
    return BUILT_IN.apply(argv);
  }

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

  private static final Pattern QUERY_PARAM = Pattern.compile("([?&;])([A-Za-z0-9_.-]+)=([^&#\\s'\"]*)");
  private static final Pattern AUTHORIZATION =
      Pattern.compile("(?i)((?:proxy-)?authorization\\s*:\\s*(?:[A-Za-z0-9_-]+\\s+(?=\\S))?)([^'\"\\r\\n]+)");
  /**
   * {@code Name: value} at the start of an argument or after whitespace, a quote or {@code =}; the
   * value is redacted when the name is a secret header ({@code apikey: X}, {@code X-Api-Key: X}).
   * Not at the start of an argument, a space must follow the colon ({@code -v token:/data} is a
   * volume, not a header).
   */
  private static final Pattern HEADER =
      Pattern.compile("(?:^|(?<=[\\s'\"=]))([A-Za-z][A-Za-z0-9_-]*)(:[ \\t]*)([^'\"\\r\\n]+)");
  private static final Pattern NPMRC = Pattern.compile("(?i)((?:^|[\\s:/])_(?:authtoken|auth|password)=)([^\\s'\"]+)");
  private static final Pattern INLINE_OPTION = Pattern.compile("(?<=^|\\s)(--?([A-Za-z0-9][A-Za-z0-9_.-]*)[= ])([^\\s'\";|&()-][^\\s'\";|&()]*)");
  private static final Pattern INLINE_ASSIGNMENT = Pattern.compile("(?<=^|[\\s;&|(])([A-Za-z_][A-Za-z0-9_]*)=([^\\s'\";&|)]+)");
  private static final Pattern ASSIGNMENT = Pattern.compile("([A-Za-z_][A-Za-z0-9_.-]*)=(.*)", Pattern.DOTALL);
  private static final Pattern LIST_PAIR = Pattern.compile("(,)([A-Za-z_][A-Za-z0-9_.-]*)=([^,]*)");
  private static final Pattern JSON_FIELD = Pattern.compile("(\"([A-Za-z0-9_.-]+)\"\\s*:\\s*\")((?:[^\"\\\\]|\\\\.)*)\"");
  private static final Pattern PROPERTY = Pattern.compile("-([DP])([A-Za-z0-9_.-]+)(:[A-Za-z]+)?=(.*)", Pattern.DOTALL);

  /** {@code sh -c}, {@code bash -lc}, {@code sh -ec}: the next argument is a command string. */
  private static final Pattern SHELL_COMMAND_FLAG = Pattern.compile("-[a-z]*c[a-z]*");

  private enum Pending { NONE, VALUE, KEY_VALUE, USER_PASS, USER_PERCENT_PASS, OPENSSL_PASS }

  /** A redacted copy of {@code argv}, same length and order. */
  List<String> apply(List<String> argv) {
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
   * split into words as the shell would ({@link ShellWords}) and run through {@link #apply}, so
   * program-specific options such as {@code curl -u user:pw} or {@code mysql -ppw} are redacted
   * inside scripts too. A changed word is written back in single quotes when it was quoted.
   */
  String redactShellString(String script) {
    String s = redactInline(script);
    StringBuilder out = new StringBuilder(s);
    List<int[]> changes = new ArrayList<>();
    List<String> replacements = new ArrayList<>();
    for (List<int[]> command : ShellWords.commands(s)) {
      List<String> words = new ArrayList<>(command.size());
      for (int[] span : command) {
        words.add(ShellWords.unquote(s.substring(span[0], span[1])));
      }
      List<String> redacted = apply(words);
      for (int i = 0; i < words.size(); i++) {
        if (!redacted.get(i).equals(words.get(i)) && !onlyVariableRedacted(words.get(i), redacted.get(i))) {
          String raw = s.substring(command.get(i)[0], command.get(i)[1]);
          String value = redacted.get(i);
          changes.add(command.get(i));
          replacements.add(raw.equals(words.get(i)) ? value : ShellWords.quote(value));
        }
      }
    }
    // replace from the end so earlier spans stay valid
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

  /** The inline rules (4 and 5) on one string: token formats, URLs, headers, shell strings. */
  String redactInline(String text) {
    if (text.isEmpty()) {
      return text;
    }
    // cheap guards first: most arguments (file names, flags) cannot match any pattern
    String s = TokenFormats.redact(text);
    if (s.indexOf('?') >= 0) {
      s = redactQuery(s);
    }
    if (s.indexOf(':') >= 0) {
      s = AUTHORIZATION.matcher(s).replaceAll(m -> Matcher.quoteReplacement(m.group(1) + REDACTED));
      s = HEADER.matcher(s).replaceAll(m -> Matcher.quoteReplacement(secretHeader(m) ? m.group(1) + m.group(2) + REDACTED : m.group()));
    }
    if (s.indexOf('"') >= 0 && s.indexOf(':') >= 0) {
      s = JSON_FIELD.matcher(s).replaceAll(m -> Matcher.quoteReplacement(
          names.isSecretAssignment(m.group(2)) && !m.group(3).isEmpty() ? m.group(1) + REDACTED + "\"" : m.group()));
    }
    if (s.indexOf('_') >= 0 && s.indexOf('=') >= 0) {
      s = NPMRC.matcher(s).replaceAll(m -> Matcher.quoteReplacement(m.group(1) + REDACTED));
    }
    if (hasWhitespace(s)) {
      s = INLINE_OPTION.matcher(s).replaceAll(
          m -> Matcher.quoteReplacement(secretOptionValue(m.group(2), m.group(1).startsWith("--"), m.group(3))
              ? m.group(1) + REDACTED : m.group()));
      s = INLINE_ASSIGNMENT.matcher(s).replaceAll(
          m -> Matcher.quoteReplacement(names.isSecretAssignment(m.group(1)) ? m.group(1) + "=" + REDACTED : m.group()));
    }
    return s;
  }

  private boolean secretHeader(java.util.regex.MatchResult m) {
    if (m.group(3).equals(REDACTED) || m.group(1).equalsIgnoreCase("authorization")) {
      return false; // done, or the Authorization rule's (it keeps the scheme)
    }
    boolean spaced = m.group(2).length() > 1;
    return (spaced || m.start() == 0) && names.isSecretHeader(m.group(1));
  }

  private String redactQuery(String s) {
    int q = s.indexOf('?');
    Matcher m = QUERY_PARAM.matcher(s);
    StringBuilder sb = new StringBuilder();
    int last = 0;
    while (m.find()) {
      if (m.start() < q || m.group(3).isEmpty() || !names.isSecretQueryName(m.group(2))) {
        continue;
      }
      sb.append(s, last, m.start(3)).append(REDACTED);
      last = m.end(3);
    }
    return sb.append(s, last, s.length()).toString();
  }

  /** The separate value after an option that takes a secret, or null if {@code arg} is not a value. */
  private static String redactValue(Pending kind, String arg) {
    if (arg.isEmpty() || (arg.startsWith("-") && arg.length() > 1)) {
      return null;
    }
    return switch (kind) {
      case VALUE -> REDACTED;
      case KEY_VALUE -> looksLikeKeyFile(arg) ? arg : REDACTED;
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
  private Pending redactArgument(String program, boolean login, String arg, String[] result) {
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
      if (names.isSecretAssignment(property.group(2)) && !property.group(4).isEmpty()) {
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
        if (!value.isEmpty() && secretOptionValue(name, doubleDash, value)) {
          result[0] = prefix + REDACTED;
        } else {
          // --env=PASSWORD=x, --from-literal=token=x, -var=db_password=x
          result[0] = prefix + redactAssignment(value);
        }
        return Pending.NONE;
      }
      if (!names.isSecretOption(body, doubleDash)) {
        return Pending.NONE;
      }
      return SecretNames.namesAKey(body) ? Pending.KEY_VALUE : Pending.VALUE;
    }
    // rule 3a: NAME=VALUE assignments
    result[0] = redactAssignment(arg);
    return Pending.NONE;
  }

  /** Whether option NAME's VALUE is a secret: a secret option, unless a key option names a key file. */
  private boolean secretOptionValue(String name, boolean doubleDash, String value) {
    return names.isSecretOption(name, doubleDash) && !(SecretNames.namesAKey(name) && looksLikeKeyFile(value));
  }

  /**
   * Whether a key option's value names a file rather than holding the key: {@code id_ed25519},
   * {@code deploy.pem}, {@code ~/.ssh/key}, {@code /run/secrets/k}. A long run of base64 is a key
   * even when it starts with {@code /}.
   */
  static boolean looksLikeKeyFile(String v) {
    if (v.isEmpty() || hasWhitespace(v) || v.equals(REDACTED)) {
      return false;
    }
    if (KEY_FILE.matcher(v).matches()) {
      return true;
    }
    boolean pathLike = v.startsWith("/") || v.startsWith("./") || v.startsWith("../") || v.startsWith("~/");
    return pathLike && !(v.length() >= 40 && BASE64.matcher(v).matches());
  }

  private static final Pattern KEY_FILE = Pattern.compile(
      "(?:.*/)?(?:id_(?:rsa|dsa|ecdsa|ed25519)(?:_sk)?(?:\\.pub)?|[^/]+\\.(?i:pem|key|der|p12|pfx|jks|keystore|asc|gpg|pub|crt|ppk|p8|json))");
  private static final Pattern BASE64 = Pattern.compile("[A-Za-z0-9+/=]+");

  /**
   * {@code NAME=VALUE} with a secret NAME → {@code NAME=***}; otherwise secret pairs of a
   * comma-separated list ({@code helm --set a=1,db.password=x}) are redacted up to the next comma.
   */
  String redactAssignment(String arg) {
    if (arg.indexOf('=') <= 0) {
      return arg;
    }
    Matcher assignment = ASSIGNMENT.matcher(arg);
    if (!assignment.matches() || assignment.group(2).isEmpty()) {
      return arg;
    }
    if (names.isSecretAssignment(assignment.group(1))) {
      return assignment.group(1) + "=" + REDACTED;
    }
    if (arg.indexOf(',') < 0) {
      return arg;
    }
    return LIST_PAIR.matcher(arg).replaceAll(
        m -> Matcher.quoteReplacement(names.isSecretAssignment(m.group(2)) && !m.group(3).isEmpty()
            ? m.group(1) + m.group(2) + "=" + REDACTED : m.group()));
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
