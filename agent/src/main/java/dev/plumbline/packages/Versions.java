package dev.plumbline.packages;

import java.util.ArrayList;
import java.util.List;

/**
 * Version order as each package manager defines it: dpkg's (deb-version(7): epoch, then upstream
 * and revision by {@code verrevcmp}, where ~ sorts before everything) and rpm's ({@code rpmvercmp}
 * on epoch, version and release). apk's order is not implemented: apk versions only compare equal
 * or not (see {@link #comparable}).
 */
public final class Versions {
  private Versions() {}

  /** Whether {@link #compare} orders versions of this manager (dpkg, rpm). */
  public static boolean comparable(String manager) {
    return manager.equals("dpkg") || manager.equals("rpm");
  }

  /** Negative, zero or positive as {@code a} sorts before, with or after {@code b}. */
  public static int compare(String manager, String a, String b) {
    return switch (manager) {
      case "dpkg" -> compareDeb(a, b);
      case "rpm" -> compareRpm(a, b);
      default -> throw new IllegalArgumentException("no version order for " + manager + " packages");
    };
  }

  static int compareDeb(String a, String b) {
    String[] x = splitEvr(a, true);
    String[] y = splitEvr(b, true);
    int c = Long.compare(epoch(x[0]), epoch(y[0]));
    if (c != 0) {
      return c;
    }
    c = verrevcmp(x[1], y[1]);
    return c != 0 ? c : verrevcmp(x[2], y[2]);
  }

  static int compareRpm(String a, String b) {
    String[] x = splitEvr(a, false);
    String[] y = splitEvr(b, false);
    int c = Long.compare(epoch(x[0]), epoch(y[0]));
    if (c != 0) {
      return c;
    }
    c = rpmvercmp(x[1], y[1]);
    if (c != 0 || x[2].isEmpty() || y[2].isEmpty()) {
      return c; // a missing release matches any release, as rpm's own comparison of a bare version does
    }
    return rpmvercmp(x[2], y[2]);
  }

  /** epoch, version, release; dpkg's revision is after the last '-', rpm's release likewise. */
  private static String[] splitEvr(String v, boolean deb) {
    String epoch = "0";
    int colon = v.indexOf(':');
    if (colon >= 0) {
      epoch = v.substring(0, colon);
      v = v.substring(colon + 1);
    }
    int dash = v.lastIndexOf('-');
    if (dash < 0) {
      return new String[] {epoch, v, ""};
    }
    return new String[] {epoch, v.substring(0, dash), v.substring(dash + 1)};
  }

  private static long epoch(String e) {
    try {
      return e.isEmpty() ? 0 : Long.parseLong(e);
    } catch (NumberFormatException ex) {
      throw new IllegalArgumentException("not a version epoch: '" + e + "'");
    }
  }

  private static int order(String s, int i) {
    if (i >= s.length()) {
      return 0;
    }
    char c = s.charAt(i);
    if (Character.isDigit(c)) {
      return 0;
    }
    if (Character.isLetter(c)) {
      return c;
    }
    if (c == '~') {
      return -1;
    }
    return c + 256;
  }

  /** dpkg's lib/dpkg/version.c verrevcmp. */
  private static int verrevcmp(String a, String b) {
    int i = 0;
    int j = 0;
    while (i < a.length() || j < b.length()) {
      int firstDiff = 0;
      while ((i < a.length() && !Character.isDigit(a.charAt(i))) || (j < b.length() && !Character.isDigit(b.charAt(j)))) {
        int ac = order(a, i);
        int bc = order(b, j);
        if (ac != bc) {
          return ac - bc;
        }
        i++;
        j++;
      }
      while (i < a.length() && a.charAt(i) == '0') {
        i++;
      }
      while (j < b.length() && b.charAt(j) == '0') {
        j++;
      }
      while (i < a.length() && Character.isDigit(a.charAt(i)) && j < b.length() && Character.isDigit(b.charAt(j))) {
        if (firstDiff == 0) {
          firstDiff = a.charAt(i) - b.charAt(j);
        }
        i++;
        j++;
      }
      if (i < a.length() && Character.isDigit(a.charAt(i))) {
        return 1;
      }
      if (j < b.length() && Character.isDigit(b.charAt(j))) {
        return -1;
      }
      if (firstDiff != 0) {
        return firstDiff;
      }
    }
    return 0;
  }

