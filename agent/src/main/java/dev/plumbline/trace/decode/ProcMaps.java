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

  /**
   * Every well-formed line; malformed ones are skipped (the kernel writes none). Parsed from the
   * bytes (a newline byte never occurs inside a UTF-8 sequence): the tracer reads a process's maps
   * at every exec, so no line is copied into a String first.
   */
  public static List<Mapping> parse(byte[] procPidMaps) {
    List<Mapping> out = new ArrayList<>();
    if (procPidMaps == null) {
      return out;
    }
    int start = 0;
    while (start < procPidMaps.length) {
      int end = start;
      while (end < procPidMaps.length && procPidMaps[end] != '\n') {
        end++;
      }
      Mapping m = line(procPidMaps, start, end);
      if (m != null) {
        out.add(m);
      }
      start = end + 1;
    }
    return out;
  }

  /** The line in {@code b[from, to)}: five fields separated by spaces, then the path (may be empty). */
  static Mapping line(byte[] b, int from, int to) {
    int[] bounds = new int[10];
    int i = from;
    for (int k = 0; k < 5; k++) {
      while (i < to && b[i] == ' ') {
        i++;
      }
      int s = i;
      while (i < to && b[i] != ' ') {
        i++;
      }
      if (s == i) {
        return null;
      }
      bounds[2 * k] = s;
      bounds[2 * k + 1] = i;
    }
    while (i < to && b[i] == ' ') {
      i++;
    }
    String path = new String(b, i, to - i, StandardCharsets.UTF_8);
    if (path.indexOf('\\') >= 0) {
      path = path.replace("\\012", "\n");
    }
    int dash = indexOf(b, bounds[0], bounds[1], '-');
    int colon = indexOf(b, bounds[6], bounds[7], ':');
    if (dash < 0 || colon < 0) {
      return null;
    }
    try {
      return new Mapping(
          number(b, bounds[0], dash, 16, 16),
          number(b, dash + 1, bounds[1], 16, 16),
          new String(b, bounds[2], bounds[3] - bounds[2], StandardCharsets.UTF_8),
          number(b, bounds[4], bounds[5], 16, 16),
          (int) number(b, bounds[6], colon, 16, 7),
          (int) number(b, colon + 1, bounds[7], 16, 7),
          inode(b, bounds[8], bounds[9]),
          path);
    } catch (NumberFormatException e) {
      return null;
    }
  }

  /** A decimal inode number: what Long.parseLong accepts without a sign. */
  private static long inode(byte[] b, int from, int to) {
    long v = number(b, from, to, 10, 19);
    if (v < 0) {
      throw new NumberFormatException("inode out of range"); // 19 digits wrap at most once
    }
    return v;
  }

  private static int indexOf(byte[] b, int from, int to, char c) {
    for (int i = from; i < to; i++) {
      if (b[i] == c) {
        return i;
      }
    }
    return -1;
  }

  /**
   * Digits of {@code radix} in {@code b[from, to)}, at most {@code maxDigits} of them (16 hex
   * digits: any unsigned 64-bit value); anything else is malformed.
   */
  private static long number(byte[] b, int from, int to, int radix, int maxDigits) {
    if (from >= to || to - from > maxDigits) {
      throw new NumberFormatException("malformed number");
    }
    long v = 0;
    for (int i = from; i < to; i++) {
      int d = Character.digit(b[i], radix);
      if (d < 0) {
        throw new NumberFormatException("malformed number");
      }
      v = v * radix + d;
    }
    return v;
  }
}
