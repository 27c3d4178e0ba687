package dev.plumbline.trace.ptrace;

import dev.plumbline.linux.Errno;
import dev.plumbline.linux.TracerCalls;
import dev.plumbline.trace.EgressGate;
import dev.plumbline.trace.EgressGate.Decision;
import dev.plumbline.trace.TraceEvent;
import dev.plumbline.trace.decode.DecodeException;
import dev.plumbline.trace.decode.SocketAddress;
import java.util.Objects;

/**
 * Another thread of the tracee can rewrite a sockaddr between our read at the seccomp stop and
 * the kernel's copy (a time-of-check race). After a connect, the socket's real peer is compared
 * with what was checked; a difference is recorded, decided again, and in block mode a refused
 * peer's socket is shut down at once.
 */
final class PeerCheck {
  private final TracerCalls calls;
  private final Reporter out;
  private final NetworkStops network;

  PeerCheck(TracerCalls calls, Reporter out, NetworkStops network) {
    this.calls = calls;
    this.out = out;
    this.network = network;
  }

  /** Arms the check of an inet/inet6 connect for its exit stop. */
  void afterConnect(Call call, PendingExit pending) {
    TraceEvent.Network checked = pending.events.get(0);
    if ("inet".equals(checked.family()) || "inet6".equals(checked.family())) {
      pending.onExit = () -> verify(call, call.intArg(0), checked, pending);
    }
  }

  private void verify(Call call, int fd, TraceEvent.Network checked, PendingExit pending) {
    if (pending.isError) {
      return; // not connected (yet): nothing reached a peer through this call
    }
    int tid = call.tid();
    byte[] raw = calls.peerName(tid, call.tgid(), fd, false);
    if (raw == null) {
      if (calls.errno() != Errno.ENOTCONN) { // not "no peer (any more)": the socket could not be reached
        out.flagOnce("peer:" + out.image(tid), tid, out.image(tid)
            + " made a connect whose peer could not be checked (" + Errno.name(calls.errno()) + ")");
      }
      return;
    }
    SocketAddress peer;
    try {
      peer = SocketAddress.decode(raw);
    } catch (DecodeException e) {
      return;
    }
    if (sameEndpoint(peer, checked)) {
      return;
    }
    out.flagOnce("race:" + out.image(tid), tid, out.image(tid)
        + " changed a connect destination while it was being checked (another thread rewrote it)");
    String decided = network.allowedLabel();
    String result = null; // the call's own result
    Decision decision = network.decide(new EgressGate.Attempt(call.tgid(), "connect", peer.family(),
        checked.protocol(), peer.address(), peer.port() == null ? 0 : peer.port(), null));
    if (decision instanceof Decision.Block || decision instanceof Decision.Redirect) {
      calls.peerName(tid, call.tgid(), fd, true);
      decided = "blocked";
      result = "shut down";
    }
    // the record shows where the call went, not what was checked
    pending.events.set(0, new TraceEvent.Network(checked.at(), call.tgid(), "connect", peer.family(),
        checked.protocol(), peer.address(), peer.port(), decided, result));
  }

  private static boolean sameEndpoint(SocketAddress peer, TraceEvent.Network checked) {
    String a = peer.mappedIpv4() != null ? peer.mappedIpv4() : peer.address();
    String b = checked.address();
    if (b != null && b.startsWith("::ffff:") && b.indexOf('.') > 0) {
      b = b.substring("::ffff:".length());
    }
    return Objects.equals(a, b) && Objects.equals(peer.port(), checked.port());
  }
}
