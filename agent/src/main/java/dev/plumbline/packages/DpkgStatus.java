package dev.plumbline.packages;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * dpkg's status file ({@code /var/lib/dpkg/status}, deb822 paragraphs, deb-status(5)), reduced to
 * what ownership needs. Pure: tested on literal text.
 */
final class DpkgStatus {
  /** States in which a package's files are on disk (deb-status(5)); not-installed and config-files leave none but conffiles. */
  private static final Set<String> FILES_ON_DISK =
      Set.of("installed", "unpacked", "half-configured", "half-installed", "triggers-awaited", "triggers-pending");

  private DpkgStatus() {}

  /**
   * One paragraph: {@code state} is the third word of Status; {@code multiArch} the Multi-Arch
   * field (same, foreign, allowed) or null.
   */
  record Entry(String name, String version, String arch, String multiArch, String state) {
    boolean filesOnDisk() {
      return FILES_ON_DISK.contains(state);
    }

    /** The name of its files under info/: {@code name:arch} for Multi-Arch: same, {@code name} otherwise. */
    String infoKey() {
      return "same".equals(multiArch) ? name + ":" + arch : name;
    }
  }

  static List<Entry> parse(String text) {
    List<Entry> out = new ArrayList<>();
    String name = null;
    String version = null;
    String arch = null;
    String multiArch = null;
    String state = null;
    int i = 0;
    int n = text.length();
    while (i <= n) {
      int end = text.indexOf('\n', i);
      if (end < 0) {
        end = n;
      }
      int stop = end > i && text.charAt(end - 1) == '\r' ? end - 1 : end;
      char first = i < stop ? text.charAt(i) : ' ';
      if (blank(text, i, stop)) {
        if (name != null) {
          out.add(new Entry(name, version, arch, multiArch, state == null ? "unknown" : state));
        }
        name = version = arch = multiArch = state = null;
      } else if (first != ' ' && first != '\t') {
        // only the five fields ownership needs become Strings: the status file is mostly descriptions
        if (field(text, i, "Package:")) {
          name = value(text, i + 8, stop);
        } else if (field(text, i, "Version:")) {
          version = value(text, i + 8, stop);
        } else if (field(text, i, "Architecture:")) {
          arch = value(text, i + 13, stop);
        } else if (field(text, i, "Multi-Arch:")) {
          multiArch = value(text, i + 11, stop);
        } else if (field(text, i, "Status:")) {
          String[] words = value(text, i + 7, stop).split("\\s+");
          state = words.length == 3 ? words[2] : "unknown";
        }
      }
      i = end + 1;
    }
    return out;
  }

  private static boolean blank(String text, int from, int to) {
    for (int k = from; k < to; k++) {
      if (!Character.isWhitespace(text.charAt(k))) {
        return false;
      }
    }
    return true;
  }

  private static boolean field(String text, int at, String name) {
    return text.regionMatches(true, at, name, 0, name.length());
  }

  private static String value(String text, int from, int to) {
    return from >= to ? "" : text.substring(from, to).strip();
  }

  /** /var/lib/dpkg/diversions: three lines per diversion (from, to, diverting package, ":" for a local one). */
  record Diversion(String from, String to, String by) {}

  static List<Diversion> parseDiversions(String text) {
    List<String> lines = text.lines().toList();
    List<Diversion> out = new ArrayList<>();
    for (int k = 0; k + 2 < lines.size(); k += 3) {
      out.add(new Diversion(lines.get(k), lines.get(k + 1), lines.get(k + 2)));
    }
    return out;
  }
}
