package dev.plumbline.trace.ptrace;

import dev.plumbline.linux.Linux;
import dev.plumbline.linux.PathHandles;
import dev.plumbline.linux.TracerCalls;
import dev.plumbline.trace.EgressGate.SocketFile;
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

  Pin pin(Call call, String path) {
    TraceePaths.Pinned p = paths.pin(call.tid(), call.tgid(), path);
    if (p.fd() < 0) {
      return new Pin(-1, null, null, -p.fd());
    }
    return new Pin(p.fd(), new SocketFile(p.stat().dev(), p.stat().ino()),
        SocketAddress.unixAddress(proc + "/self/fd/" + p.fd()), 0);
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
   *   <li>the tracee holds other credentials than the agent (a root agent with {@code --user}):
   *       the socket's permission check and the peer's SO_PEERCRED would be the agent's, which
   *       would hand the build root's access;
   *   <li>a send with ancillary data (SCM_RIGHTS names the tracee's descriptors, SCM_CREDENTIALS
   *       its ids) or on a socket that is not a datagram socket.
   * </ul>
   */
  String whyKernel(Call call, List<Destination> destinations, int[] kind) {
    if (!call.direct() || !Linux.isX8664()) {
      return "an i386 socketcall";
    }
    if (!sameCredentials(call.tid())) {
      return "the build runs with other credentials than the agent";
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

  /** Whether task {@code tid} has the agent's user and group ids and supplementary groups. */
  private boolean sameCredentials(int tid) {
    if (ownCredentials == null) {
      ownCredentials = credentials(proc + "/self/status");
    }
    String theirs = credentials(proc + "/" + tid + "/status");
    return ownCredentials != null && ownCredentials.equals(theirs);
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
