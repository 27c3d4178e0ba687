package dev.plumbline.trace.ptrace;

import static dev.plumbline.linux.Errno.EAGAIN;
import static dev.plumbline.linux.Errno.EFAULT;
import static dev.plumbline.linux.Errno.ENOBUFS;
import static dev.plumbline.linux.Ptrace.MSG_DONTWAIT;
import static dev.plumbline.linux.Ptrace.MSG_FASTOPEN;

import dev.plumbline.linux.TraceeSockets;
import dev.plumbline.linux.TracerCalls;
import dev.plumbline.trace.TraceEvent;
import dev.plumbline.trace.decode.Abi;
import dev.plumbline.trace.decode.DecodeException;
import dev.plumbline.trace.decode.MessageHeaders;
import dev.plumbline.trace.decode.MessageHeaders.Iovec;
import dev.plumbline.trace.decode.MessageHeaders.Message;
import dev.plumbline.trace.decode.SocketAddress;
import dev.plumbline.trace.ptrace.NetworkStops.Destination;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;

/**
 * Makes an allowed network call for the tracee, with the destination bytes the gate checked, on a
 * duplicate of its socket (pidfd_getfd: the same socket): the kernel then copies the address from
 * the tracer's memory, which no thread of the build can rewrite, so the time-of-check race of a
 * pointer argument is gone. The tracee's own call is skipped and given the result.
 *
 * <ul>
 *   <li>connect to an IP address, any socket type: the tracer connects without blocking; a blocking
 *       TCP connect then lets the tracee's own call wait for the connection the kernel is already
 *       making (in that state the kernel ignores the address the tracee passes);
 *   <li>TCP Fast Open (sendto/sendmsg with MSG_FASTOPEN): the tracer starts the connection; a
 *       blocking call then runs without MSG_FASTOPEN and without destination (registers), a
 *       non-blocking one answers EINPROGRESS (as Fast Open does without a cookie);
 *   <li>datagrams (UDP, raw, ping) to IP addresses: the tracer sends each message (payload and
 *       ancillary data copied from the tracee) with MSG_DONTWAIT; for sendmmsg each msg_len is
 *       written back.
 * </ul>
 * Unix destinations are made here only under {@code --deny-unix} (see {@link UnixDestinations}:
 * the address is then {@code /proc/self/fd/N} of the file checked); other families, and stream
 * sends without Fast Open (the kernel ignores their address), are left to the kernel.
 */
final class Delivery {
  static final int SOCK_DGRAM = 2;
  static final int SOCK_RAW = 3;
  static final int MAX_CONTROL = 4096;
  private static final int UNIX_BACKLOG_RETRIES = 20; // of 5 ms each