  /** rpm's rpmio/rpmvercmp.c: alternating digit and letter segments, ~ before all, ^ after the end. */
  private static int rpmvercmp(String a, String b) {
    if (a.equals(b)) {
      return 0;
    }
    int i = 0;
    int j = 0;
    while (i < a.length() || j < b.length()) {
      while (i < a.length() && !alnum(a.charAt(i)) && a.charAt(i) != '~' && a.charAt(i) != '^') {
        i++;
      }
      while (j < b.length() && !alnum(b.charAt(j)) && b.charAt(j) != '~' && b.charAt(j) != '^') {
        j++;
      }
      char ca = i < a.length() ? a.charAt(i) : 0;
      char cb = j < b.length() ? b.charAt(j) : 0;
      if (ca == '~' || cb == '~') {
        if (ca != '~') {
          return 1;
        }
        if (cb != '~') {
          return -1;
        }
        i++;
        j++;
        continue;
      }
      if (ca == '^' || cb == '^') {
        if (ca == 0) {
          return -1;
        }
        if (cb == 0) {
          return 1;
        }
        if (ca != '^') {
          return 1;
        }
        if (cb != '^') {
          return -1;
        }
        i++;
        j++;
        continue;
      }
      if (ca == 0 || cb == 0) {
        break;
      }
      boolean numeric = Character.isDigit(ca);
      int si = i;
      int sj = j;
      while (i < a.length() && (numeric ? Character.isDigit(a.charAt(i)) : Character.isLetter(a.charAt(i)))) {
        i++;
      }
      while (j < b.length() && (numeric ? Character.isDigit(b.charAt(j)) : Character.isLetter(b.charAt(j)))) {
        j++;
      }
      if (sj == j) {
        return numeric ? 1 : -1; // a number segment is newer than a letter segment
      }
      String x = a.substring(si, i);
      String y = b.substring(sj, j);
      if (numeric) {
        x = x.replaceFirst("^0+(?=.)", "");
        y = y.replaceFirst("^0+(?=.)", "");
        if (x.length() != y.length()) {
          return x.length() > y.length() ? 1 : -1;
        }
      }
      int c = x.compareTo(y);
      if (c != 0) {
        return c < 0 ? -1 : 1;
      }
    }
    boolean moreA = i < a.length();
    boolean moreB = j < b.length();
    if (!moreA && !moreB) {
      return 0;
    }
    return moreA ? 1 : -1;
  }

  private static boolean alnum(char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
  }

  /**
   * A version constraint list as {@code --package NAME@RANGE} takes it: comma-separated
   * {@code OP VERSION} with OP one of = != < <= > >= (none means =); all must hold.
   */
  public record Range(List<Constraint> constraints) {
    public record Constraint(String op, String version) {}

    public static Range parse(String text) {
      List<Constraint> out = new ArrayList<>();
      for (String part : text.split(",")) {
        String p = part.strip();
        String op = "=";
        for (String candidate : new String[] {">=", "<=", "!=", "=", "<", ">"}) {
          if (p.startsWith(candidate)) {
            op = candidate;
            p = p.substring(candidate.length()).strip();
            break;
          }
        }
        if (p.isEmpty()) {
          throw new IllegalArgumentException("a version constraint needs a version: '" + part.strip() + "'");
        }
        out.add(new Constraint(op, p));
      }
      return new Range(List.copyOf(out));
    }

    /** Whether only exact versions are asked (then no version order is needed). */
    public boolean exact() {
      return constraints.stream().allMatch(c -> c.op.equals("=") || c.op.equals("!="));
    }

    /** Whether {@code version} of a {@code manager} package is in the range. */
    public boolean contains(String manager, String version) {
      for (Constraint c : constraints) {
        boolean ok;
        if ((c.op.equals("=") || c.op.equals("!=")) && !comparable(manager)) {
          ok = version.equals(c.version) == c.op.equals("=");
        } else if (!comparable(manager)) {
          return false; // no order for this manager: an ordered constraint matches nothing rather than guess
        } else {
          int cmp = compare(manager, version, c.version);
          ok = switch (c.op) {
            case "=" -> cmp == 0;
            case "!=" -> cmp != 0;
            case "<" -> cmp < 0;
            case "<=" -> cmp <= 0;
            case ">" -> cmp > 0;
            default -> cmp >= 0;
          };
        }
        if (!ok) {
          return false;
        }
      }
      return true;
    }
  }
}
