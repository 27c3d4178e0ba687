package dev.plumbline.trace.ptrace;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.plumbline.egress.EgressMode;
import dev.plumbline.egress.EgressPolicy;
import dev.plumbline.egress.dns.NameBook;
import dev.plumbline.net.Allowlist;
import dev.plumbline.trace.TraceEvent;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Inbound connections as a way out (inbound.c, for real): the build listens on 0.0.0.0 and [::],
 * and a host from outside connects in and reads what the build writes on the accepted socket with
 * a plain write(2), which names no destination. In a network namespace the test creates, the
 * build's listeners are on 198.51.100.1; the peers run outside the traced tree from 198.51.100.2
 * (not allowed), 198.51.100.3 (allowed by an address rule) and loopback. Block mode: only
 * loopback and allowed peers get the data; audit mode: everyone does, and the record lists the
 * listeners and the peers from outside the host.
 */
@Tag("needs-ptrace")
@Tag("needs-root")
@Tag("needs-network-namespace")
class InboundConnectionsTest {
  static final int PORT = 7100;
  static Path bin;
  static String netns;

  @BeforeAll
  static void namespace() throws Exception {
    bin = Fixtures.bin();
    String name = "plumbline-inbound-" + HexFormat.of().formatHex(new SecureRandom().generateSeed(4));
    assertEquals(0, ForeignSocketsTest.run("ip", "netns", "add", name), "ip netns add (needs root)");
    netns = name;
    assertEquals(0, ForeignSocketsTest.run("ip", "-n", name, "link", "set", "lo", "up"));
    for (String a : List.of("198.51.100.1/24", "198.51.100.2/24", "198.51.100.3/24")) {
      assertEquals(0, ForeignSocketsTest.run("ip", "-n", name, "addr", "add", a, "dev", "lo"));
    }
  }

  @AfterAll
  static void cleanUp() throws Exception {
    if (netns != null) {
      ForeignSocketsTest.run("ip", "netns", "del", netns);
    }
  }

  /** A peer outside the traced tree: what it read ("got secret") or its error. */
  static String peer(String from, String to, int port, String... udp) throws Exception {
    List<String> argv = new java.util.ArrayList<>(List.of("ip", "netns", "exec", netns, bin + "/inbound", "peer", from, to, "" + port));
    argv.addAll(List.of(udp));
    Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
    assertTrue(p.waitFor(30, TimeUnit.SECONDS));
    return out;
  }

  record Served(List<String> out, Traces trace, String fromOutside, String fromOutside6, String loopback,
      String loopback6, String allowed, String udp) {
    List<TraceEvent.Network> net(String syscall) {
      return trace.of(TraceEvent.Network.class).stream().filter(n -> n.syscall().startsWith(syscall)).toList();
    }
  }

  static Served serve(Path work, EgressMode mode) throws Exception {
    EgressPolicy gate = new EgressPolicy(mode, Allowlist.parse(List.of("198.51.100.3")), false, List.of(), new NameBook(),
        null, null, null);
    CompletableFuture<Traces> build = CompletableFuture.supplyAsync(() -> {
      try {
        return Traces.run(work, Duration.ofSeconds(5), gate, mode == EgressMode.BLOCK, "/bin/sh", "-c",
            "exec nsenter --net=/run/netns/" + netns + " \"$0\" server " + PORT + " 8000 > out.txt", bin + "/inbound");
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    });
    Path out = work.resolve("out.txt");
    for (int i = 0; i < 400 && !(Files.exists(out) && Files.readString(out).contains("listening")); i++) {
      Thread.sleep(50);
    }
    assertTrue(Files.readString(out).contains("listening"), "the traced server listens: " + Files.readString(out));
    String outside = peer("198.51.100.2", "198.51.100.1", PORT);
    String outside6 = peer("198.51.100.2", "198.51.100.1", PORT + 1); // IPv4 into the dual-stack [::] listener
    String loopback = peer("127.0.0.1", "127.0.0.1", PORT);
    String loopback6 = peer("::1", "::1", PORT + 1);
    String allowed = peer("198.51.100.3", "198.51.100.1", PORT);
    String udp = peer("198.51.100.2", "198.51.100.1", PORT, "udp");
    Traces t = build.get(120, TimeUnit.SECONDS);
    assertEquals(0, t.result.exitCode());
    return new Served(Files.readAllLines(out), t, outside, outside6, loopback, loopback6, allowed, udp);
  }

  @Test
  void blockModeLetsOnlyLoopbackAndAllowedPeersConnectIn(@TempDir Path work) throws Exception {
    Served s = serve(work, EgressMode.BLOCK);
    assertFalse(s.fromOutside().startsWith("got"), "a peer that is not allowed read nothing: " + s.fromOutside());
    assertFalse(s.fromOutside6().startsWith("got"), "nor through the dual-stack listener: " + s.fromOutside6());
    assertFalse(s.udp().startsWith("got"), "nor a UDP reply: " + s.udp());
    assertEquals("got secret", s.loopback(), "a test server on 0.0.0.0 still serves loopback clients");
    assertEquals("got secret", s.loopback6());
    assertEquals("got secret", s.allowed(), "an address rule allows that host in");
    assertTrue(s.out().stream().noneMatch(l -> l.contains("198.51.100.2")), "never accepted: " + s.out());
    assertTrue(s.out().contains("udp-reply err=111"), "the UDP reply is a connect to the peer, judged: " + s.out());
    List<TraceEvent.Network> listens = s.net("listen");
    assertTrue(listens.stream().anyMatch(n -> "0.0.0.0".equals(n.address()) && n.port() == PORT
        && n.decision().label().equals("allowed")), "the listener is recorded: " + listens);
    assertTrue(listens.stream().anyMatch(n -> "::".equals(n.address()) && n.port() == PORT + 1), listens.toString());
    List<TraceEvent.Network> accepted = s.net("accept");
    assertEquals(List.of("198.51.100.3"), accepted.stream().map(TraceEvent.Network::address).toList(),
        "the peer from outside the host is recorded, loopback peers are not: " + accepted);
  }

  @Test
  void auditModeLetsEveryoneInAndRecordsListenersAndPeersFromOutside(@TempDir Path work) throws Exception {
    Served s = serve(work, EgressMode.AUDIT);
    assertEquals("got secret", s.fromOutside());
    assertEquals("got secret", s.fromOutside6());
    assertEquals("got udp-secret", s.udp());
    assertEquals("got secret", s.loopback());
    List<TraceEvent.Network> listens = s.net("listen");
    assertTrue(listens.stream().anyMatch(n -> "0.0.0.0".equals(n.address()) && n.port() == PORT
        && n.decision().label().equals("audited")), "the listener is recorded: " + listens);
    List<String> peers = s.net("accept").stream().map(TraceEvent.Network::address).sorted().toList();
    assertEquals(List.of("198.51.100.2", "198.51.100.3", "::ffff:198.51.100.2"), peers, "peers from outside the host");
  }
}