  private static void sleep() {
    try {
      Thread.sleep(5);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private final TracerCalls calls;
  private final TraceeSockets sockets;
  private final Reporter out;

  Delivery(TracerCalls calls, TraceeSockets sockets, Reporter out) {
    this.calls = calls;
    this.sockets = sockets;
    this.out = out;
  }

  /** Whether the tracer makes this call itself: IP destinations only, see the class comment. */
  static boolean byTracer(Call call, List<byte[]> checked, int[] kind, int flags) {
    boolean any = false;
    for (byte[] raw : checked) {
      if (raw != null) {
        int family = (raw[0] & 0xff) | (raw[1] & 0xff) << 8;
        if (family != SocketAddress.AF_INET && family != SocketAddress.AF_INET6) {
          return false;
        }
        any = true;
      }
    }
    if (!any) {
      return false;
    }
    if (call.syscall() == SyscallTable.CONNECT || NetworkStops.fastOpen(call, flags)) {
      return checked.size() == 1;
    }
    return kind[1] == SOCK_DGRAM || kind[1] == SOCK_RAW;
  }

  /** Makes the call; true when the tracee's own call must still run to its exit stop. */
  boolean deliver(Call call, int dup, List<Destination> destinations, List<byte[]> checked, int flags,
      PendingExit pending) throws DecodeException {
    if (call.syscall() == SyscallTable.CONNECT) {
      return connect(call, dup, checked.get(0), pending);
    }
    if (NetworkStops.fastOpen(call, flags)) {
      return fastOpen(call, dup, checked.get(0), flags, pending);
    }
    datagrams(call, dup, destinations, checked, flags, pending);
    return false;
  }

  private boolean connect(Call call, int dup, byte[] to, PendingExit pending) {
    boolean nonBlocking = sockets.nonBlocking(dup);
    int rc = sockets.connect(dup, to);
    boolean unix = (to[0] & 0xff) == SocketAddress.AF_UNIX && to[1] == 0;
    for (int i = 0; unix && rc == -EAGAIN && !nonBlocking && i < UNIX_BACKLOG_RETRIES; i++) {
      // a unix listener's backlog is full: a blocking connect would wait for room; the tracer
      // thread retries for a short while, then answers EAGAIN (docs/tracer.md, limits)
      sleep();
      rc = sockets.connect(dup, to);
    }
    if (rc == NetworkStops.IN_PROGRESS && !nonBlocking && call.direct()) {
      call.task().pendingExit = pending; // the tracee's connect waits for this connection
      return true;
    }
    return finish(call, rc, pending);
  }

  private boolean fastOpen(Call call, int dup, byte[] to, int flags, PendingExit pending) {
    int rc = sockets.connect(dup, to);
    if (rc != 0 && rc != NetworkStops.IN_PROGRESS) {
      return finish(call, rc, pending);
    }
    if (!sockets.nonBlocking(dup) && call.direct() && call.abi() == Abi.X86_64) {
      // the data goes out once connected: the same call without Fast Open and destination
      boolean set = call.syscall() == SyscallTable.SENDTO
          ? out.setArgs(call.tid(), null, null, null, (long) (flags & ~MSG_FASTOPEN), 0L, 0L)
          : call.syscall() == SyscallTable.SENDMSG
              ? out.setArgs(call.tid(), null, null, (long) (flags & ~MSG_FASTOPEN))
              : out.setArgs(call.tid(), null, null, null, (long) (flags & ~MSG_FASTOPEN));
      if (set) {
        call.task().pendingExit = pending;
        return true;
      }
    }
    return finish(call, NetworkStops.IN_PROGRESS, pending);
  }

  private boolean finish(Call call, long rc, PendingExit pending) {
    out.skip(call.tid(), rc, "a network call");
    pending.isError = rc < 0;
    pending.finish(out, NetworkStops.result(rc));
    return false;
  }

  private void datagrams(Call call, int dup, List<Destination> destinations, List<byte[]> checked, int flags,
      PendingExit pending) throws DecodeException {
    boolean blocking = !sockets.nonBlocking(dup) && (flags & MSG_DONTWAIT) == 0;
    long result = 0;
    int sent = 0;
    int event = 0;
    for (int i = 0; i < destinations.size(); i++) {
      long rc = sendOne(call, dup, destinations.get(i), checked.get(i), flags, blocking);
      if (call.syscall() == SyscallTable.SENDMMSG && rc >= 0) {
        writeLength(call, i, rc);
        sent++;
        result = sent;
      } else if (call.syscall() != SyscallTable.SENDMMSG || sent == 0) {
        result = rc;
      }
      if (checked.get(i) != null) {
        setResult(pending, event++, NetworkStops.result(rc));
      }
      if (rc < 0) {
        for (int rest = i + 1; rest < destinations.size(); rest++) {
          if (checked.get(rest) != null) {
            setResult(pending, event++, "not sent");
          }
        }
        break;
      }
    }
    finish(call, result, pending);
  }

  private static void setResult(PendingExit pending, int i, String result) {
    TraceEvent.Network n = pending.events.get(i);
    pending.events.set(i, new TraceEvent.Network(n.at(), n.pid(), n.syscall(), n.family(), n.protocol(),
        n.address(), n.port(), n.decision(), result));
  }

  /** One message: its payload and ancillary data copied from the tracee, sent to {@code to}. */
  private long sendOne(Call call, int dup, Destination d, byte[] to, int flags, boolean blocking)
      throws DecodeException {
    long length;
    byte[] control = null;
    if (call.syscall() == SyscallTable.SENDTO) {
      length = sockets.gather(call.tid(), new long[] {call.arg(1)}, new long[] {call.arg(2)});
    } else {
      Message m = d.message();
      length = gatherIovecs(call, m);
      if (length >= 0 && m.controllen() > 0) {
        if (m.controllen() > MAX_CONTROL) {
          return -ENOBUFS;
        }
        // the control data the tracer checked for routes, when it did: never read a second time
        control = d.control() != null ? d.control() : calls.readMemory(call.tid(), m.control(), (int) m.controllen());
        if (control == null || control.length != m.controllen()) {
          return -EFAULT;
        }
      }
    }
    if (length < 0) {
      return length;
    }
    long rc = sockets.sendmsg(dup, to, length, control, flags);
    if (rc == -EAGAIN && blocking) {
      // a blocking send would wait for room: wait a little on the tracer thread, never for long
      rc = sockets.waitWritable(dup, 100) ? sockets.sendmsg(dup, to, length, control, flags) : -ENOBUFS;
      rc = rc == -EAGAIN ? -ENOBUFS : rc;
    }
    return rc;
  }

  private long gatherIovecs(Call call, Message m) throws DecodeException {
    Abi abi = call.abi();
    int n = (int) Math.min(Math.max(m.iovlen(), 0), 1024);
    if (n == 0) {
      return 0;
    }
    byte[] raw = calls.readMemory(call.tid(), m.iov(), n * MessageHeaders.iovecSize(abi));
    if (raw == null || raw.length < n * MessageHeaders.iovecSize(abi)) {
      return -EFAULT;
    }
    List<Iovec> iovecs = MessageHeaders.iovecs(raw, n, abi);
    long[] bases = new long[n];
    long[] lengths = new long[n];
    for (int i = 0; i < n; i++) {
      bases[i] = iovecs.get(i).base();
      lengths[i] = iovecs.get(i).length();
    }
    return sockets.gather(call.tid(), bases, lengths);
  }

  /** sendmmsg reports each message's byte count in its mmsghdr's msg_len. */
  private void writeLength(Call call, int i, long length) {
    long at = call.arg(1) + (long) i * MessageHeaders.mmsghdrSize(call.abi()) + MessageHeaders.msghdrSize(call.abi());
    byte[] le = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt((int) length).array();
    calls.writeMemory(call.tid(), at, le);
  }
}
