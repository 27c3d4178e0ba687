package dev.plumbline.trace.ptrace;

import static dev.plumbline.linux.Errno.EACCES;
import static dev.plumbline.linux.Errno.EINPROGRESS;
import static dev.plumbline.linux.Errno.ENETUNREACH;
import static dev.plumbline.linux.Ptrace.MSG_FASTOPEN;

import dev.plumbline.linux.Errno;
import dev.plumbline.linux.TraceeSockets;
import dev.plumbline.linux.TracerCalls;
import dev.plumbline.trace.EgressDecision;
import dev.plumbline.trace.EgressGate;
import dev.plumbline.trace.EgressGate.Decision;
import dev.plumbline.trace.TraceEvent;
import dev.plumbline.trace.decode.DecodeException;
import dev.plumbline.trace.decode.MessageHeaders;
import dev.plumbline.trace.decode.MessageHeaders.Message;
import dev.plumbline.trace.decode.MessageHeaders.MsgName;
import dev.plumbline.trace.decode.SocketAddress;
import dev.plumbline.net.Addresses;
import dev.plumbline.net.Cidr;
import java.net.InetAddress;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * connect, sendto, sendmsg and sendmmsg: read the destination(s) from tracee memory, name the
 * socket's protocol, ask the egress gate, and allow, refuse (the kernel skips the call) or redirect.
 *
 * <p>An allowed or redirected IP destination is not left in tracee memory for the kernel to read
 * again (another thread could rewrite it after the check): the tracer makes the call itself, with
 * the bytes it checked, on a duplicate of the tracee's socket ({@link Delivery}); see docs/tracer.md
 * "time-of-check races".
 */
final class NetworkStops {
  private static final Logger log = LoggerFactory.getLogger(NetworkStops.class);
  private static final int UIO_MAXIOV = 1024;

  private final TracerCalls calls;
  private final TraceeSockets sockets = new TraceeSockets();
  private final Reporter out;
  private final EgressGate gate;
  private final boolean enforcing;
  private final Delivery delivery;
  private final UnixDestinations unix;

  NetworkStops(TracerCalls calls, String proc, Reporter out, EgressGate gate, boolean enforcing) {
    this.calls = calls;
    this.out = out;
    this.gate = gate;
    this.enforcing = enforcing;
    this.delivery = new Delivery(calls, sockets, out);
    this.unix = new UnixDestinations(calls, proc);
  }

  /**
   * One destination of a call: its sockaddr in tracee memory and, for sends, its message and the
   * message's control data as checked (null when it has none): what the tracer sends, never read again.
   */
  record Destination(long address, long length, Message message, byte[] control) {
    Destination(long address, long length, Message message) {
      this(address, length, message, null);
    }
  }

  /**
   * socket(domain, type, protocol) of a kind the tracer does not follow (the filter stops no
   * other, {@link Protocols#unfollowed}): refused in block mode, flagged in audit mode. Decided on
   * registers, which no other thread can change (an i386 socketcall's are in memory: flagged).
   */
  boolean socket(Call call) {
    int pid = call.tid();
    Protocols.Unfollowed u = Protocols.unfollowed(call.intArg(0), call.intArg(1), call.intArg(2));
    String image = out.image(pid);
    if (u == null) {
      if (!call.direct()) {
        out.flagOnce("socketcall:" + image, pid, image + " made an i386 socketcall the tracer could not make"
            + " itself: its arguments were read again by the kernel after the check");
      }
      return false;
    }
    if (enforcing) {
      out.refuse(pid, u.errno(), "a socket");
      out.note(call.tgid(), "egress-refused", image + " asked for " + u.why() + ": refused in block mode ("
          + Errno.name(u.errno()) + ")");
    } else {
      out.flagOnce("socket:" + image + ":" + u.why(), pid, image + " opened " + u.why()
          + ": what it sent may be missing from the record");
    }
    return false;
  }

