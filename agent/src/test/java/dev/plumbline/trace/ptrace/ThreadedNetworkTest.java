package dev.plumbline.trace.ptrace;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.plumbline.trace.EgressGate;
import dev.plumbline.trace.TraceEvent;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Network calls from threads that are not their group's leader (curl's, node's, Go's resolvers,
 * every JVM thread): pidfd_open refuses such a tid, so the tracer must reach the socket through
 * the thread (PIDFD_THREAD, kernel 6.9+) or its group leader (older kernels; forced here with
 * plumbline.noPidfdThread). Before this, the socket's protocol stayed unknown (DNS not
 * redirected) and the post-connect peer check did nothing.
 */
@Tag("needs-ptrace")
class ThreadedNetworkTest {
  static Path bin;

  @BeforeAll
  static void compile() throws Exception {
    bin = Fixtures.bin();
  }

  @Test
  void aSocketOfAWorkerThreadIsClassifiedAndItsDnsRedirected(@TempDir Path work) throws Exception {
    for (boolean fallback : new boolean[] {false, true}) {
      System.setProperty("plumbline.noPidfdThread", Boolean.toString(fallback));
      try (DatagramChannel resolver = DatagramChannel.open()) {
        resolver.bind(new InetSocketAddress("127.0.0.1", 0));
        InetSocketAddress to = (InetSocketAddress) resolver.getLocalAddress();
        // the gate redirects DNS only when it knows the protocol, as the egress policy does for udp/tcp
        EgressGate gate = a -> a.port() == 53 && "udp".equals(a.protocol())
            ? new EgressGate.Decision.Redirect(to) : new EgressGate.Decision.Allow();
        Traces t = Traces.run(work, Duration.ofSeconds(5), gate, bin + "/threaddial", "udp", "127.0.0.53", "53");
        String mode = fallback ? "through the group leader" : "through PIDFD_THREAD or the leader";
        assertEquals(0, t.result.exitCode(), mode);
        TraceEvent.Network n = t.of(TraceEvent.Network.class).get(0);
        assertEquals("udp", n.protocol(), mode);
        assertEquals("redirected", String.valueOf(n.decision()), mode);
        resolver.configureBlocking(false);
        ByteBuffer buf = ByteBuffer.allocate(64);
        assertTrue(resolver.receive(buf) != null, "the worker's datagram reached the redirect target, " + mode);
        assertEquals("hello", new String(buf.array(), 0, buf.position(), StandardCharsets.US_ASCII));
      } finally {
        System.clearProperty("plumbline.noPidfdThread");
      }
    }
  }

  /**
   * The time-of-check race from worker threads, in block mode: the second port is refused. A
   * connect the flipping thread turned towards it after the check completes in the kernel (no
   * ptrace tracer can stop that), but its socket is shut down before the program runs again: no
   * byte it sends reaches the refused listener, and the record shows each such connect where it
   * went, blocked. 300 rounds; a single byte at the refused port fails the test.
   */
  @Test
  void aConnectRacedFromWorkerThreadsNeverDeliversToARefusedPort(@TempDir Path work) throws Exception {
    for (boolean fallback : new boolean[] {false, true}) {
      System.setProperty("plumbline.noPidfdThread", Boolean.toString(fallback));
      try {
        int p1 = Fixtures.freeTcpPort();
        int p2 = Fixtures.freeTcpPort();
        EgressGate gate = a -> a.port() == p2 ? new EgressGate.Decision.Block(111, "refused port") : new EgressGate.Decision.Allow();
        Traces t = Traces.run(work, Duration.ofSeconds(5), gate, "/bin/sh", "-c",
            bin + "/threadrace " + p1 + " " + p2 + " 300 > counts.txt");
        assertEquals(0, t.result.exitCode());
        String[] truth = Files.readString(work.resolve("counts.txt")).strip().split(" ");
        String mode = fallback ? " (through the group leader)" : "";
        assertEquals("0", truth[3], "payload bytes that reached the refused port" + mode);
        assertTrue(Integer.parseInt(truth[2]) > 0, "the allowed port got data: the attack ran" + mode);
        List<TraceEvent.Network> toP2 = t.of(TraceEvent.Network.class).stream().filter(n -> n.port() == p2).toList();
        long connectedToP2 = toP2.stream().filter(n -> "shut down".equals(n.result())).count();
        assertEquals(Integer.parseInt(truth[1]), connectedToP2, "connects that reached the refused port, each recorded" + mode);
        assertTrue(toP2.stream().allMatch(n -> "blocked".equals(String.valueOf(n.decision()))), toP2 + mode);
      } finally {
        System.clearProperty("plumbline.noPidfdThread");
      }
    }
  }
}
