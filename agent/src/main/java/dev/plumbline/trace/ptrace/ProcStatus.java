package dev.plumbline.trace.ptrace;

import dev.plumbline.linux.TracerCalls;
import java.nio.charset.StandardCharsets;

/**
 * Reads /proc/TID/status: Tgid and PPid of a task (only for tasks reported out of order), and
 * credentials (separate-user mode checks each exec for gained privileges), and the agent's own peak
 * resident set (scripts/bench reports it).
 */
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

  /** Real, effective and saved ids and the effective and permitted capability sets. */
  record Credentials(int ruid, int euid, int suid, int rgid, int egid, int sgid, long capEff, long capPrm) {
    /**
     * How this process holds more than {@code uid}/{@code gid} (one phrase for the record), or
     * null when it holds nothing more.
     */
    String gainedOver(int uid, int gid) {
      if (ruid == 0 || euid == 0 || suid == 0) {
        return "runs as root (uid " + ruid + ", euid " + euid + ")";
      }
      if (ruid != uid || euid != uid || suid != uid) {
        return "runs with another user's ids (uid " + ruid + ", euid " + euid + ")";
      }
      if (rgid != gid || egid != gid || sgid != gid) {
        return "runs with another group (gid " + rgid + ", egid " + egid + ")";
      }
      if (capEff != 0 || capPrm != 0) {
        return "holds capabilities (CapEff " + Long.toHexString(capEff) + ")";
      }
      return null;
    }
  }

  /** The credentials in a status file's text; null when a line is missing or malformed. */
  static Credentials credentials(String status) {
    int[] uid = null;
    int[] gid = null;
    Long capEff = null;
    Long capPrm = null;
    try {
      for (String line : status.split("\n")) {
        if (line.startsWith("Uid:")) {
          uid = ids(line.substring(4));
        } else if (line.startsWith("Gid:")) {
          gid = ids(line.substring(4));
        } else if (line.startsWith("CapEff:")) {
          capEff = Long.parseUnsignedLong(line.substring(7).strip(), 16);
        } else if (line.startsWith("CapPrm:")) {
          capPrm = Long.parseUnsignedLong(line.substring(7).strip(), 16);
        }
      }
    } catch (NumberFormatException e) {
      return null;
    }
    if (uid == null || gid == null || capEff == null || capPrm == null) {
      return null;
    }
    return new Credentials(uid[0], uid[1], uid[2], gid[0], gid[1], gid[2], capEff, capPrm);
  }

  /** "real effective saved fs" → the first three; null when fewer. */
  private static int[] ids(String fields) {
    String[] f = fields.strip().split("\\s+");
    if (f.length < 3) {
      return null;
    }
    return new int[] {Integer.parseInt(f[0]), Integer.parseInt(f[1]), Integer.parseInt(f[2])};
  }

  /** The peak resident set ("VmHWM:  1234 kB") in KiB; -1 when the line is missing or malformed. */
  static long peakRssKib(String status) {
    for (String line : status.split("\n")) {
      if (line.startsWith("VmHWM:")) {
        String[] f = line.substring(6).strip().split("\\s+");
        try {
          return f.length == 2 && f[1].equals("kB") ? Long.parseLong(f[0]) : -1;
        } catch (NumberFormatException e) {
          return -1;
        }
      }
    }
    return -1;
  }
}