  /**
   * listen(fd, backlog) on an IP socket other hosts can reach (bound to 0.0.0.0, :: or a
   * non-loopback address): recorded; in block mode a locked socket filter first keeps every peer
   * but the gate's {@link EgressGate#inboundPeers} from connecting (a test server on 0.0.0.0 still
   * serves loopback clients). A filter that cannot be attached refuses the listen (fail closed).
   */
  boolean listen(Call call) {
    int pid = call.tid();
    int dup = sockets.duplicate(pid, call.tgid(), call.intArg(0));
    String image = out.image(pid);
    if (dup < 0) {
      out.flagOnce("listen:" + image, pid, image + " listened on a socket the agent could not reach ("
          + Errno.name(sockets.errno()) + "): who could connect to it was not checked");
      return false;
    }
    try {
      int[] kind = sockets.socketKind(dup);
      if (!Protocols.in(kind[0], Protocols.IP_FAMILIES)) {
        return false;
      }
      if (sockets.listening(dup)) {
        // a second listen only resizes the backlog: the first one was judged here (its filter is
        // locked on), or it was made outside the traced tree and its peers are judged at accept
        return false;
      }
      byte[] local = sockets.localAddress(dup);
      SocketAddress sa = local == null ? null : SocketAddress.decode(local);
      InetAddress bound = sa == null ? null : Addresses.parseDestination(sa.address());
      if (bound != null && !Addresses.reachableFromOutside(bound)) {
        return false; // only this host can connect
      }
      String family = Protocols.family(kind[0]);
      String protocol = Protocols.name(kind[0], kind[1], kind[2]);
      int port = sa == null || sa.port() == null ? 0 : sa.port();
      List<Cidr> peers = gate.inboundPeers(port);
      PendingExit pending = new PendingExit();
      if (enforcing && peers != null) {
        if (!lockInbound(dup, peers)) {
          out.refuse(pid, EACCES, "a listen");
          out.note(call.tgid(), "egress-refused", image + " listened on " + Addresses.withPort(
              sa == null ? null : sa.recordAddress(), port) + ", where hosts that are not allowed could connect, and the"
              + " agent could not restrict them (" + Errno.name(sockets.errno()) + "): refused in block mode (EACCES)");
          out.emit(new TraceEvent.Network(Instant.now(), call.tgid(), call.name(), family, protocol,
              sa == null ? null : sa.recordAddress(), port, EgressDecision.BLOCKED, "blocked"));
          return false;
        }
      }
      pending.events.add(new TraceEvent.Network(Instant.now(), call.tgid(), call.name(), family, protocol,
          sa == null ? null : sa.recordAddress(), port, passed(), null));
      call.task().pendingExit = pending;
      return true;
    } catch (DecodeException e) {
      out.flagOnce("listen:" + image, pid, image + " listened on a socket whose address could not be read: who could"
          + " connect to it was not checked");
      return false;
    } finally {
      sockets.close(dup);
    }
  }

  /**
   * Locks the inbound filter for {@code peers} onto socket {@code fd}; false (errno set) when it
   * cannot be. A socket that already carries that very program locked counts as done: another
   * thread's listen on this socket, stopped just before, locked it and has not listened yet, and
   * that lock is what makes this attach fail.
   */
  boolean lockInbound(int fd, List<Cidr> peers) {
    try {
      byte[] program = InboundFilter.program(peers);
      return sockets.attachLockedFilter(fd, program)
          || (sockets.errno() == Errno.EPERM && sockets.hasLockedFilter(fd, program));
    } catch (IllegalStateException e) {
      return false; // more rules than one filter holds
    }
  }

  /** The tracer thread's socket calls (the inherited descriptors are judged with them too). */
  TraceeSockets sockets() {
    return sockets;
  }

  EgressGate gate() {
    return gate;
  }

  boolean enforcing() {
    return enforcing;
  }

