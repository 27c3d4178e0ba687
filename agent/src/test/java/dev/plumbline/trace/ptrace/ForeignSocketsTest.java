package dev.plumbline.trace.ptrace;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.plumbline.linux.Errno;
import dev.plumbline.trace.EgressGate;
import dev.plumbline.trace.TraceEvent;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Ways out that are not the sockaddr of a connect or send (families.c, performed for real): sockets
 * of other address families (AF_PACKET frames written without a destination, AF_VSOCK, ...) and
 * protocols (SCTP, IPPROTO_RAW), a loose source route given with IP_OPTIONS or as a control message
 * (the packet goes to the route's first hop), IP_HDRINCL, an IPv6 routing header. In a network
 * namespace the test creates, with 198.51.100.1 (the address the gate refuses) and 198.51.100.2 on
 * lo; a capture outside the traced tree (an AF_PACKET socket on lo) sees every UDP frame that goes
 * to 198.51.100.1. Block mode: none may reach the wire, each refused and recorded. Audit mode: they
 * run, and the record is incomplete, naming each.
 */
@Tag("needs-ptrace")
@Tag("needs-root")
@Tag("needs-network-namespace")
class ForeignSocketsTest {
  static final int PORT = 9999;
  static Path bin;
  static String netns;

  @BeforeAll
  static void namespace() throws Exception {
    bin = Fixtures.bin();
    String name = "plumbline-foreign-" + HexFormat.of().formatHex(new SecureRandom().generateSeed(4));
    assertEquals(0, run("ip", "netns", "add", name), "ip netns add (needs root)");
    netns = name;
    assertEquals(0, run("ip", "-n", name, "link", "set", "lo", "up"));
    assertEquals(0, run("ip", "-n", name, "addr", "add", "198.51.100.1/24", "dev", "lo"));
    assertEquals(0, run("ip", "-n", name, "addr", "add", "198.51.100.2/24", "dev", "lo"));
  }

  @AfterAll
  static void cleanUp() throws Exception {
    if (netns != null) {
      run("ip", "netns", "del", netns);
    }
  }

  static int run(String... argv) throws Exception {
    Process p = new ProcessBuilder(argv).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    assertTrue(p.waitFor(30, TimeUnit.SECONDS), String.join(" ", argv));
    return p.exitValue();
  }

  /** What the traced attack printed, what the capture saw on lo, and the trace's events. */
  record Attack(List<String> out, List<String> wire, Traces trace) {
    boolean printed(String line) {
      return out.contains(line);
    }
  }

  static Attack attack(Path work, boolean enforcing) throws Exception {
    List<String> wire = new CopyOnWriteArrayList<>();
    Process capture = new ProcessBuilder("ip", "netns", "exec", netns, bin + "/families", "capture", "" + PORT)
        .redirectErrorStream(true).start();
    try {
      BufferedReader r = new BufferedReader(new InputStreamReader(capture.getInputStream(), StandardCharsets.UTF_8));
      assertEquals("ready", r.readLine(), "the capture runs");
      Thread reader = new Thread(() -> r.lines().forEach(wire::add));
      reader.setDaemon(true);
      reader.start();
      EgressGate gate = a -> "198.51.100.1".equals(a.address())
          ? new EgressGate.Decision.Block(Errno.ECONNREFUSED, "test") : new EgressGate.Decision.Allow();
      Traces t = Traces.run(work, Duration.ofSeconds(5), gate, enforcing, "/bin/sh", "-c",
          "exec nsenter --net=/run/netns/" + netns + " \"$0\" attack " + PORT + " > out.txt", bin + "/families");
      assertEquals(0, t.result.exitCode(), Files.readString(work.resolve("out.txt")));
      Thread.sleep(300); // the capture's last lines
      return new Attack(Files.readAllLines(work.resolve("out.txt")), List.copyOf(wire), t);
    } finally {
      capture.destroy();
      capture.waitFor(10, TimeUnit.SECONDS);
    }
  }

  static final List<String> FAMILIES = List.of("vsock", "tipc", "rds", "x25", "bluetooth", "can", "xdp", "packet");

  @Test
  void blockModeRefusesEveryWayOutThatIsNotASockaddrAndRecordsIt(@TempDir Path work) throws Exception {
    Attack a = attack(work, true);
    assertEquals(List.of(), a.wire(), "nothing reached the wire towards the refused address: " + a.out());
    for (String f : FAMILIES) {
      assertTrue(a.printed(f + " err=" + Errno.EAFNOSUPPORT), f + " refused as a family this kernel lacks: " + a.out());
    }
    for (String p : List.of("sctp", "sctp6", "ipproto-raw")) {
      assertTrue(a.printed(p + " err=" + Errno.EPROTONOSUPPORT), p + " refused as a protocol this kernel lacks: " + a.out());
    }
    for (String o : List.of("ip-options", "retopts-sendmsg", "retopts-connected", "ip-hdrincl", "ipv6-rthdr")) {
      assertTrue(a.printed(o + " err=" + Errno.EPERM), o + " refused: " + a.out());
    }
    assertTrue(a.printed("mptcp err=" + Errno.ECONNREFUSED), "MPTCP judged like TCP: " + a.out());
    assertTrue(a.printed("lsrr-sendto ok") && a.printed("retopts-connect ok"), "plain sends to the allowed address still work");
    List<String> refused = a.trace().of(TraceEvent.Note.class).stream()
        .filter(n -> n.kind().equals("egress-refused")).map(TraceEvent.Note::detail).toList();
    for (String what : List.of("family vsock", "family packet", "family tipc", "family xdp", "protocol sctp", "IPPROTO_RAW",
        "IP_OPTIONS", "IP_HDRINCL", "IPv6 routing header", "IP options as a control message")) {
      assertTrue(refused.stream().anyMatch(d -> d.contains(what)), "the record names the refused " + what + ": " + refused);
    }
    assertTrue(a.trace().of(TraceEvent.Network.class).stream()
        .anyMatch(n -> "198.51.100.1".equals(n.address()) && "mptcp".equals(n.protocol()) && n.decision().label().equals("blocked")));
  }

  @Test
  void auditModeLetsThemRunAndMarksTheRecordIncomplete(@TempDir Path work) throws Exception {
    Attack a = attack(work, false);
    for (String tag : List.of("packet-write", "packet-sendto-nl", "packet-sendto", "lsrr-sendto", "retopts-sendmsg", "retopts-connected")) {
      assertTrue(a.wire().contains("wire " + tag), "audit changes nothing: " + tag + " went out to 198.51.100.1: " + a.wire());
    }
    assertTrue(a.printed("vsock ok") && a.printed("ip-options ok") && a.printed("ipv6-rthdr ok"), a.out().toString());
    List<String> reasons = a.trace().of(TraceEvent.Incomplete.class).stream().map(TraceEvent.Incomplete::reason).toList();
    for (String what : List.of("family vsock", "family packet", "family xdp", "IPPROTO_RAW", "IP_OPTIONS", "IP_HDRINCL",
        "IPv6 routing header", "IP options as a control message")) {
      assertTrue(reasons.stream().anyMatch(r -> r.contains(what)), "incomplete, naming " + what + ": " + reasons);
    }
  }
}
