package dev.plumbline.egress;

import dev.plumbline.egress.dns.NameBook;
import dev.plumbline.linux.Errno;
import dev.plumbline.net.Addresses;
import dev.plumbline.net.Allowlist;
import dev.plumbline.net.Cidr;
import dev.plumbline.trace.EgressGate;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.BiConsumer;

/**
 * The egress gate built from the run options: audit or block, the allowlist, loopback and unix
 * socket rules, and DNS capture through the agent's resolver.
 *
 * <p>Order of decisions for one attempt:
 * <ol>
 *   <li>unix: refused (EACCES) when the path is a {@code --deny-unix} path or names its file (device
 *       and inode, as the tracer resolved it in the tracee's view), in both modes; in block mode also
 *       when it is the socket of a name-resolving daemon ({@link #NAME_RESOLVING_DAEMONS}) that
 *       {@code --allow-unix} does not name; else allowed;
 *   <li>netlink: allowed (kernel-local, glibc uses it for getaddrinfo); connect to AF_UNSPEC
 *       (family "unknown", address "af=0"): allowed, it disconnects a datagram socket;
 *   <li>any other family, or an address that cannot be decoded: allowed in audit, EACCES in block;
 *   <li>UDP/TCP (or a protocol the tracer could not learn) to port 53 of any non-loopback address,
 *       or of a loopback nameserver from resolv.conf: redirected to the agent's resolver (UDP sendto without connect only in block
 *       mode, see docs/egress.md);
 *   <li>loopback (127/8, ::1, 0.0.0.0, ::): allowed unless {@code --deny-loopback};
 *   <li>audit: allowed; block: allowed when the address (with port) is allowed itself or was
 *       answered for a name the allowlist allows on that port, else ECONNREFUSED.
 * </ol>
 */
public final class EgressPolicy implements EgressGate {
  public static final int EACCES = Errno.EACCES;
  public static final int ECONNREFUSED = Errno.ECONNREFUSED;

  /**
   * Where the agent's resolver listens (an IPv4 address and, when bound, an IPv6 one), and the
   * system's nameservers it forwards to. DNS to a loopback address that is not one of those is a
   * server the build runs itself: it is left alone (and judged like any loopback destination).
   */
  public record ResolverEndpoints(InetSocketAddress inet, InetSocketAddress inet6, Set<InetAddress> systemNameservers) {
    public ResolverEndpoints {
      Set<InetAddress> n = new java.util.HashSet<>();
      for (InetAddress a : systemNameservers) {
        n.add(Addresses.normalize(a));
      }
      systemNameservers = Set.copyOf(n);
    }

    public ResolverEndpoints(InetSocketAddress inet, InetSocketAddress inet6) {
      this(inet, inet6, Set.of());
    }
  }

  private final EgressMode mode;
  private final Allowlist allowlist;
  private final boolean denyLoopback;
  private final List<DeniedSocket> deniedUnix;
  /** The {@link #NAME_RESOLVING_DAEMONS} sockets that exist here and {@code --allow-unix} does not name. */
  private final List<DeniedSocket> daemonSockets;
  private final NameBook names;
  private final ResolverEndpoints resolver;
  private final BiConsumer<Integer, InetSocketAddress> onDnsRedirect;
  private final Runnable onClose;

  /**
   * A --deny-unix path, with its real path when it exists (so /var/run/x and /run/x both match by
   * name, also when the tracer could not resolve an attempt to a file).
   */
  record DeniedSocket(String given, Set<String> paths, String daemon) {
    DeniedSocket(String given, Set<String> paths) {
      this(given, paths, null);
    }

    /**
     * Whether the file an attempt reached is this socket's file now (stat in the agent's view,
     * following symlinks: a socket re-created by its daemon is a new inode, so it is looked up
     * at each decision, which only unix attempts with --deny-unix given pay for).
     */
    boolean isFile(EgressGate.SocketFile f) {
      try {
        Map<String, Object> st = Files.readAttributes(Paths.get(given), "unix:dev,ino");
        return ((Number) st.get("dev")).longValue() == f.dev() && ((Number) st.get("ino")).longValue() == f.ino();
      } catch (Exception e) {
        return false; // no such file (yet): the names still match
      }
    }
  }

  /**
   * A daemon outside the traced tree that resolves names for whoever asks over its unix socket:
   * the name (which can carry a secret: {@code $(base32 secret).attacker.example}) leaves with the
   * daemon's own query, where neither the tracer nor the agent's resolver sees it. {@code paths}
   * are the names of one socket (glibc and libdbus use /var/run, which is usually a link to /run).
   */
  public record ResolvingDaemon(String daemon, List<String> paths) {
    public ResolvingDaemon {
      paths = List.copyOf(paths);
    }
  }