  /**
   * accept/accept4: at the exit stop, a peer from outside the host is recorded. In block mode a
   * peer the gate does not allow can only come through a listener made outside the traced tree
   * (the tree's own are filtered at listen): its connection is shut down, and recorded blocked.
   */
  boolean accept(Call call) {
    int pid = call.tid();
    int tgid = call.tgid();
    PendingExit pending = new PendingExit();
    pending.onExit = () -> {
      if (pending.isError || pending.rval < 0) {
        return;
      }
      int dup = sockets.duplicate(pid, tgid, (int) pending.rval);
      if (dup < 0) {
        return;
      }
      try {
        int[] kind = sockets.socketKind(dup);
        if (!Protocols.in(kind[0], Protocols.IP_FAMILIES)) {
          return;
        }
        byte[] peer = sockets.peerAddress(dup);
        byte[] local = sockets.localAddress(dup);
        SocketAddress from = peer == null ? null : SocketAddress.decode(peer);
        InetAddress a = from == null ? null : Addresses.parseDestination(from.address());
        if (a != null && !Addresses.reachableFromOutside(a)) {
          return; // a client on this host
        }
        SocketAddress to = local == null ? null : SocketAddress.decode(local);
        List<Cidr> peers = gate.inboundPeers(to == null || to.port() == null ? 0 : to.port());
        boolean allowed = peers == null || (a != null && peers.stream().anyMatch(c -> c.contains(a)));
        EgressDecision decided = passed();
        if (!allowed && enforcing) {
          sockets.shutdown(dup);
          decided = EgressDecision.BLOCKED;
          out.note(tgid, "egress-refused", out.image(pid) + " accepted a connection from "
              + Addresses.withPort(from == null ? null : from.recordAddress(), from == null ? null : from.port())
              + " on a listener made outside the traced tree, whose peers were not restricted: shut down in block mode");
        }
        // the port is the listening one, the peer's is ephemeral: an allow rule ADDRESS:PORT lets
        // that host in on that port (EgressGate#inboundPeers), and a learned policy says the same
        pending.events.add(new TraceEvent.Network(Instant.now(), tgid, call.name(), Protocols.family(kind[0]),
            Protocols.name(kind[0], kind[1], kind[2]), from == null ? null : from.recordAddress(),
            to == null ? null : to.port(), decided, null));
      } catch (DecodeException e) {
        out.flagOnce("accept:" + out.image(pid), pid, out.image(pid) + " accepted a connection whose peer could not be read");
      } finally {
        sockets.close(dup);
      }
    };
    call.task().pendingExit = pending;
    return true;
  }

  /** setsockopt of an option that sends packets elsewhere than the sockaddr ({@link RouteOptions}). */
  boolean setsockopt(Call call) {
    String what = RouteOptions.option(call.intArg(1), call.intArg(2), call.arg(4));
    if (what == null) {
      if (!call.direct()) {
        String image = out.image(call.tid());
        out.flagOnce("socketcall:" + image, call.tid(), image + " made an i386 socketcall the tracer could not make"
            + " itself: its arguments were read again by the kernel after the check");
      }
      return false;
    }
    return refuseRoute(call, what);
  }

  private boolean refuseRoute(Call call, String what) {
    int pid = call.tid();
    String image = out.image(pid);
    if (enforcing) {
      out.refuse(pid, Errno.EPERM, "a socket option");
      out.note(call.tgid(), "egress-refused", image + " " + what + ": refused in block mode (EPERM)");
    } else {
      out.flagOnce("route:" + image + ":" + what, pid, image + " " + what
          + ": the record may not show where its packets went");
    }
    return false;
  }

  /** The control data of each message that has some (read once: what is checked is what is sent). */
  private List<Destination> withControl(Call call, List<Destination> destinations) {
    List<Destination> out = new ArrayList<>(destinations.size());
    for (Destination d : destinations) {
      Message m = d.message();
      byte[] control = null;
      if (m != null && m.controllen() > 0 && m.controllen() <= Delivery.MAX_CONTROL) {
        control = calls.readMemory(call.tid(), m.control(), (int) m.controllen());
      }
      out.add(new Destination(d.address(), d.length(), m, control));
    }
    return out;
  }

  /**
   * A route in the messages' control data: refused in block mode (true: the call is settled),
   * flagged in audit mode (false: the call goes on and its destinations are recorded).
   */
  private boolean routed(Call call, List<Destination> destinations) {
    for (Destination d : destinations) {
      String why = RouteOptions.control(d.control(), call.abi());
      if (why != null) {
        refuseRoute(call, why);
        return enforcing;
      }
    }
    return false;
  }

  /**
   * Messages without a destination (a connected socket) but with control data: a route in it is
   * refused (block) or flagged (audit); in block mode a datagram socket's messages are then sent by
   * the tracer with the control data it checked, which no other thread can rewrite any more.
   */
  private boolean connectedWithControl(Call call, List<Destination> destinations, int flags) throws DecodeException {
    if (routed(call, destinations) || !enforcing || !call.direct() || fastOpen(call, flags)) {
      return false;
    }
    int dup = sockets.duplicate(call.tid(), call.tgid(), call.intArg(0));
    if (dup < 0) {
      return false;
    }
    try {
      int[] kind = sockets.socketKind(dup);
      boolean ipDatagrams = kind[0] >= 0 && Protocols.in(kind[0], Protocols.IP_FAMILIES)
          && (kind[1] == Delivery.SOCK_DGRAM || kind[1] == Delivery.SOCK_RAW);
      if (!ipDatagrams) {
        return false; // stream sockets take no IP options from control messages
      }
      List<byte[]> none = new ArrayList<>();
      destinations.forEach(d -> none.add(null));
      return delivery.deliver(call, dup, destinations, none, flags, new PendingExit());
    } finally {
      sockets.close(dup);
    }
  }

