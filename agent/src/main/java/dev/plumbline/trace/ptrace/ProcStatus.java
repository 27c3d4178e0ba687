package dev.plumbline.trace.ptrace;

import dev.plumbline.linux.TracerCalls;
import java.nio.charset.StandardCharsets;

/** Reads Tgid and PPid of a task from /proc/TID/status (only for tasks reported out of order). */
final class ProcStatus {
  private ProcStatus() {}

  /** {tgid, ppid}; -1 where unknown. */
  static int[] tgidAndPpid(TracerCalls calls, String proc, int tid) {
    byte[] raw = calls.readSmallFile(proc + "/" + tid + "/status");
    return raw == null ? new int[] {-1, -1} : parse(new String(raw, StandardCharsets.UTF_8));
  }

  static int[] parse(String status) {
    int tgid = -1;
    int ppid = -1;
    for (String line : status.split("\n")) {
      if (line.startsWith("Tgid:")) {
        tgid = Integer.parseInt(line.substring(5).strip());
      } else if (line.startsWith("PPid:")) {
        ppid = Integer.parseInt(line.substring(5).strip());
      }
    }
    return new int[] {tgid, ppid};
  }
}