  /**
   * The unix sockets block mode refuses by default (docs/egress.md, "Name-resolving daemons"):
   * each makes a daemon outside the tree send a name the build chose to a nameserver. The system
   * bus is refused whole: systemd-resolved's {@code org.freedesktop.resolve1} is one of its
   * services, and the bus would forward a call to it. {@code --allow-unix PATH} lifts one.
   */
  public static final List<ResolvingDaemon> NAME_RESOLVING_DAEMONS = List.of(
      new ResolvingDaemon("nscd", List.of("/run/nscd/socket", "/var/run/nscd/socket")),
      new ResolvingDaemon("systemd-resolved (varlink, nss-resolve)",
          List.of("/run/systemd/resolve/io.systemd.Resolve", "/var/run/systemd/resolve/io.systemd.Resolve")),
      new ResolvingDaemon("the D-Bus system bus (systemd-resolved's org.freedesktop.resolve1, resolvectl)",
          List.of("/run/dbus/system_bus_socket", "/var/run/dbus/system_bus_socket")),
      new ResolvingDaemon("avahi-daemon (mDNS, nss-mdns)", List.of("/run/avahi-daemon/socket", "/var/run/avahi-daemon/socket")));

  public EgressPolicy(
      EgressMode mode,
      Allowlist allowlist,
      boolean denyLoopback,
      List<String> denyUnix,
      NameBook names,
      ResolverEndpoints resolver,
      BiConsumer<Integer, InetSocketAddress> onDnsRedirect,
      Runnable onClose) {
    this(mode, allowlist, denyLoopback, denyUnix, List.of(), NAME_RESOLVING_DAEMONS, names, resolver, onDnsRedirect, onClose);
  }

  /**
   * {@code daemons} are the sockets block mode refuses unless {@code allowUnix} names one (by one of
   * its names or the same file): {@link #NAME_RESOLVING_DAEMONS} but in tests. Those that do not
   * exist in the agent's view when the run starts are left out.
   */
  public EgressPolicy(
      EgressMode mode,
      Allowlist allowlist,
      boolean denyLoopback,
      List<String> denyUnix,
      List<String> allowUnix,
      List<ResolvingDaemon> daemons,
      NameBook names,
      ResolverEndpoints resolver,
      BiConsumer<Integer, InetSocketAddress> onDnsRedirect,
      Runnable onClose) {
    this.mode = mode;
    this.allowlist = allowlist;
    this.denyLoopback = denyLoopback;
    this.names = names;
    this.resolver = resolver;
    this.onDnsRedirect = onDnsRedirect == null ? (pid, original) -> {} : onDnsRedirect;
    this.onClose = onClose == null ? () -> {} : onClose;
    List<DeniedSocket> denied = new ArrayList<>();
    for (String p : denyUnix) {
      denied.add(new DeniedSocket(p, names(p)));
    }
    this.deniedUnix = List.copyOf(denied);
    this.daemonSockets = daemonSockets(daemons, allowUnix);
  }

  /** The daemons' sockets that exist (one entry per file) and that no {@code allowUnix} path names. */
  private static List<DeniedSocket> daemonSockets(List<ResolvingDaemon> daemons, List<String> allowUnix) {
    Set<String> allowed = new LinkedHashSet<>();
    for (String p : allowUnix) {
      allowed.addAll(names(p));
    }
    List<DeniedSocket> out = new ArrayList<>();
    Set<String> seen = new LinkedHashSet<>();
    for (ResolvingDaemon d : daemons) {
      Set<String> paths = new LinkedHashSet<>();
      String existing = null;
      for (String p : d.paths()) {
        Set<String> n = names(p);
        paths.addAll(n);
        if (existing == null && Files.exists(Paths.get(p))) {
          existing = p;
        }
      }
      boolean lifted = paths.stream().anyMatch(allowed::contains);
      if (existing != null && !lifted && paths.stream().noneMatch(seen::contains)) {
        seen.addAll(paths);
        out.add(new DeniedSocket(existing, paths, d.daemon()));
      }
    }
    return List.copyOf(out);
  }

  /** A unix path as given (normalised) and, when it exists, its real path. */
  private static Set<String> names(String p) {
    Set<String> paths = new LinkedHashSet<>();
    paths.add(normalize(p));
    try {
      paths.add(Paths.get(p).toRealPath().toString());
    } catch (Exception e) {
      // does not exist (yet): the path as given
    }
    return paths;
  }