  /** connect(fd, addr, addrlen). */
  boolean connect(Call call) throws DecodeException {
    return send(call, List.of(new Destination(call.arg(1), call.arg(2), null)), 0);
  }

  /** sendto(fd, buf, len, flags, dest_addr, addrlen). */
  boolean sendto(Call call) throws DecodeException {
    if (call.arg(4) == 0) {
      return false; // MSG_FASTOPEN on a socket without a destination fails with EDESTADDRREQ
    }
    Message m = new Message(new MsgName(call.arg(4), (int) call.arg(5)), 0, 0, 0, 0);
    return send(call, List.of(new Destination(call.arg(4), call.arg(5), m)), call.intArg(3));
  }

  /** sendmsg(fd, msghdr, flags): the destination is the msghdr's msg_name. */
  boolean sendmsg(Call call) throws DecodeException {
    byte[] header = calls.readMemory(call.tid(), call.arg(1), MessageHeaders.msghdrSize(call.abi()));
    if (header == null || header.length < MessageHeaders.msghdrSize(call.abi())) {
      return false; // the kernel answers EFAULT
    }
    Message m = MessageHeaders.message(header, 0, call.abi());
    List<Destination> all = withControl(call, List.of(new Destination(m.name().address(), m.name().length(), m)));
    if (m.name().absent()) {
      // a connected socket: its destination was recorded at connect; its control data may route it
      return m.controllen() > 0 && connectedWithControl(call, all, call.intArg(2));
    }
    if (routed(call, all)) {
      return false;
    }
    return send(call, all, call.intArg(2)); // audit: a route was flagged, the destination is recorded
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
    List<Destination> all = new ArrayList<>();
    boolean named = false;
    boolean control = false;
    for (Message m : MessageHeaders.messages(raw, n, call.abi())) {
      all.add(new Destination(m.name().address(), m.name().length(), m));
      named |= !m.name().absent();
      control |= m.controllen() > 0;
    }
    if (control) {
      all = withControl(call, all);
      if (!named) {
        return connectedWithControl(call, all, call.intArg(3));
      }
      if (routed(call, all)) {
        return false;
      }
    }
    return named && send(call, all, call.intArg(3));
  }

