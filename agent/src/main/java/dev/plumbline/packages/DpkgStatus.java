package dev.plumbline.packages;

import java.nio.charset.StandardCharsets;
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

  /**
   * The paragraphs of the status file's bytes (UTF-8). Each line is decoded on its own, and a
   * continuation line (one that starts with a space or tab: descriptions, conffiles, most of the
   * file) only to see whether it is blank, and only when it is not plain ASCII: decoding the whole
   * file (670 KB here, a few lines not ASCII, so a UTF-16 String of twice that) and scanning it was
   * ~50 ms of CPU in a fresh JVM, on the thread a short build's record waits for
   * (docs/benchmarks.md). For well-formed UTF-8 the same entries as decoding it whole: a '\n'
   * byte is only ever a newline there.
   */
  static List<Entry> parse(byte[] text) {
    Paragraphs p = new Paragraphs();
    int i = 0;
    int n = text.length;
    while (i <= n) {
      int end = i;
      boolean ascii = true;
      while (end < n && text[end] != '\n') {
        ascii &= text[end] >= 0;
        end++;
      }
      int stop = end > i && text[end - 1] == '\r' ? end - 1 : end;
      byte first = i < stop ? text[i] : (byte) ' ';
      if ((first == ' ' || first == '\t') && ascii) {
        if (blankAscii(text, i, stop)) {
          p.end();
        }
      } else {
        p.line(new String(text, i, stop - i, StandardCharsets.UTF_8));
      }
      i = end + 1;
    }
    p.end(); // a last paragraph without a line end after it (dropped before: only a blank line ended one)
    return p.out;
  }

  /** Entries as their lines come (a line without its line end). */
  private static final class Paragraphs {
    final List<Entry> out = new ArrayList<>();
    String name;
    String version;
    String arch;
    String multiArch;
    String state;

    void line(String line) {
      int stop = line.length();
      char first = stop > 0 ? line.charAt(0) : ' ';
      if (blank(line, 0, stop)) {
        end();
      } else if (first != ' ' && first != '\t') {
        // only the five fields ownership needs become Strings: the status file is mostly descriptions
        if (field(line, "Package:")) {
          name = value(line, 8, stop);
        } else if (field(line, "Version:")) {
          version = value(line, 8, stop);
        } else if (field(line, "Architecture:")) {
          arch = value(line, 13, stop);
        } else if (field(line, "Multi-Arch:")) {
          multiArch = value(line, 11, stop);
        } else if (field(line, "Status:")) {
          String[] words = value(line, 7, stop).split("\\s+");
          state = words.length == 3 ? words[2] : "unknown";
        }
      }
    }

    void end() {
      if (name != null) {
        out.add(new Entry(name, version, arch, multiArch, state == null ? "unknown" : state));
      }
      name = version = arch = multiArch = state = null;
    }
  }

  private static boolean blankAscii(byte[] text, int from, int to) {
    for (int k = from; k < to; k++) {
      if (!Character.isWhitespace((char) text[k])) {
        return false;
      }
    }
    return true;
  }

  private static boolean blank(String text, int from, int to) {
    for (int k = from; k < to; k++) {
      if (!Character.isWhitespace(text.charAt(k))) {
        return false;
      }
    }
    return true;
  }

  private static boolean field(String line, String name) {
    return line.regionMatches(true, 0, name, 0, name.length());
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