  /**
   * Whether {@code --allow-unix PATH} names one of {@code daemons}' sockets (by one of its names, or
   * its real path): anything else is a mistake the user should hear about, as every other unix
   * socket is allowed already.
   */
  public static boolean namesResolvingDaemon(String path, List<ResolvingDaemon> daemons) {
    Set<String> n = names(path);
    for (ResolvingDaemon d : daemons) {
      for (String p : d.paths()) {
        if (names(p).stream().anyMatch(n::contains)) {
          return true;
        }
      }
    }
    return false;
  }

  public EgressMode mode() {
    return mode;
  }

  public Allowlist allowlist() {
    return allowlist;
  }

  public NameBook names() {
    return names;
  }

  public ResolverEndpoints resolver() {
    return resolver;
  }

  @Override
  public boolean refusesIoUring() {
    return mode == EgressMode.BLOCK;
  }

  @Override
  public void close() {
    onClose.run();
  }

  @Override
  public String hostnameFor(String address) {
    InetAddress a = Addresses.parseDestination(address);
    return a == null ? null : names.hostnameFor(a);
  }

  @Override
  public Decision decide(Attempt a) {
    return decide(a, mode);
  }

  /**
   * Whether block mode would refuse this destination (for audit records: what switching to block
   * would break). DNS packets are never counted: they would be redirected.
   */
  public boolean wouldBlock(String family, String protocol, String address, Integer port) {
    boolean unix = "unix".equals(family);
    Attempt a = new Attempt(0, "connect", family, protocol, unix ? null : address, port == null ? 0 : port, unix ? address : null);
    return decide(a, EgressMode.BLOCK) instanceof Decision.Block;
  }

  private Decision decide(Attempt a, EgressMode mode) {
    String family = a.family() == null ? "" : a.family().toLowerCase(Locale.ROOT);
    switch (family) {
      case "unix":
        return decideUnix(a, mode);
      case "netlink":
        return new Decision.Allow();
      case "inet":
      case "inet6":
        return decideInet(a, family, mode);
      case "unknown":
        if ("connect".equals(a.syscall()) && "af=0".equals(a.address())) {
          return new Decision.Allow(); // AF_UNSPEC: dissolves a datagram socket's association, reaches nothing
        }
        return failClosed("unknown address family (" + a.address() + ")", mode);
      default:
        return failClosed("unknown address family '" + a.family() + "'", mode);
    }
  }

  private static Decision failClosed(String why, EgressMode mode) {
    if (mode == EgressMode.BLOCK) {
      return new Decision.Block(EACCES, why);
    }
    return new Decision.Allow();
  }

  private Decision decideUnix(Attempt a, EgressMode mode) {
    String path = a.path();
    boolean daemons = mode == EgressMode.BLOCK && !daemonSockets.isEmpty();
    if (path == null) {
      return deniedUnix.isEmpty() && !daemons ? new Decision.Allow() : failClosed("unix socket without a readable path", mode);
    }
    String n = normalize(path);
    for (DeniedSocket d : deniedUnix) {
      if (d.paths().contains(n)) {
        return new Decision.Block(EACCES, "unix socket " + path + " is denied (--deny-unix " + d.given() + ")");
      }
      if (a.socketFile() != null && d.isFile(a.socketFile())) {
        return new Decision.Block(EACCES, "unix socket " + path + " is the file of --deny-unix " + d.given()
            + " (same device and inode: a link, symlink, bind mount or relative name of it)");
      }
    }
    if (daemons) {
      for (DeniedSocket d : daemonSockets) {
        boolean byName = d.paths().contains(n);
        if (byName || a.socketFile() != null && d.isFile(a.socketFile())) {
          String alias = n.equals(normalize(d.given())) ? "" : (byName ? " (" : " (the file of ") + d.given() + ")";
          return new Decision.Block(EACCES, "unix socket " + path + alias + " is the socket of " + d.daemon()
              + ", which resolves names outside the traced tree:"
              + " block mode refuses it (--allow-unix " + d.given() + " lets the build use it)");
        }
      }
    }
    return new Decision.Allow();
  }

  /**
   * Block mode: loopback peers (the build's own clients, the host's processes) and the hosts an
   * address, block or {@code *} rule allows on the listening port; audit: anyone.
   */
  @Override
  public List<Cidr> inboundPeers(int port) {
    if (mode != EgressMode.BLOCK) {
      return null;
    }
    List<Cidr> peers = new ArrayList<>(Addresses.loopbackBlocks());
    peers.addAll(allowlist.inboundBlocks(port));
    return List.copyOf(peers);
  }

  @Override
  public boolean checksUnixSockets() {
    return !deniedUnix.isEmpty() || mode == EgressMode.BLOCK && !daemonSockets.isEmpty();
  }