  /**
   * One call with its destinations: decide each, then refuse the call, make it for the tracee, or
   * let the kernel run it (and wait for its exit stop).
   */
  private boolean send(Call call, List<Destination> destinations, int flags) throws DecodeException {
    int pid = call.tid();
    // through the calling thread, not its tid as a pid: pidfd_open refuses a thread that is not the
    // leader, and resolvers run on worker threads ("unknown" protocol: DNS at port 53, fail closed)
    int dup = sockets.duplicate(pid, call.tgid(), call.intArg(0));
    // EPERM/EACCES: the process refuses the agent its descriptors (undumpable, to a non-root agent)
    boolean closedToUs = dup < 0 && (sockets.errno() == Errno.EPERM || sockets.errno() == EACCES);
    List<UnixDestinations.Pin> pins = new ArrayList<>();
    try {
      int[] kind = dup >= 0 ? sockets.socketKind(dup) : new int[] {-1, -1, -1};
      String protocol = kind[0] < 0 ? "unknown" : Protocols.name(kind[0], kind[1], kind[2]);
      Protocols.Unfollowed foreign = kind[0] < 0 ? null : Protocols.unfollowed(kind[0], kind[1], kind[2]);
      if (foreign != null) {
        // a kind of socket block mode refuses at socket(2): this one came from outside the traced
        // tree (inherited, or passed over a unix socket), and its destination is not the whole story
        String image = out.image(pid);
        if (enforcing) {
          out.refuse(pid, EACCES, "a network call");
          out.note(call.tgid(), "egress-refused", image + " sent on " + foreign.why() + ": refused in block mode (EACCES)");
          return false;
        }
        out.flagOnce("socket:" + image + ":" + foreign.why(), pid, image + " opened " + foreign.why()
            + ": what it sent may be missing from the record");
      }
      PendingExit pending = new PendingExit();
      List<byte[]> checked = new ArrayList<>();
      Decision.Block block = null;
      boolean redirected = false;
      // --deny-unix: unix destinations are judged by the file they name for the tracee
      boolean unixChecked = gate.checksUnixSockets();
      boolean anyUnix = false;
      boolean allPinned = true;
      int unixErrno = 0;
      for (Destination d : destinations) {
        byte[] raw = destination(call, d, kind);
        checked.add(raw);
        if (raw == null) {
          continue;
        }
        SocketAddress sa = SocketAddress.decode(raw);
        EgressGate.SocketFile file = null;
        if (unixChecked && "unix".equals(sa.family())) {
          if (!anyUnix) {
            unix.begin(call); // whose ids the walk and the call use
          }
          anyUnix = true;
          String path = SocketAddress.unixPath(raw);
          if (path != null) {
            UnixDestinations.Pin pin = unix.pin(call, path);
            if (pin.fd() >= 0) {
              pins.add(pin);
              file = pin.file();
            }
            if (pin.via() != null) {
              checked.set(checked.size() - 1, pin.via()); // what the tracer connects to: the file checked
            } else if (pin.fd() < 0) {
              unixErrno = unixErrno == 0 ? pin.errno() : unixErrno;
            } else {
              allPinned = false;
            }
          } else if (!sa.abstractName()) {
            allPinned = false; // unnamed, or a name that is not UTF-8
          }
        } else if (unixChecked) {
          allPinned = false;
        }
        Decision decision = decide(new EgressGate.Attempt(call.tgid(), call.name(), sa.family(), protocol,
            "unix".equals(sa.family()) ? null : sa.address(), sa.port() == null ? 0 : sa.port(),
            sa.abstractName() && sa.path() != null ? "@" + sa.path() : sa.path(), file));
        EgressDecision decided = passed();
        if (decision instanceof Decision.Block b) {
          block = block == null ? b : block;
          decided = EgressDecision.BLOCKED;
          if ("unix".equals(sa.family())) {
            out.note(call.tgid(), "unix-denied", b.reason());
          }
        } else if (decision instanceof Decision.Redirect r) {
          byte[] to = Redirects.encode(raw, r.to());
          if (to != null) {
            checked.set(checked.size() - 1, to);
            redirected = true;
            decided = EgressDecision.REDIRECTED;
          } else {
            block = new Decision.Block(ENETUNREACH, "cannot redirect " + sa.display());
            decided = EgressDecision.BLOCKED;
          }
        }
        pending.events.add(new TraceEvent.Network(Instant.now(), call.tgid(), call.name(), sa.family(), protocol,
            sa.recordAddress(), sa.port(), decided, null));
      }
      if (pending.events.isEmpty()) {
        return false;
      }
      if (block != null) {
        out.refuse(pid, block.errno(), "a network call");
        pending.isError = true;
        pending.finish(out, "blocked");
        return false;
      }
      if (anyUnix) {
        String why = dup < 0 ? "its socket cannot be duplicated into the agent"
            : allPinned ? unix.whyKernel(call, destinations, kind) : "an unnamed or undecodable unix address";
        if (why == null) {
          if (unixErrno != 0) {
            // the walk failed as the kernel's would (ENOENT, ENOTDIR, ELOOP, EACCES): answer that
            out.refuse(pid, unixErrno, "a network call");
            pending.isError = true;
            pending.finish(out, Errno.name(unixErrno));
            return false;
          }
          Boolean waits = unix.asTracee(() -> delivery.deliver(call, dup, destinations, checked, flags, pending), null);
          if (waits == null) {
            // the tracer thread could not take the build's ids: refuse rather than connect as root
            out.refuse(pid, Errno.EPERM, "a network call");
            pending.isError = true;
            pending.finish(out, Errno.name(Errno.EPERM));
            return false;
          }
          return waits;
        }
        String image = out.image(pid);
        if (unix.unresolved()) {
          // e.g. a process that made itself undumpable: its /proc/TID/root is closed to a non-root
          // agent, so a link to a denied socket cannot be told from another socket
          out.flagOnce("unix-view:" + image, pid, image + " made a unix socket call whose path the tracer could"
              + " not resolve in its view (its root or working directory cannot be opened): --deny-unix and the name-resolving daemons' sockets were compared by name only");
        }
        out.note(call.tgid(), "unix-unpinned", image + " reached a unix socket checked by identity but"
            + " connected by the kernel (" + why + "): a path renamed or rewritten after the check is not caught");
      }
      if (dup >= 0 && Delivery.byTracer(call, checked, kind, flags)) {
        if (redirected) {
          // the tracer sends from its own copy; the tracee's buffer is rewritten too, because a
          // client that keeps its nameserver list there and accepts replies only from an address
          // on it (musl's unconnected sendto) must see the resolver's address (docs/egress.md)
          for (int i = 0; i < destinations.size(); i++) {
            byte[] to = checked.get(i);
            if (to != null) {
              calls.writeMemory(pid, destinations.get(i).address(), to); // best effort: delivery does not read it
            }
          }
        }
        return delivery.deliver(call, dup, destinations, checked, flags, pending);
      }
      if (closedToUs && !anyUnix) {
        // an IP call the tracer would have made itself: the kernel reads the address again after
        // the check, so another thread could have changed it (docs/tracer.md, limits)
        String image = out.image(pid);
        out.flagOnce("nodup:" + image, pid, image + " keeps its sockets from the agent (pidfd_getfd refused):"
            + " its network calls were made by the kernel after the check, open to a time-of-check race");
      }
      if (redirected) {
        // a destination the tracer cannot deliver itself is rewritten where the kernel reads it
        for (int i = 0; i < destinations.size(); i++) {
          byte[] to = checked.get(i);
          if (to != null && calls.writeMemory(pid, destinations.get(i).address(), to) != to.length) {
            out.refuse(pid, ENETUNREACH, "a network call");
            pending.isError = true;
            pending.finish(out, "blocked");
            return false;
          }
        }
      }
      if (!call.direct()) {
        // an i386 socketcall's arguments (descriptor included) are in memory: the kernel reads
        // them again after the check, and another thread may have rewritten them
        String image = out.image(pid);
        out.flagOnce("socketcall:" + image, pid, image + " made an i386 socketcall the tracer could not make"
            + " itself: its arguments were read again by the kernel after the check");
      }
      call.task().pendingExit = pending;
      return true;
    } finally {
      if (dup >= 0) {
        sockets.close(dup);
      }
      pins.forEach(unix::close);
    }
  }

