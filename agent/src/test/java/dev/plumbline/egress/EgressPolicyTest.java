package dev.plumbline.egress;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.plumbline.egress.dns.NameBook;
import dev.plumbline.net.Addresses;
import dev.plumbline.net.Allowlist;
import dev.plumbline.net.AllowlistTest;
import dev.plumbline.trace.EgressGate;
import dev.plumbline.trace.EgressGate.Attempt;
import dev.plumbline.trace.EgressGate.Decision;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EgressPolicyTest {
  final NameBook names = new NameBook();
  final List<Integer> redirected = new ArrayList<>();
  static final InetSocketAddress RESOLVER4 = new InetSocketAddress(AllowlistTest.ip("127.0.0.1"), 40053);
  static final InetSocketAddress RESOLVER6 = new InetSocketAddress(AllowlistTest.ip("::1"), 40053);

  EgressPolicy policy(EgressMode mode, boolean denyLoopback, List<String> denyUnix, String... allow) throws Exception {
    return policy(mode, denyLoopback, denyUnix, List.of(), List.of(), allow);
  }

  /** With these daemon sockets ({@code NAME_RESOLVING_DAEMONS} would depend on the host's). */
  EgressPolicy policy(EgressMode mode, boolean denyLoopback, List<String> denyUnix, List<String> allowUnix,
      List<EgressPolicy.ResolvingDaemon> daemons, String... allow) throws Exception {
    return new EgressPolicy(
        mode,
        Allowlist.parse(List.of(allow)),
        denyLoopback,
        denyUnix,
        allowUnix,
        daemons,
        names,
        new EgressPolicy.ResolverEndpoints(
            RESOLVER4, RESOLVER6, java.util.Set.of(AllowlistTest.ip("127.0.0.53"), AllowlistTest.ip("::1"))),
        (pid, original) -> redirected.add(pid),
        null);
  }

  static Attempt tcp(String syscall, String address, int port) {
    return new Attempt(100, syscall, address.contains(":") ? "inet6" : "inet", "tcp", address, port, null);
  }

  static Attempt udp(String syscall, String address, int port) {
    return new Attempt(101, syscall, address.contains(":") ? "inet6" : "inet", "udp", address, port, null);
  }

  static Attempt unix(String path) {
    return new Attempt(102, "connect", "unix", "unix-stream", null, 0, path);
  }

  @Test
  void auditAllowsEverythingButStillRedirectsDns() throws Exception {
    EgressPolicy p = policy(EgressMode.AUDIT, false, List.of());
    assertInstanceOf(Decision.Allow.class, p.decide(tcp("connect", "192.0.2.1", 443)));
    assertInstanceOf(Decision.Allow.class, p.decide(new Attempt(1, "sendto", "packet", "raw", null, 0, null)));
    Decision d = p.decide(udp("connect", "10.255.255.53", 53));
    assertEquals(new Decision.Redirect(RESOLVER4), d);
    assertEquals(List.of(101), redirected);
    assertFalse(p.refusesIoUring());
  }

  @Test
  void auditLeavesUnconnectedUdpDnsAloneBecauseItsReplySourceIsChecked() throws Exception {
    EgressPolicy p = policy(EgressMode.AUDIT, false, List.of());
    assertInstanceOf(Decision.Allow.class, p.decide(udp("sendto", "127.0.0.53", 53)));
    assertInstanceOf(Decision.Allow.class, p.decide(udp("sendmmsg", "127.0.0.53", 53)));
    assertEquals(new Decision.Redirect(RESOLVER4), p.decide(tcp("sendto", "127.0.0.53", 53)), "TCP Fast Open to :53");
  }

  @Test
  void blockRedirectsEveryDnsPacketWhateverTheResolverAndFamily() throws Exception {
    EgressPolicy p = policy(EgressMode.BLOCK, false, List.of());
    assertEquals(new Decision.Redirect(RESOLVER4), p.decide(udp("sendto", "192.0.2.53", 53)));
    assertEquals(new Decision.Redirect(RESOLVER4), p.decide(udp("sendmsg", "127.0.0.53", 53)));
    assertEquals(new Decision.Redirect(RESOLVER6), p.decide(udp("connect", "2001:db8::53", 53)));
    assertEquals(new Decision.Redirect(RESOLVER4), p.decide(tcp("connect", "8.8.8.8", 53)));
    assertTrue(p.refusesIoUring());
  }

  @Test
  void aQueryStraightToTheAgentsResolverIsDnsEvenWithDenyLoopback() throws Exception {
    // glibc and musl keep the nameserver in the buffer a first redirect rewrote
    for (EgressMode mode : EgressMode.values()) {
      EgressPolicy p = policy(mode, true, List.of());
      assertEquals(new Decision.Redirect(RESOLVER4), p.decide(udp("sendto", "127.0.0.1", RESOLVER4.getPort())), mode.name());
      assertEquals(new Decision.Redirect(RESOLVER4), p.decide(udp("connect", "127.0.0.1", RESOLVER4.getPort())), mode.name());
    }
    EgressPolicy block = policy(EgressMode.BLOCK, true, List.of());
    assertInstanceOf(Decision.Block.class, block.decide(udp("sendto", "127.0.0.1", RESOLVER4.getPort() + 1)), "another loopback port");
  }

  @Test
  void dnsFromASocketWhoseProtocolIsUnknownIsStillRedirected() throws Exception {
    // the tracer could not read the descriptor (a thread it could not reach): never pass it on
    Attempt unknown = new Attempt(1, "connect", "inet", "unknown", "192.0.2.53", 53, null);
    assertEquals(new Decision.Redirect(RESOLVER4), policy(EgressMode.BLOCK, false, List.of()).decide(unknown));
    assertEquals(new Decision.Redirect(RESOLVER4), policy(EgressMode.AUDIT, false, List.of()).decide(unknown));
    Attempt sent = new Attempt(1, "sendto", "inet", "unknown", "127.0.0.53", 53, null);
    assertEquals(new Decision.Redirect(RESOLVER4), policy(EgressMode.BLOCK, false, List.of()).decide(sent));
    EgressPolicy noResolver =
        new EgressPolicy(EgressMode.BLOCK, Allowlist.empty(), false, List.of(), names, null, null, null);
    assertInstanceOf(Decision.Block.class, noResolver.decide(unknown), "without a resolver: refused");
  }

  @Test
  void ipv6DnsWithoutIpv6LoopbackGoesToTheMappedIpv4Resolver() throws Exception {
    EgressPolicy p =
        new EgressPolicy(
            EgressMode.BLOCK, Allowlist.empty(), false, List.of(), names, new EgressPolicy.ResolverEndpoints(RESOLVER4, null), null, null);
    Decision.Redirect r = (Decision.Redirect) p.decide(udp("connect", "2001:db8::53", 53));
    assertInstanceOf(Inet6Address.class, r.to().getAddress(), "the sockaddr keeps its family");
    assertEquals(16, r.to().getAddress().getAddress().length);
    assertEquals("127.0.0.1", Addresses.format(r.to().getAddress()));
    assertEquals(40053, r.to().getPort());
  }

  @Test
  void blockAllowsAddressesAnsweredForAllowedNamesOnAllowedPorts() throws Exception {
    EgressPolicy p = policy(EgressMode.BLOCK, false, List.of(), "good.example:443", "*.cdn.example");
    names.add("good.example", AllowlistTest.ip("192.0.2.10"));
    names.add("a.cdn.example", AllowlistTest.ip("2001:db8::10"));
    names.add("evil.example", AllowlistTest.ip("192.0.2.66"));
    assertInstanceOf(Decision.Allow.class, p.decide(tcp("connect", "192.0.2.10", 443)));
    assertInstanceOf(Decision.Allow.class, p.decide(tcp("connect", "::ffff:192.0.2.10", 443)), "mapped IPv6");
    Decision.Block wrongPort = (Decision.Block) p.decide(tcp("connect", "192.0.2.10", 80));
    assertEquals(EgressPolicy.ECONNREFUSED, wrongPort.errno());
    assertTrue(wrongPort.reason().contains("good.example (192.0.2.10) port 80"), wrongPort.reason());
    assertInstanceOf(Decision.Allow.class, p.decide(udp("sendto", "2001:db8::10", 4433)));
    Decision.Block evil = (Decision.Block) p.decide(tcp("connect", "192.0.2.66", 443));
    assertTrue(evil.reason().startsWith("evil.example"), evil.reason());
    Decision.Block raw = (Decision.Block) p.decide(tcp("sendto", "198.51.100.1", 443));
    assertTrue(raw.reason().contains("no DNS name seen"), raw.reason());
  }

  @Test
  void addressesAndBlocksAllowedDirectly() throws Exception {
    EgressPolicy p = policy(EgressMode.BLOCK, false, List.of(), "198.51.100.0/24:22", "[2001:db8::1]:443");
    assertInstanceOf(Decision.Allow.class, p.decide(tcp("connect", "198.51.100.200", 22)));
    assertInstanceOf(Decision.Block.class, p.decide(tcp("connect", "198.51.100.200", 23)));
    assertInstanceOf(Decision.Allow.class, p.decide(tcp("connect", "2001:db8::1", 443)));
    assertInstanceOf(Decision.Block.class, p.decide(tcp("connect", "2001:db8::2", 443)));
    EgressPolicy linkLocal = policy(EgressMode.BLOCK, false, List.of(), "[fe80::/10]:22");
    assertInstanceOf(Decision.Allow.class, linkLocal.decide(tcp("connect", "fe80::1%2", 22)), "scope id ignored");
    assertEquals(EgressPolicy.ECONNREFUSED, ((Decision.Block) linkLocal.decide(tcp("connect", "fe80::1%2", 23))).errno());
  }

  @Test
  void loopbackIsAllowedUnlessDenied() throws Exception {
    EgressPolicy open = policy(EgressMode.BLOCK, false, List.of());
    assertInstanceOf(Decision.Allow.class, open.decide(tcp("connect", "127.0.0.1", 8080)));
    assertInstanceOf(Decision.Allow.class, open.decide(tcp("connect", "::1", 8080)));
    assertInstanceOf(Decision.Allow.class, open.decide(tcp("connect", "0.0.0.0", 8080)));
    EgressPolicy closed = policy(EgressMode.BLOCK, true, List.of(), "127.0.0.1:8080");
    assertInstanceOf(Decision.Allow.class, closed.decide(tcp("connect", "127.0.0.1", 8080)));
    assertInstanceOf(Decision.Block.class, closed.decide(tcp("connect", "127.0.0.1", 8081)));
    assertInstanceOf(Decision.Block.class, closed.decide(tcp("connect", "::1", 8080)));
    assertInstanceOf(Decision.Block.class, closed.decide(tcp("connect", "::ffff:127.0.0.2", 8080)));
    assertEquals(new Decision.Redirect(RESOLVER4), closed.decide(udp("connect", "127.0.0.53", 53)), "DNS still captured");
  }

  @Test
  void withoutAResolverBlockModeRefusesDnsAndAuditLetsItThrough() throws Exception {
    EgressPolicy block = new EgressPolicy(EgressMode.BLOCK, Allowlist.parse(List.of("*")), false, List.of(), names, null, null, null);
    assertEquals(EgressPolicy.EACCES, ((Decision.Block) block.decide(udp("connect", "127.0.0.53", 53))).errno());
    assertInstanceOf(Decision.Block.class, block.decide(tcp("connect", "192.0.2.53", 53)));
    assertInstanceOf(Decision.Allow.class, block.decide(tcp("connect", "192.0.2.53", 443)));
    EgressPolicy audit = new EgressPolicy(EgressMode.AUDIT, Allowlist.empty(), false, List.of(), names, null, null, null);
    assertInstanceOf(Decision.Allow.class, audit.decide(udp("connect", "127.0.0.53", 53)));
  }

  @Test
  void aDnsServerTheBuildRunsOnLoopbackIsLeftAlone() throws Exception {
    EgressPolicy p = policy(EgressMode.BLOCK, false, List.of());
    assertInstanceOf(Decision.Allow.class, p.decide(udp("connect", "127.0.0.1", 53)), "not the system resolver");
    assertInstanceOf(Decision.Allow.class, p.decide(tcp("connect", "::ffff:127.0.0.9", 53)));
    assertEquals(new Decision.Redirect(RESOLVER6), p.decide(udp("connect", "::1", 53)), "::1 is a system nameserver here");
    EgressPolicy strict = policy(EgressMode.BLOCK, true, List.of());
    assertInstanceOf(Decision.Block.class, strict.decide(udp("connect", "127.0.0.1", 53)), "with --deny-loopback it is judged");
  }

  @Test
  void failsClosedOnUndecodableOrUnknownDestinationsInBlockMode() throws Exception {
    EgressPolicy p = policy(EgressMode.BLOCK, false, List.of(), "*");
    for (Attempt a :
        List.of(
            new Attempt(1, "connect", "inet", "tcp", null, 443, null),
            new Attempt(1, "connect", "inet", "tcp", "not-an-address", 443, null),
            new Attempt(1, "connect", "inet6", "tcp", "::1", 70000, null),
            new Attempt(1, "sendto", "packet", "raw", null, 0, null),
            new Attempt(1, "connect", null, null, null, 0, null),
            new Attempt(1, "connect", "unknown(42)", null, null, 0, null))) {
      Decision d = p.decide(a);
      assertInstanceOf(Decision.Block.class, d, a.toString());
      assertEquals(EgressPolicy.EACCES, ((Decision.Block) d).errno());
    }
    assertInstanceOf(Decision.Allow.class, p.decide(new Attempt(1, "sendto", "netlink", null, null, 0, null)));
    assertInstanceOf(Decision.Allow.class, p.decide(new Attempt(1, "connect", "unknown", "udp", "af=0", 0, null)), "AF_UNSPEC");
    assertInstanceOf(Decision.Block.class, p.decide(new Attempt(1, "sendto", "unknown", "udp", "af=0", 0, null)));
    assertInstanceOf(Decision.Block.class, p.decide(new Attempt(1, "connect", "unknown", "raw", "af=17", 0, null)));
  }

  @Test
  void denyUnixRefusesInBothModesIncludingThroughSymlinks(@TempDir Path dir) throws Exception {
    Path real = Files.createDirectories(dir.resolve("run"));
    Files.createFile(real.resolve("docker.sock"));
    Path link = Files.createSymbolicLink(dir.resolve("var-run"), real);
    String given = link.resolve("docker.sock").toString();
    for (EgressMode mode : EgressMode.values()) {
      EgressPolicy p = policy(mode, false, List.of(given));
      Decision.Block b = (Decision.Block) p.decide(unix(given));
      assertEquals(EgressPolicy.EACCES, b.errno());
      assertInstanceOf(Decision.Block.class, p.decide(unix(real.resolve("docker.sock").toString())), "real path");
      assertInstanceOf(Decision.Block.class, p.decide(unix(dir + "//var-run/./docker.sock")), "unnormalised path");
      assertInstanceOf(Decision.Allow.class, p.decide(unix(real.resolve("other.sock").toString())));
      assertInstanceOf(Decision.Allow.class, p.decide(unix("@abstract")));
    }
    assertInstanceOf(Decision.Allow.class, policy(EgressMode.BLOCK, false, List.of()).decide(unix("/run/docker.sock")));
  }

  @Test
  void denyUnixJudgesTheFileTheTracerResolvedByDeviceAndInode(@TempDir Path dir) throws Exception {
    Path sock = Files.createFile(dir.resolve("docker.sock"));
    Path hard = Files.createLink(dir.resolve("other-name"), sock);
    Path elsewhere = Files.createFile(dir.resolve("elsewhere.sock"));
    EgressPolicy p = policy(EgressMode.AUDIT, false, List.of(sock.toString()));
    assertTrue(p.checksUnixSockets(), "with --deny-unix the tracer resolves unix paths to files");
    assertFalse(policy(EgressMode.BLOCK, false, List.of()).checksUnixSockets(), "without, it does not");
    Decision.Block b = (Decision.Block) p.decide(unixFile(hard.toString(), hard));
    assertEquals(EgressPolicy.EACCES, b.errno());
    assertTrue(b.reason().contains("same device and inode"), b.reason());
    assertInstanceOf(Decision.Allow.class, p.decide(unixFile(elsewhere.toString(), elsewhere)));
    // the name alone still refuses (a path the tracer could not resolve)
    assertInstanceOf(Decision.Block.class, p.decide(unix(sock.toString())));
    // a socket re-created by its daemon is a new inode: looked up at each decision
    Files.delete(hard);
    Files.delete(sock);
    Path recreated = Files.createFile(sock);
    Path again = Files.createLink(dir.resolve("again"), recreated);
    assertInstanceOf(Decision.Block.class, p.decide(unixFile(again.toString(), again)));
  }

  static Attempt unixFile(String path, Path file) throws Exception {
    long dev = ((Number) Files.getAttribute(file, "unix:dev")).longValue();
    long ino = ((Number) Files.getAttribute(file, "unix:ino")).longValue();
    return new Attempt(102, "connect", "unix", "unix-stream", null, 0, path, new EgressGate.SocketFile(dev, ino));
  }

  @Test
  void wouldBlockJudgesAuditedDestinationsByBlockModeRules() throws Exception {
    EgressPolicy p = policy(EgressMode.AUDIT, true, List.of("/run/docker.sock"), "good.example:443", "198.51.100.0/24");
    names.add("good.example", AllowlistTest.ip("192.0.2.10"));
    assertInstanceOf(Decision.Allow.class, p.decide(tcp("connect", "192.0.2.11", 443)), "audit lets it through");
    assertTrue(p.wouldBlock("inet", "tcp", "192.0.2.11", 443));
    assertFalse(p.wouldBlock("inet", "tcp", "192.0.2.10", 443));
    assertTrue(p.wouldBlock("inet", "tcp", "192.0.2.10", 80));
    assertFalse(p.wouldBlock("inet", "udp", "198.51.100.7", 9));
    assertTrue(p.wouldBlock("inet6", "tcp", "::1", 8080), "--deny-loopback");
    assertFalse(p.wouldBlock("inet", "udp", "192.0.2.53", 53), "DNS would be redirected, not refused");
    assertFalse(p.wouldBlock("unix", "unix-stream", "/run/other.sock", null));
    assertTrue(p.wouldBlock("unix", "unix-stream", "/run/docker.sock", null));
    assertTrue(p.wouldBlock("packet", "raw", null, null));
    assertEquals(List.of(), redirected, "judging a record does not pretend a process asked for DNS");
  }

  @Test
  void hostnameForComesFromTheNameBook() throws Exception {
    EgressPolicy p = policy(EgressMode.AUDIT, false, List.of());
    names.add("B.example.", InetAddress.getByName("192.0.2.5"));
    names.add("a.example", InetAddress.getByName("192.0.2.5"));
    assertEquals("a.example", p.hostnameFor("192.0.2.5"));
    assertEquals("a.example", p.hostnameFor("::ffff:192.0.2.5"));
    assertEquals(List.of("a.example", "b.example"), List.copyOf(names.namesFor(InetAddress.getByName("192.0.2.5"))));
    assertNull(p.hostnameFor("192.0.2.6"));
    assertNull(p.hostnameFor(null));
  }

  @Test
  void blockModeRefusesTheResolvingDaemonsThatExistUnlessAllowUnixNamesOne(@TempDir Path dir) throws Exception {
    Path run = Files.createDirectories(dir.resolve("run/nscd"));
    Path nscd = Files.createFile(run.resolve("socket"));
    Files.createSymbolicLink(dir.resolve("var-run"), dir.resolve("run"));
    String twin = dir.resolve("var-run/nscd/socket").toString(); // /var/run/nscd/socket beside /run's
    Path hard = Files.createLink(dir.resolve("hard"), nscd);
    List<EgressPolicy.ResolvingDaemon> daemons = List.of(
        new EgressPolicy.ResolvingDaemon("nscd", List.of(nscd.toString(), twin)),
        new EgressPolicy.ResolvingDaemon("absent", List.of(dir.resolve("run/absent/socket").toString())));

    EgressPolicy block = policy(EgressMode.BLOCK, false, List.of(), List.of(), daemons);
    assertTrue(block.checksUnixSockets(), "the tracer resolves unix paths to files when a daemon socket exists");
    Decision.Block b = (Decision.Block) block.decide(unix(nscd.toString()));
    assertEquals(EgressPolicy.EACCES, b.errno());
    assertTrue(b.reason().contains("the socket of nscd") && b.reason().contains("--allow-unix " + nscd), b.reason());
    assertInstanceOf(Decision.Block.class, block.decide(unix(twin)));
    b = (Decision.Block) block.decide(unixFile(hard.toString(), hard));
    assertTrue(b.reason().contains("the file of " + nscd), b.reason());
    assertInstanceOf(Decision.Allow.class, block.decide(unix(dir.resolve("run/absent/socket").toString())), "not there: not listed");
    assertInstanceOf(Decision.Allow.class, block.decide(unix("/run/docker.sock")));
    assertInstanceOf(Decision.Block.class, block.decide(unix(null)), "fail closed when a path cannot be read");
    assertFalse(policy(EgressMode.BLOCK, false, List.of(), List.of(), daemons.subList(1, 2)).checksUnixSockets(),
        "no daemon socket exists: unix calls run as before");

    EgressPolicy audit = policy(EgressMode.AUDIT, false, List.of(), List.of(), daemons);
    assertInstanceOf(Decision.Allow.class, audit.decide(unix(nscd.toString())));
    assertFalse(audit.checksUnixSockets(), "audit mode judges them only for wouldBlock, by name");
    assertTrue(audit.wouldBlock("unix", "unix-stream", twin, null));
    assertFalse(audit.wouldBlock("unix", "unix-stream", "/run/docker.sock", null));

    // --allow-unix by either name lifts the socket under every name
    EgressPolicy lifted = policy(EgressMode.BLOCK, false, List.of(), List.of(twin), daemons);
    assertInstanceOf(Decision.Allow.class, lifted.decide(unix(nscd.toString())));
    assertInstanceOf(Decision.Allow.class, lifted.decide(unixFile(hard.toString(), hard)));
    assertFalse(lifted.checksUnixSockets());
    assertFalse(policy(EgressMode.AUDIT, false, List.of(), List.of(twin), daemons).wouldBlock("unix", "unix-stream", twin, null));
    // an explicit --deny-unix wins over --allow-unix
    assertInstanceOf(Decision.Block.class,
        policy(EgressMode.BLOCK, false, List.of(nscd.toString()), List.of(twin), daemons).decide(unix(nscd.toString())));

    assertTrue(EgressPolicy.namesResolvingDaemon(twin, daemons));
    assertTrue(EgressPolicy.namesResolvingDaemon("/var/run/dbus/system_bus_socket", EgressPolicy.NAME_RESOLVING_DAEMONS));
    assertFalse(EgressPolicy.namesResolvingDaemon("/var/run/docker.sock", EgressPolicy.NAME_RESOLVING_DAEMONS));
  }
}
