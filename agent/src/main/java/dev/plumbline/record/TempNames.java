package dev.plumbline.record;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Masks the random part of temporary file names that tools generate and pass on the command line,
 * so that two records of the same build are equal: gcc runs {@code cc1 … -o /tmp/ccYUx2lw.s} and
 * {@code as -o /tmp/cc5PfXch.o /tmp/ccYUx2lw.s}, with new letters every time.
 *
 * <p>Only names of well-known shapes directly inside a temporary directory ({@code /tmp}, {@code
 * /var/tmp}, {@code /dev/shm}) are touched, and only the random letters are replaced by {@code X}:
 * the directory, the prefix and the extension stay, so the argument still says what it was.
 *
 * <ul>
 *   <li>gcc and its drivers: {@code ccXXXXXX} plus any extension ({@code .s}, {@code .o},
 *       {@code .res}, {@code .ltrans0.ltrans.o}, …)
 *   <li>Python's tempfile: {@code tmpXXXXXXXX} (8 characters of {@code [a-z0-9_]}), with any suffix
 *   <li>mktemp(1): {@code tmp.XXXXXXXXXX} (10 letters and digits)
 * </ul>
 */
public final class TempNames {
  private TempNames() {}

  private static final String DIR = "(?<=(?:^|[\\s=:,@'\"])(?:/tmp|/var/tmp|/dev/shm)/)";
  private static final Pattern GCC = Pattern.compile(DIR + "cc[A-Za-z0-9]{6}(?=[.\\s'\",:]|$)");
  private static final Pattern PYTHON = Pattern.compile(DIR + "tmp[a-z0-9_]{8}(?=[.\\s'\",:/]|$)");
  private static final Pattern MKTEMP = Pattern.compile(DIR + "tmp\\.[A-Za-z0-9]{10}(?=[.\\s'\",:/]|$)");

  /** {@code arg} with the random part of temporary names masked. */
  public static String mask(String arg) {
    if (arg.indexOf("/tmp/") < 0 && arg.indexOf("/dev/shm/") < 0) {
      return arg;
    }
    String s = GCC.matcher(arg).replaceAll("ccXXXXXX");
    s = PYTHON.matcher(s).replaceAll("tmpXXXXXXXX");
    return MKTEMP.matcher(s).replaceAll("tmp.XXXXXXXXXX");
  }

  /** Every argument masked. */
  public static List<String> mask(List<String> argv) {
    List<String> out = new ArrayList<>(argv.size());
    for (String a : argv) {
      out.add(mask(a));
    }
    return out;
  }

  /** Whether {@code arg} holds a name this class would mask (for tests and docs). */
  static boolean hasTempName(String arg) {
    Matcher m = GCC.matcher(arg);
    return m.find() || PYTHON.matcher(arg).find() || MKTEMP.matcher(arg).find();
  }
}
