package dev.plumbline.egress.dns;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.plumbline.egress.EgressMode;
import dev.plumbline.net.Addresses;
import dev.plumbline.net.Allowlist;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The resolver against a test nameserver, both on 127.0.0.1 only. */
public class CaptureResolverTest {
  TestDnsServer upstream;
  CaptureResolver resolver;
  final List<DnsObservation> seen = new CopyOnWriteArrayList<>();
  final NameBook names = new NameBook();

  @BeforeEach
  void upstream() throws Exception {
    upstream = new TestDnsServer(InetAddress.getByName("127.0.0.1"), 0);
    upstream.name("allowed.test", "127.0.0.10", "::1").name("other.test", "127.0.0.11").name("edge.test", "127.0.0.12");
    upstream.cname("www.allowed.test", "edge.test");
  }

  @AfterEach
  void close() throws Exception {
    if (resolver != null) {
      resolver.close();
    }
    upstream.close();
  }

  CaptureResolver start(EgressMode mode, String... allow) throws Exception {
    resolver =
        new CaptureResolver(
                List.of(upstream.address()), mode == EgressMode.BLOCK, Allowlist.parse(List.of(allow)), names, seen::add, null, Clock.systemUTC())
            .start();
    return resolver;
  }

  static byte[] query(int id, String name, int type) {
    return DnsEncoder.encode(
        new DnsMessage(id, DnsMessage.FLAG_RD, List.of(new DnsMessage.Question(name, type, 1)), List.of(), List.of(), List.of()));
  }

