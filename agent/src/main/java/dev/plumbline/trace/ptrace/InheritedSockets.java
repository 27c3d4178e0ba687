package dev.plumbline.trace.ptrace;

import dev.plumbline.linux.PathHandles;
import dev.plumbline.linux.TraceeSockets;
import dev.plumbline.net.Addresses;
import dev.plumbline.net.Cidr;
import dev.plumbline.trace.EgressDecision;
import dev.plumbline.trace.EgressGate;
import dev.plumbline.trace.EgressGate.Decision;
import dev.plumbline.trace.TraceEvent;
import dev.plumbline.trace.decode.DecodeException;
import dev.plumbline.trace.decode.SocketAddress;
import java.net.InetAddress;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The sockets among the descriptors the build inherits (0–2 and those {@code run} passes), judged
 * before it starts as if the build had made them at its start: a socket connected outside the
 * traced tree carries {@code write}s that no stop sees, so its peer is decided like a
 * {@code connect} ("inherited" in the record), a listener other hosts can reach gets the inbound
 * filter like a {@code listen} ("inherited-listen"), and a kind block mode refuses at
 * {@code socket(2)} is refused here too. Block mode does not pass a refused descriptor above 2;
 * one among 0–2 refuses the run. Audit mode passes everything and records it. The agent's own
 * descriptors are the very sockets the build gets, so no duplicate is needed.
 */
final class InheritedSockets {
  /** The record's syscall for an inherited socket: a connected one, and a listener. */
  static final String CONNECTED = "inherited";
  static final String LISTEN = "inherited-listen";
  private static final int SOCK_STREAM = 1;
  private static final int SOCK_SEQPACKET = 5;

  private final NetworkStops network;
  private final TraceeSockets sockets;

  InheritedSockets(NetworkStops network) {
    this.network = network;
    this.sockets = network.sockets();
  }

  /**
   * What became of one inherited socket: its record entry (the pid is filled in once the build
   * exists), an incomplete-trace reason or null, and why block mode refuses it (null: passed).
   */
  record Judged(int fd, String family, String protocol, String address, Integer port, String syscall,
      EgressDecision decision, String incomplete, String refusal) {
    TraceEvent.Network event(int pid) {
      return new TraceEvent.Network(Instant.now(), pid, syscall, family, protocol, address, port, decision,
          refusal == null ? "ok" : "blocked");
    }

    /** "a tcp socket connected to 127.0.0.1:8080", for a person. */
    String describe() {
      String where = address == null ? "" : " " + (LISTEN.equals(syscall) ? "listening on " : "connected to ")
          + Addresses.withPort(address, port);
      return "a " + protocol + " socket" + where;
    }
  }

  /** Every descriptor of {@code fds} that is a socket worth judging (others are not listed). */
  List<Judged> judge(List<Integer> fds) {
    List<Judged> out = new ArrayList<>();
    for (int fd : fds) {
      Judged j = judge(fd);
      if (j != null) {
        out.add(j);
      }
    }
    return out;
  }

  /** How a person names descriptor {@code fd}: "stdout (descriptor 1)", "descriptor 7". */
  static String name(int fd) {
    return switch (fd) {
      case 0 -> "stdin (descriptor 0)";
      case 1 -> "stdout (descriptor 1)";
      case 2 -> "stderr (descriptor 2)";
      default -> "descriptor " + fd;
    };
  }