  static String normalize(String path) {
    if (path.startsWith("@")) {
      return path;
    }
    String n = path.replaceAll("/+", "/");
    try {
      n = Paths.get(n).normalize().toString();
    } catch (Exception e) {
      // keep as is
    }
    return n;
  }

  private Decision decideInet(Attempt a, String family, EgressMode mode) {
    InetAddress address = Addresses.parseDestination(a.address());
    if (address == null || a.port() < 0 || a.port() > 65535) {
      return failClosed("undecodable destination '" + a.address() + "' port " + a.port(), mode);
    }
    String proto = a.protocol() == null ? "" : a.protocol().toLowerCase(Locale.ROOT);
    boolean buildsOwnServer = Addresses.isLoopback(address) && !isSystemNameserver(address);
    // a socket whose protocol the tracer could not learn ("unknown": its descriptor could not be
    // read) counts as DNS at port 53: redirected, never passed to the nameserver unfiltered
    boolean dnsProtocol = proto.equals("udp") || proto.equals("tcp") || proto.equals("unknown") || proto.isEmpty();
    if (resolver != null && isResolver(address, a.port())) {
      // the agent's resolver itself: a client that keeps its nameserver in the buffer the redirect
      // rewrote (glibc's _res, musl's nameserver list) sends its next queries straight there. It
      // is DNS, filtered by the resolver: recorded as redirected, allowed even with --deny-loopback
      if (a.pid() > 0) {
        onDnsRedirect.accept(a.pid(), null); // the nameserver it meant stays the one of its first query
      }
      return new Decision.Redirect(new InetSocketAddress(address, a.port()));
    }
    if (a.port() == 53 && resolver != null && !buildsOwnServer && dnsProtocol) {
      boolean connectionLike = "connect".equals(a.syscall()) || proto.equals("tcp");
      if (connectionLike || mode == EgressMode.BLOCK) {
        InetSocketAddress to = redirectTarget(family);
        if (to != null) {
          if (a.pid() > 0) {
            onDnsRedirect.accept(a.pid(), new InetSocketAddress(address, a.port()));
          }
          return new Decision.Redirect(to);
        }
      }
    }
    if (a.port() == 53 && resolver == null && mode == EgressMode.BLOCK && dnsProtocol) {
      // no resolver to filter names: a query would carry any name out, so DNS is closed
      return new Decision.Block(EACCES, "DNS capture is unavailable, so DNS is refused in block mode");
    }
    if (Addresses.isLoopback(address) && !denyLoopback) {
      return new Decision.Allow();
    }
    if (mode == EgressMode.AUDIT) {
      return new Decision.Allow();
    }
    if (allowed(address, a.port())) {
      return new Decision.Allow();
    }
    String name = names.hostnameFor(address);
    String who = name == null ? Addresses.format(address) + " (no DNS name seen)" : name + " (" + Addresses.format(address) + ")";
    return new Decision.Block(ECONNREFUSED, who + " port " + a.port() + " is not in the egress allowlist");
  }

  private boolean isResolver(InetAddress address, int port) {
    InetAddress a = Addresses.normalize(address);
    for (InetSocketAddress r : new InetSocketAddress[] {resolver.inet(), resolver.inet6()}) {
      if (r != null && r.getPort() == port && Addresses.normalize(r.getAddress()).equals(a)) {
        return true;
      }
    }
    return false;
  }

  private boolean isSystemNameserver(InetAddress address) {
    return resolver != null && resolver.systemNameservers().contains(Addresses.normalize(address));
  }

  /** Block mode's rule: the address itself, or a name it was answered for, is allowed on this port. */
  public boolean allowed(InetAddress address, int port) {
    if (allowlist.allowsAddress(address, port)) {
      return true;
    }
    for (String n : names.namesFor(address)) {
      if (allowlist.allowsName(n, port)) {
        return true;
      }
    }
    return false;
  }

  /** The resolver address of the attempt's own family: the sockaddr is rewritten in place. */
  private InetSocketAddress redirectTarget(String family) {
    if (family.equals("inet")) {
      return resolver.inet();
    }
    if (resolver.inet6() != null) {
      return resolver.inet6();
    }
    // No IPv6 loopback: an IPv4-mapped address reaches the IPv4 listener from a dual-stack socket.
    InetSocketAddress v4 = resolver.inet();
    if (v4 == null) {
      return null;
    }
    byte[] b = v4.getAddress().getAddress();
    byte[] mapped = new byte[16];
    mapped[10] = (byte) 0xff;
    mapped[11] = (byte) 0xff;
    System.arraycopy(b, 0, mapped, 12, 4);
    try {
      return new InetSocketAddress(Inet6Address.getByAddress(null, mapped, -1), v4.getPort());
    } catch (Exception e) {
      return null;
    }
  }
}