  public static DnsMessage askUdp(InetSocketAddress server, byte[] q) throws Exception {
    try (DatagramSocket s = new DatagramSocket(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0))) {
      s.setSoTimeout(10_000);
      s.connect(server);
      s.send(new DatagramPacket(q, q.length));
      byte[] buf = new byte[4096];
      DatagramPacket p = new DatagramPacket(buf, buf.length);
      s.receive(p);
      return DnsCodec.decode(java.util.Arrays.copyOf(buf, p.getLength()));
    }
  }

  static DnsMessage askTcp(InetSocketAddress server, byte[] q) throws Exception {
    try (Socket s = new Socket()) {
      s.connect(server, 10_000);
      s.setSoTimeout(10_000);
      DataOutputStream out = new DataOutputStream(s.getOutputStream());
      out.writeShort(q.length);
      out.write(q);
      out.flush();
      DataInputStream in = new DataInputStream(s.getInputStream());
      byte[] r = new byte[in.readUnsignedShort()];
      in.readFully(r);
      return DnsCodec.decode(r);
    }
  }

  @Test
  void auditForwardsRecordsAndAttributesAddresses() throws Exception {
    start(EgressMode.AUDIT);
    DnsMessage r = askUdp(resolver.inet(), query(11, "Other.Test", DnsMessage.TYPE_A));
    assertEquals(11, r.id());
    assertEquals("127.0.0.11", r.answers().get(0).value());
    assertEquals("other.test", names.hostnameFor(Addresses.parseLiteral("127.0.0.11")));
    assertEquals(1, seen.size());
    DnsObservation o = seen.get(0);
    assertEquals("Other.Test", o.name());
    assertEquals("A", o.type());
    assertEquals(List.of("127.0.0.11"), o.answers());
    assertEquals("audited", o.decision().label());
    assertEquals("NOERROR", o.rcode());
    assertEquals("udp", o.transport());
    assertTrue(upstream.asked("Other.Test"));
  }

  @Test
  void auditForwardsNamesAnAllowlistWouldRefuse() throws Exception {
    start(EgressMode.AUDIT, "allowed.test");
    DnsMessage r = askUdp(resolver.inet(), query(12, "nope.test", DnsMessage.TYPE_A));
    assertEquals(DnsMessage.RCODE_NXDOMAIN, r.rcode());
    assertTrue(upstream.asked("nope.test"), "audit changes nothing: the question went upstream");
    assertEquals("audited", seen.get(0).decision().label());
  }

  @Test
  void blockAnswersNxdomainWithoutAskingUpstream() throws Exception {
    start(EgressMode.BLOCK, "allowed.test:443");
    DnsMessage r = askUdp(resolver.inet(), query(13, "other.test", DnsMessage.TYPE_A));
    assertEquals(13, r.id());
    assertEquals(DnsMessage.RCODE_NXDOMAIN, r.rcode());
    assertTrue(r.answers().isEmpty());
    assertFalse(upstream.asked("other.test"), "a refused name never leaves the agent");
    assertEquals("blocked", seen.get(0).decision().label());
    assertEquals("NXDOMAIN", seen.get(0).rcode());
    assertEquals(null, names.hostnameFor(Addresses.parseLiteral("127.0.0.11")));

    DnsMessage ok = askUdp(resolver.inet(), query(14, "allowed.test.", DnsMessage.TYPE_AAAA));
    assertEquals(DnsMessage.RCODE_NOERROR, ok.rcode());
    assertEquals("::1", ok.answers().get(0).value());
    assertEquals("allowed", seen.get(1).decision().label());
    assertEquals("allowed.test", names.hostnameFor(Addresses.parseLiteral("::1")));
  }

  @Test
  void cnameChainAddressesBelongToTheQuestionName() throws Exception {
    start(EgressMode.BLOCK, "*.allowed.test");
    DnsMessage r = askTcp(resolver.inet(), query(15, "www.allowed.test", DnsMessage.TYPE_A));
    assertEquals(2, r.answers().size());
    assertEquals(List.of("127.0.0.12", "edge.test"), seen.get(0).answers());
    assertEquals("tcp", seen.get(0).transport());
    assertEquals("www.allowed.test", names.hostnameFor(Addresses.parseLiteral("127.0.0.12")));
    assertEquals(List.of("tcp www.allowed.test A"), upstream.log());
  }

  @Test
  void blockRefusesMultiQuestionAndNonQueryOpcodes() throws Exception {
    start(EgressMode.BLOCK, "allowed.test");
    byte[] two =
        DnsEncoder.encode(
            new DnsMessage(
                16, 0, List.of(new DnsMessage.Question("allowed.test", 1, 1), new DnsMessage.Question("other.test", 1, 1)),
                List.of(), List.of(), List.of()));
    assertEquals(DnsMessage.RCODE_REFUSED, askUdp(resolver.inet(), two).rcode());
    byte[] update =
        DnsEncoder.encode(
            new DnsMessage(17, 5 << 11, List.of(new DnsMessage.Question("allowed.test", 6, 1)), List.of(), List.of(), List.of()));
    assertEquals(DnsMessage.RCODE_REFUSED, askUdp(resolver.inet(), update).rcode());
    assertTrue(upstream.log().isEmpty());
  }

  @Test
  void malformedQueryGetsFormerrAndIsNotForwarded() throws Exception {
    start(EgressMode.AUDIT);
    byte[] bad = java.util.HexFormat.of().parseHex("abcd01000001000000000000c00c");
    DnsMessage r = askUdp(resolver.inet(), bad);
    assertEquals(0xabcd, r.id());
    assertEquals(DnsMessage.RCODE_FORMERR, r.rcode());
    assertTrue(upstream.log().isEmpty());
    assertEquals("(malformed)", seen.get(0).name());
  }

  @Test
  void deadUpstreamIsServfail() throws Exception {
    InetSocketAddress dead;
    try (DatagramSocket d = new DatagramSocket(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0))) {
      dead = (InetSocketAddress) d.getLocalSocketAddress();
    }
    resolver =
        new CaptureResolver(List.of(dead), false, Allowlist.empty(), names, seen::add, null, Clock.systemUTC()).start();
    DnsMessage r = askUdp(resolver.inet(), query(18, "x.test", 1));
    assertEquals(DnsMessage.RCODE_SERVFAIL, r.rcode());
    assertEquals("SERVFAIL", seen.get(0).rcode());
  }

  @Test
  void auditAsksTheNameserverTheProcessMeantAndBlockAsksTheSystemOnes() throws Exception {
    try (TestDnsServer own = new TestDnsServer(InetAddress.getByName("127.0.0.1"), 0)) {
      own.name("other.test", "127.0.0.99");
      int self = (int) ProcessHandle.current().pid();
      for (EgressMode mode : EgressMode.values()) {
        SocketOwners owners = new SocketOwners(java.nio.file.Paths.get("/proc"));
        owners.noteRedirect(self, own.address()); // as the gate does when it redirects this process's DNS
        try (CaptureResolver r =
            new CaptureResolver(List.of(upstream.address()), mode == EgressMode.BLOCK, Allowlist.parse(List.of("other.test")), names, seen::add, owners, Clock.systemUTC())
                .start()) {
          DnsMessage m = askUdp(r.inet(), query(20, "other.test", DnsMessage.TYPE_A));
          String expected = mode == EgressMode.AUDIT ? "127.0.0.99" : "127.0.0.11";
          assertEquals(expected, m.answers().get(0).value(), mode.label());
        }
      }
      assertEquals(List.of("udp other.test A"), own.log(), "audit asked the build's own nameserver");
      assertEquals(List.of("udp other.test A"), upstream.log(), "block asked the system nameserver");
      assertEquals(self, seen.get(0).pid(), "the asking process is found from its socket");
    }
  }

  @Test
  void aQueryFloodIsDroppedBeyondTheWorkerBoundNotGivenThreads() throws Exception {
    try (DatagramSocket silent = new DatagramSocket(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0));
        DatagramSocket client = new DatagramSocket(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0))) {
      resolver =
          new CaptureResolver(
                  List.of((InetSocketAddress) silent.getLocalSocketAddress()), false, Allowlist.empty(), names, seen::add, null,
                  Clock.systemUTC())
              .start();
      // the upstream never answers, so every forwarded query holds its worker for seconds
      for (int i = 0; i < 200; i++) {
        byte[] q = query(i, "flood" + i + ".test", 1);
        client.send(new DatagramPacket(q, q.length, resolver.inet()));
      }
      silent.setSoTimeout(10_000);
      silent.receive(new DatagramPacket(new byte[512], 512)); // forwarding has begun
      long deadline = System.nanoTime() + 10_000_000_000L;
      while (resolver.dropped() == 0 && System.nanoTime() < deadline) {
        Thread.sleep(20);
      }
      assertTrue(resolver.dropped() > 0, "queries beyond the bound are dropped");
      long workers = Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().startsWith("plumbline-dns-")).count();
      assertTrue(workers <= 64 + 4, "threads stay bounded: " + workers);
    }
  }

  @Test
  void listensOnIpv6LoopbackWhenItExists() throws Exception {
    start(EgressMode.AUDIT);
    assertNotNull(resolver.inet());
    if (resolver.inet6() != null) {
      assertEquals(resolver.inet().getPort(), resolver.inet6().getPort());
      try (DatagramSocket s = new DatagramSocket(new InetSocketAddress(InetAddress.getByName("::1"), 0))) {
        s.setSoTimeout(10_000);
        byte[] q = query(19, "allowed.test", 1);
        s.send(new DatagramPacket(q, q.length, resolver.inet6()));
        byte[] buf = new byte[512];
        DatagramPacket p = new DatagramPacket(buf, buf.length);
        s.receive(p);
        assertEquals("127.0.0.10", DnsCodec.decode(java.util.Arrays.copyOf(buf, p.getLength())).answers().get(0).value());
      }
    }
  }
}
