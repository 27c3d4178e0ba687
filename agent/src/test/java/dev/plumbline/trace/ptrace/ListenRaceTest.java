package dev.plumbline.trace.ptrace;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.plumbline.egress.EgressMode;
import dev.plumbline.egress.EgressPolicy;
import dev.plumbline.egress.dns.NameBook;
import dev.plumbline.net.Allowlist;
import dev.plumbline.trace.TraceEvent;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two threads of the build call listen(2) on the same new socket bound to 0.0.0.0 at once
 * (listenrace.c, 60 rounds, for real): in block mode the first listen stop locks the inbound
 * filter on the socket, and the second stop, seen before the first listen ran, must not be refused
 * because its own attach finds that filter locked. Both listens succeed in every round, and after
 * every round the socket's filter is still locked (SO_DETACH_FILTER fails with EPERM): the peers
 * the rules keep out stay out (InboundConnectionsTest shows who gets in through that filter).
 */
@Tag("needs-ptrace")
class ListenRaceTest {
  static final int ROUNDS = 60;

  @Test
  void twoThreadsListeningOnOneSocketAreBothLetThroughAndTheFilterStaysLocked(@TempDir Path work) throws Exception {
    Path bin = Fixtures.bin();
    EgressPolicy gate = new EgressPolicy(EgressMode.BLOCK, Allowlist.parse(List.of()), false, List.of(), new NameBook(),
        null, null, null);
    Traces t = Traces.run(work, Duration.ofSeconds(5), gate, true, "/bin/sh", "-c",
        "exec \"$0\" " + ROUNDS + " > out.txt", bin + "/listenrace");
    String out = Files.readString(work.resolve("out.txt"));
    assertEquals(0, t.result.exitCode(), out);
    assertTrue(out.contains("rounds " + ROUNDS), out);
    assertTrue(out.contains("refused 0\n"), "no listen refused in any round: " + out);
    assertTrue(out.contains("unlocked 0\n"), "the filter is locked on every socket: " + out);
    List<TraceEvent.Network> listens = t.of(TraceEvent.Network.class).stream()
        .filter(n -> n.syscall().equals("listen")).toList();
    assertTrue(listens.stream().allMatch(n -> n.decision().label().equals("allowed") && "0.0.0.0".equals(n.address())),
        "every listen recorded allowed: " + listens);
    assertTrue(listens.size() >= ROUNDS, "at least one listen recorded per round: " + listens.size());
  }
}
