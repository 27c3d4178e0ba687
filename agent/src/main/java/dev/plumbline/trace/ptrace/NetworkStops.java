package dev.plumbline.trace.ptrace;

import static dev.plumbline.linux.Errno.EACCES;
import static dev.plumbline.linux.Errno.ENETUNREACH;

import dev.plumbline.linux.TracerCalls;
import dev.plumbline.trace.EgressGate;
import dev.plumbline.trace.EgressGate.Decision;
import dev.plumbline.trace.TraceEvent;
import dev.plumbline.trace.decode.DecodeException;
import dev.plumbline.trace.decode.MessageHeaders;
import dev.plumbline.trace.decode.MessageHeaders.MsgName;
import dev.plumbline.trace.decode.SocketAddress;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * connect, sendto, sendmsg and sendmmsg: read the destination(s) from tracee memory, name the
 * socket's protocol, ask the egress gate, and allow (the result comes at the exit stop), refuse
 * (the kernel skips the call) or redirect (the sockaddr is rewritten in place).
 */
final class NetworkStops {
  private static final Logger log = LoggerFactory.getLogger(NetworkStops.class);
  private static final int UIO_MAXIOV = 1024;

  private final TracerCalls calls;
  private final Reporter out;
  private final EgressGate gate;
  private final boolean enforcing;
  private final PeerCheck peers;

  NetworkStops(TracerCalls calls, Reporter out, EgressGate gate, boolean enforcing) {
    this.calls = calls;
    this.out = out;
    this.gate = gate;
    this.enforcing = enforcing;
    this.peers = new PeerCheck(calls, out, this);
  }

  /** sendto(fd, buf, len, flags, dest_addr, addrlen). */
  boolean sendto(Call call) throws DecodeException {
    if (call.arg(4) == 0) {
      return false; // MSG_FASTOPEN on a socket without a destination fails with EDESTADDRREQ
    }
    return send(call, call.arg(4), call.arg(5));
  }

  /** sendmsg(fd, msghdr, flags): the destination is the msghdr's msg_name. */
  boolean sendmsg(Call call) throws DecodeException {
    byte[] header = calls.readMemory(call.tid(), call.arg(1), MessageHeaders.msghdrSize(call.abi()));
    if (header == null) {
      return false;
    }
    MsgName msgName = MessageHeaders.name(header, call.abi());
    if (msgName.absent()) {
      return false; // a connected socket: its destination was recorded at connect
    }
    return send(call, msgName.address(), msgName.length());
  }

  /** sendmmsg(fd, mmsghdr vector, vlen, flags): every message's destination. */
  boolean sendmmsg(Call call) throws DecodeException {
    int n = (int) Math.min(Math.max(call.arg(2), 0), UIO_MAXIOV);
    if (n == 0) {
      return false;
    }
    int size = MessageHeaders.mmsghdrSize(call.abi());
    byte[] raw = calls.readMemory(call.tid(), call.arg(1), n * size);
    if (raw == null) {
      return false;
    }
    n = Math.min(n, raw.length / size);
    List<long[]> names = new ArrayList<>();
    for (MsgName m : MessageHeaders.mmsgNames(raw, n, call.abi())) {
      if (!m.absent()) {
        names.add(new long[] {m.address(), m.length()});
      }
    }
    return !names.isEmpty() && send(call, names);
  }

  /** A call with one destination (connect, sendto, sendmsg) at {@code address}, {@code length} bytes. */
  boolean send(Call call, long address, long length) throws DecodeException {
    return send(call, List.of(new long[] {address, length}));
  }

  /**
   * One call with its destinations ({address, length} in tracee memory): decide, apply, and either
   * emit now (blocked) or wait for the exit stop (the result).
   */
  private boolean send(Call call, List<long[]> names) throws DecodeException {
    int pid = call.tid();
    int fd = call.intArg(0);
    String protocol = null;
    PendingExit pending = new PendingExit();
    Decision.Block block = null;
    for (long[] name : names) {
      int len = (int) Math.min(Math.max(name[1], 0), SocketAddress.MAX_SIZE);
      byte[] raw = len < 2 ? null : calls.readMemory(pid, name[0], len);
      if (raw == null) {
        continue; // the kernel will answer EFAULT/EINVAL
      }
      if (SocketAddress.familyOf(raw) == SocketAddress.AF_UNSPEC) {
        continue; // connect(AF_UNSPEC) dissolves an association, it names no destination
      }
      SocketAddress sa = SocketAddress.decode(raw);
      if ("netlink".equals(sa.family())) {
        continue; // talks to the kernel, not to a destination
      }
      if (protocol == null) {
        protocol = protocol(call, fd);
      }
      Decision decision = decide(new EgressGate.Attempt(call.tgid(), call.name(), sa.family(), protocol,
          "unix".equals(sa.family()) ? null : sa.address(), sa.port() == null ? 0 : sa.port(),
          sa.abstractName() && sa.path() != null ? "@" + sa.path() : sa.path()));
      String decided = allowedLabel();
      if (decision instanceof Decision.Block b) {
        block = block == null ? b : block;
        decided = "blocked";
      } else if (decision instanceof Decision.Redirect r) {
        if (Redirects.rewrite(calls, pid, name[0], raw, r.to())) {
          decided = "redirected";
        } else {
          block = new Decision.Block(ENETUNREACH, "cannot redirect " + sa.display());
          decided = "blocked";
        }
      }
      pending.events.add(new TraceEvent.Network(Instant.now(), call.tgid(), call.name(), sa.family(), protocol,
          sa.recordAddress(), sa.port(), decided, null));
    }
    if (pending.events.isEmpty()) {
      return false;
    }
    if (names.size() == 1 && call.syscall() == SyscallTable.CONNECT && pending.events.size() == 1
        && !"redirected".equals(pending.events.get(0).decision())) {
      peers.afterConnect(call, pending);
    }
    if (block != null) {
      out.refuse(pid, block.errno(), "a network call");
      pending.isError = true;
      pending.finish(out, "blocked");
      return false;
    }
    call.task().pendingExit = pending;
    return true;
  }

  /** The gate's decision; a gate that fails refuses in block mode and allows in audit mode. */
  Decision decide(EgressGate.Attempt attempt) {
    try {
      return gate.decide(attempt);
    } catch (RuntimeException e) {
      log.warn("egress gate failed on {}: {}", attempt, e.toString());
      return enforcing ? new Decision.Block(EACCES, "egress gate failed") : new Decision.Allow();
    }
  }

  /** How a call the gate let through is labelled: a policy allowed it, or an audit watched it. */
  String allowedLabel() {
    return enforcing ? "allowed" : "audited";
  }

  /**
   * tcp, udp, raw, unix-stream, unix-dgram... of the tracee's socket, through pidfd_getfd on the
   * calling thread (not its tid as a pid: pidfd_open refuses a thread that is not the leader);
   * "unknown" when the descriptor cannot be had, which the gate treats as DNS at port 53.
   */
  private String protocol(Call call, int fd) {
    int[] kind = calls.socketKind(call.tid(), call.tgid(), fd);
    if (kind == null) {
      return "unknown";
    }
    return Protocols.name(kind[0], kind[1], kind[2]);
  }
}