  /**
   * The sockaddr bytes of a destination as the kernel will act on them, or null when the call
   * names none there (unreadable, AF_UNSPEC meaning "no address", netlink).
   */
  private byte[] destination(Call call, Destination d, int[] kind) throws DecodeException {
    if (d.address() == 0 || d.length() == 0) {
      return null;
    }
    int len = (int) Math.min(Math.max(d.length(), 0), SocketAddress.MAX_SIZE);
    byte[] raw = len < 2 ? null : calls.readMemory(call.tid(), d.address(), len);
    if (raw == null) {
      return null; // the kernel will answer EFAULT/EINVAL
    }
    if (SocketAddress.familyOf(raw) == SocketAddress.AF_UNSPEC) {
      if (call.syscall() == SyscallTable.CONNECT) {
        return null; // connect(AF_UNSPEC) dissolves an association, it names no destination
      }
      // a send reads it as the socket's own family on some sockets (UDP over IPv4, raw): decide
      // on what the kernel will do; a socket of unknown kind keeps af=0 for the gate
      raw = kind[0] < 0 ? raw : SocketAddress.unspecifiedAs(raw, kind[0], kind[1], kind[2]);
      if (raw == null) {
        return null;
      }
    }
    // netlink talks to the kernel; a packet socket does not read the family field, so "netlink"
    // there is no reason to look away (such sockets are judged by their own family first)
    boolean netlink = SocketAddress.familyOf(raw) == SocketAddress.AF_NETLINK;
    return netlink && (kind[0] < 0 || kind[0] == SocketAddress.AF_NETLINK) ? null : raw;
  }

  /** The calls that name a destination the gate judges (in memory, which the tracer must read). */
  static boolean judges(SyscallTable call) {
    return switch (call) {
      case CONNECT, SENDTO, SENDMSG, SENDMMSG, SOCKETCALL -> true;
      default -> false;
    };
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
  EgressDecision passed() {
    return EgressDecision.passed(enforcing);
  }

  static String result(long rc) {
    return rc >= 0 ? "ok" : Errno.name((int) -rc);
  }

  static boolean fastOpen(Call call, int flags) {
    return call.syscall() != SyscallTable.CONNECT && (flags & MSG_FASTOPEN) != 0;
  }

  static final int IN_PROGRESS = -EINPROGRESS;
}
