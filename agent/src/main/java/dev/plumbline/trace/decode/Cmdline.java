package dev.plumbline.trace.decode;

import java.util.ArrayList;
import java.util.List;

/** {@code /proc/PID/cmdline}: the argv strings, each ending in NUL. */
public final class Cmdline {
  private Cmdline() {}

  /**
   * Splits on NUL. Empty arguments in the middle are kept; the final NUL ends the last argument
   * rather than starting an empty one. A process that rewrote its argv area without NULs gives one
   * string. Bytes that are not valid UTF-8 are kept as {@code \xNN}.
   */
  public static List<String> parse(byte[] procPidCmdline) {
    List<String> argv = new ArrayList<>();
    if (procPidCmdline == null || procPidCmdline.length == 0) {
      return argv;
    }
    int start = 0;
    for (int i = 0; i < procPidCmdline.length; i++) {
      if (procPidCmdline[i] == 0) {
        argv.add(Bytes.text(procPidCmdline, start, i, false));
        start = i + 1;
      }
    }
    if (start < procPidCmdline.length) {
      argv.add(Bytes.text(procPidCmdline, start, procPidCmdline.length, false));
    }
    return argv;
  }
}