  private Judged judge(int fd) {
    int[] kind = sockets.socketKind(fd);
    if (kind[0] < 0) {
      return null; // not a socket (ENOTSOCK), or not open
    }
    boolean enforcing = network.enforcing();
    String family = Protocols.family(kind[0]);
    String protocol = Protocols.name(kind[0], kind[1], kind[2]);
    Protocols.Unfollowed foreign = Protocols.unfollowed(kind[0], kind[1], kind[2]);
    SocketAddress peer = decoded(sockets.peerAddress(fd));
    SocketAddress local = decoded(sockets.localAddress(fd));
    if (foreign != null) {
      // a kind block mode refuses at socket(2): its writes go where no sockaddr says
      SocketAddress a = peer != null ? peer : local;
      boolean ip = Protocols.in(kind[0], Protocols.IP_FAMILIES);
      return new Judged(fd, family, protocol, a == null || !ip ? null : a.recordAddress(), a == null || !ip ? null : a.port(),
          CONNECTED, enforcing ? EgressDecision.BLOCKED : network.passed(),
          enforcing ? null : "the build inherited " + foreign.why() + " on " + name(fd) + ": what it sent may be missing from the record",
          enforcing ? foreign.why() : null);
    }
    if (kind[0] == SocketAddress.AF_NETLINK || kind[0] == Protocols.AF_ALG) {
      return null; // talks to the kernel only
    }
    boolean unix = kind[0] == SocketAddress.AF_UNIX;
    if (sockets.listening(fd)) {
      return unix ? null : listener(fd, family, protocol, local);
    }
    if (peer == null) {
      boolean connectionLess = !unix && kind[1] != SOCK_STREAM || unix && kind[1] != SOCK_STREAM && kind[1] != SOCK_SEQPACKET;
      if (unix || connectionLess) {
        return null; // every send names its destination, and is stopped like the build's own
      }
      // an IP stream socket whose peer cannot be read: never connected, closed, or still
      // connecting (getpeername says ENOTCONN during the handshake): fail closed
      return new Judged(fd, family, protocol, null, null, CONNECTED, enforcing ? EgressDecision.BLOCKED : network.passed(),
          enforcing ? null : "the build inherited a " + protocol + " socket on " + name(fd) + " whose peer could not be read",
          enforcing ? "a " + protocol + " socket whose peer cannot be read (still connecting?)" : null);
    }
    return connected(fd, family, protocol, peer);
  }

  /** A connected socket: its peer decided like a connect the build made at its start. */
  private Judged connected(int fd, String family, String protocol, SocketAddress peer) {
    boolean enforcing = network.enforcing();
    boolean unix = "unix".equals(peer.family());
    String path = unix ? (peer.abstractName() && peer.path() != null ? "@" + peer.path() : peer.path()) : null;
    if (unix && path == null) {
      // an unnamed peer (a socketpair, or the accepted end of a client that never bound): it
      // reaches the process holding the other end, which plumbline's caller set up; no file
      // --deny-unix names can be behind it
      return new Judged(fd, family, protocol, "", null, CONNECTED, network.passed(), null, null);
    }
    EgressGate.SocketFile file = null;
    if (unix && network.gate().checksUnixSockets() && !peer.abstractName()) {
      file = identity(path);
    }
    Decision decision = network.decide(new EgressGate.Attempt(0, CONNECTED, peer.family(), protocol,
        unix ? null : peer.address(), peer.port() == null ? 0 : peer.port(), path, file));
    String refusal = null;
    if (decision instanceof Decision.Block b) {
      refusal = b.reason();
    } else if (decision instanceof Decision.Redirect && enforcing) {
      // DNS the resolver would take: a connection made outside the tree cannot be sent there
      refusal = peer.display() + " is DNS, which block mode sends to the agent's resolver, and an inherited"
          + " connection cannot be redirected";
    }
    EgressDecision decided = refusal != null ? EgressDecision.BLOCKED : network.passed();
    return new Judged(fd, family, protocol, peer.recordAddress(), peer.port(), CONNECTED, decided, null, refusal);
  }

  /**
   * A listening IP socket: judged like the build's own listen. One other hosts can reach gets, in
   * block mode, the locked inbound filter (it stays on the socket, which is the caller's too).
   */
  private Judged listener(int fd, String family, String protocol, SocketAddress local) {
    InetAddress bound = local == null ? null : Addresses.parseDestination(local.address());
    if (bound != null && !Addresses.reachableFromOutside(bound)) {
      return null; // only this host can connect
    }
    int port = local == null || local.port() == null ? 0 : local.port();
    List<Cidr> peers = network.gate().inboundPeers(port);
    String refusal = null;
    if (network.enforcing() && peers != null && !network.lockInbound(fd, peers)) {
      refusal = "a listener where hosts that are not allowed could connect, which the agent could not restrict";
    }
    return new Judged(fd, family, protocol, local == null ? null : local.recordAddress(), port, LISTEN,
        refusal == null ? network.passed() : EgressDecision.BLOCKED, null, refusal);
  }

  /** Device and inode of the socket file at {@code path} in the agent's view (the build's at its start), or null. */
  private static EgressGate.SocketFile identity(String path) {
    PathHandles.FileStat st = PathHandles.stat(path);
    return st == null ? null : new EgressGate.SocketFile(st.dev(), st.ino()); // null: the path alone is compared
  }

  private static SocketAddress decoded(byte[] raw) {
    try {
      return raw == null || raw.length < 2 ? null : SocketAddress.decode(raw);
    } catch (DecodeException e) {
      return null;
    }
  }
}
