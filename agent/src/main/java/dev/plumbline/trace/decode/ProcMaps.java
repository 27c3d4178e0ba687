package dev.plumbline.trace.decode;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code /proc/PID/maps}: one line per mapping, {@code start-end perms offset major:minor inode
 * path}. The kernel escapes a newline in the path as {@code \012}; a file removed since it was
 * mapped ends in {@code " (deleted)"}.
 */
public final class ProcMaps {
  private ProcMaps() {}

  /**
   * One mapping. {@code inode} 0 means no file (anonymous memory, {@code [stack]}, {@code [vdso]});
   * {@code path} is empty for anonymous memory.
   */
  public record Mapping(long start, long end, String perms, long offset, int major, int minor, long inode, String path) {
    public boolean executable() {
      return perms.length() > 2 && perms.charAt(2) == 'x';
    }

    /** Backed by a file (not anonymous memory, not a kernel area such as {@code [vdso]}). */
    public boolean fileBacked() {
      return inode != 0 && path.startsWith("/");
    }

    /** Whether it overlaps {@code [from, to)}. */
    public boolean overlaps(long from, long to) {
      return Long.compareUnsigned(start, to) < 0 && Long.compareUnsigned(from, end) < 0;
    }
  }

  /** Every well-formed line; malformed ones are skipped (the kernel writes none). */
  public static List<Mapping> parse(byte[] procPidMaps) {
    List<Mapping> out = new ArrayList<>();
    if (procPidMaps == null) {
      return out;
    }
    String text = new String(procPidMaps, StandardCharsets.UTF_8);
    for (String line : text.split("\n")) {
      Mapping m = line(line);
      if (m != null) {
        out.add(m);
      }
    }
    return out;
  }

  static Mapping line(String line) {
    String[] f = new String[5];
    int i = 0;
    for (int k = 0; k < 5; k++) {
      while (i < line.length() && line.charAt(i) == ' ') {
        i++;
      }
      int s = i;
      while (i < line.length() && line.charAt(i) != ' ') {
        i++;
      }
      if (s == i) {
        return null;
      }
      f[k] = line.substring(s, i);
    }
    while (i < line.length() && line.charAt(i) == ' ') {
      i++;
    }
    String path = line.substring(i).replace("\\012", "\n");
    int dash = f[0].indexOf('-');
    int colon = f[3].indexOf(':');
    if (dash < 0 || colon < 0) {
      return null;
    }
    try {
      return new Mapping(
          Long.parseUnsignedLong(f[0].substring(0, dash), 16),
          Long.parseUnsignedLong(f[0].substring(dash + 1), 16),
          f[1],
          Long.parseUnsignedLong(f[2], 16),
          Integer.parseInt(f[3].substring(0, colon), 16),
          Integer.parseInt(f[3].substring(colon + 1), 16),
          Long.parseLong(f[4]),
          path);
    } catch (NumberFormatException e) {
      return null;
    }
  }
}
