package dev.plumbline.trace.ptrace;

import dev.plumbline.linux.Errno;
import dev.plumbline.linux.Linux;
import dev.plumbline.linux.PathHandles;
import dev.plumbline.linux.ThreadCredentials;
import dev.plumbline.linux.TracerCalls;
import dev.plumbline.trace.EgressGate.SocketFile;
import dev.plumbline.trace.decode.DecodeException;
import dev.plumbline.trace.decode.MessageHeaders.Message;
import dev.plumbline.trace.decode.SocketAddress;
import dev.plumbline.trace.ptrace.NetworkStops.Destination;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Unix socket destinations under {@code --deny-unix}: each path is resolved in the tracee's view
 * and pinned ({@link TraceePaths}), the gate judges the file (device and inode), and the tracer
 * makes the allowed call itself on the tracee's socket with {@code /proc/self/fd/N} of the pinned
 * file as the address: the kernel then reaches the file that was checked, whatever another thread
 * wrote into the sockaddr or another process renamed meanwhile (docs/tracer.md).
 */
final class UnixDestinations {
  private static final int SOCK_DGRAM = 2;

  private final TracerCalls calls;
  private final String proc;
  private final TraceePaths paths;
  private String ownCredentials;
  private ThreadCredentials switcher;
  /** For the call at hand ({@link #begin}): the ids to act with, null for the agent's own. */
  private Ids acting;
  /** For the call at hand: why the kernel must make it, or null. */
  private String cannot;

  /** Effective user and group ids and supplementary groups of a task. */
  record Ids(int uid, int gid, int[] groups) {}

  /** What a call made for the tracee may do: runs with the tracee's ids when they are not the agent's. */
  interface Action<T> {
    T run() throws DecodeException;
  }

  UnixDestinations(TracerCalls calls, String proc) {
    this.calls = calls;
    this.proc = proc;
    this.paths = new TraceePaths(calls, proc);
  }

  /**
   * A destination pinned: the O_PATH descriptor (close it), its file, and the address the tracer
   * connects or sends to (null when {@code /proc/self/fd/N} does not fit in sun_path); or the
   * errno the walk met ({@code fd} negative).
   */
  record Pin(int fd, SocketFile file, byte[] via, int errno) {}

  /** For the call at hand: a path could not be resolved in the task's view at all (see {@link #unresolved}). */
  private boolean noView;

  /**
   * Starts a call: whose ids the walk and the connect use. The agent's own when the tracee has
   * them; else, when the agent is root (separate-user mode), the tracee's effective ids taken by
   * the tracer thread for the walk and the call (so the permission checks and the peer's
   * SO_PEERCRED are the build's, never root's); else the kernel must make the call.
   */
  void begin(Call call) {
    acting = null;
    cannot = null;
    noView = false;
    if (!call.direct() || !Linux.isX8664()) {
      cannot = "an i386 socketcall";
      return;
    }
    if (ownCredentials == null) {
      ownCredentials = credentials(proc + "/self/status");
    }
    String theirs = credentials(proc + "/" + call.tid() + "/status");
    if (ownCredentials != null && ownCredentials.equals(theirs)) {
      return;
    }
    if (switcher == null) {
      switcher = new ThreadCredentials();
    }
    acting = theirs == null ? null : ids(theirs);
    if (acting == null || !switcher.canSwitch()) {
      acting = null;
      cannot = "the build runs with other credentials than the agent";
    }
  }

  /** Runs {@code action} with the tracee's ids when {@link #begin} chose them; {@code refused} when they cannot be taken. */
  <T> T asTracee(Action<T> action, T refused) throws DecodeException {
    if (acting == null) {
      return action.run();
    }
    if (!switcher.become(acting.uid(), acting.gid(), acting.groups())) {
      cannot = "the tracer could not take the build's credentials";
      return refused;
    }
    try {
      return action.run();
    } finally {
      switcher.restore();
    }
  }

  Pin pin(Call call, String path) throws DecodeException {
    TraceePaths.Pinned p = asTracee(() -> paths.pin(call.tid(), call.tgid(), path), null);
    if (p == null) {
      return new Pin(-1, null, null, Errno.EPERM);
    }
    if (p.noView()) {
      noView = true;
      cannot = "its root or working directory cannot be opened";
      return new Pin(-1, null, null, -p.fd());
    }
    if (p.fd() < 0) {
      return new Pin(-1, null, null, -p.fd());
    }
    return new Pin(p.fd(), new SocketFile(p.stat().dev(), p.stat().ino()),
        SocketAddress.unixAddress(proc + "/self/fd/" + p.fd()), 0);
  }

  /**
   * Whether a path of this call could not be resolved in the task's view: the gate then judged its
   * name only, and the kernel makes the call, so the record must say the deny list was not enforced
   * by identity for it.
   */
  boolean unresolved() {
    return noView;
  }

  void close(Pin pin) {
    PathHandles.close(pin.fd());
  }

  /**
   * Why the tracer cannot make this call itself, or null when it can: the kernel must then read
   * the tracee's address again after the check.
   *
   * <ul>
   *   <li>an i386 socketcall (its arguments are in memory) or a non-x86_64 tracer (cannot skip the call);
   *   <li>the tracee holds other credentials than the agent and the agent is not root (it cannot
   *       act with the tracee's ids, and its own would change the socket's permission check and
   *       the peer's SO_PEERCRED); or taking the tracee's ids failed;
   *   <li>a send with ancillary data (SCM_RIGHTS names the tracee's descriptors, SCM_CREDENTIALS
   *       its ids) or on a socket that is not a datagram socket.
   * </ul>
   */
  String whyKernel(Call call, List<Destination> destinations, int[] kind) {
    if (cannot != null) {
      return cannot;
    }
    if (call.syscall() != SyscallTable.CONNECT) {
      if (kind[1] != SOCK_DGRAM) {
        return "a send on a socket that is not a datagram socket";
      }
      for (Destination d : destinations) {
        Message m = d.message();
        if (m != null && m.controllen() > 0) {
          return "a send with ancillary data";
        }
      }
    }
    return null;
  }

  /** The effective ids in the Uid/Gid/Groups lines {@link #credentials} keeps; null when malformed. */
  static Ids ids(String lines) {
    try {
      int uid = -1;
      int gid = -1;
      int[] groups = new int[0];
      for (String line : lines.split("\n")) {
        String[] f = line.strip().split("\\s+");
        if (f[0].equals("Uid:")) {
          uid = Integer.parseInt(f[2]);
        } else if (f[0].equals("Gid:")) {
          gid = Integer.parseInt(f[2]);
        } else if (f[0].equals("Groups:")) {
          groups = new int[f.length - 1];
          for (int i = 1; i < f.length; i++) {
            groups[i - 1] = Integer.parseInt(f[i]);
          }
        }
      }
      return uid < 0 || gid < 0 ? null : new Ids(uid, gid, groups);
    } catch (RuntimeException e) {
      return null;
    }
  }

  private String credentials(String status) {
    byte[] raw = calls.readSmallFile(status);
    if (raw == null) {
      return null;
    }
    StringBuilder ids = new StringBuilder();
    for (String line : new String(raw, StandardCharsets.UTF_8).split("\n")) {
      if (line.startsWith("Uid:") || line.startsWith("Gid:") || line.startsWith("Groups:")) {
        ids.append(line.strip()).append('\n');
      }
    }
    return ids.toString();
  }
}
