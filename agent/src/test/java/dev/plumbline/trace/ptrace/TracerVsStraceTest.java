package dev.plumbline.trace.ptrace;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.plumbline.testing.Kernel;
import dev.plumbline.trace.TraceEvent;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The tracer against {@code strace -f} on the same workload: the sets of executed binaries and of
 * network destinations must be equal. The workload covers pipelines, make -j2, exec from a thread,
 * vfork, posix_spawn, clone3, fexecve of a memfd, UDP sendto/sendmsg/sendmmsg, TCP Fast Open, IPv6,
 * unix sockets (path and abstract), the i386 ABI through int 0x80, a double-forking daemon that
 * outlives the main command, a child that exits non-zero and one killed by a signal.
 */
@Tag("needs-ptrace")
class TracerVsStraceTest {
  static Path bin;

  @BeforeAll
  static void compile() throws Exception {
    bin = Fixtures.bin();
  }

  static Set<String> execs(Traces t) {
    Set<String> out = new TreeSet<>();
    for (TraceEvent.Exec e : t.of(TraceEvent.Exec.class)) {
      assertNotNull(e.path(), "exec path of " + e.pid());
      out.add(e.path().startsWith("/memfd:") ? "memfd" : e.path());
    }
    return out;
  }

  static Set<String> destinations(Traces t) {
    Set<String> out = new TreeSet<>();
    for (TraceEvent.Network n : t.of(TraceEvent.Network.class)) {
      out.add(switch (n.family()) {
        case "inet" -> n.address() + ":" + n.port();
        case "inet6" -> "[" + n.address() + "]:" + n.port();
        case "unix" -> "unix:" + n.address();
        default -> n.family() + ":" + n.address();
      });
    }
    return out;
  }

  @Test
  void sameBinariesAndDestinationsAsStrace(@TempDir Path work) throws Exception {
    Path hello = Fixtures.helloC(work);
    int tcp = Fixtures.freeTcpPort();
    int udp = Fixtures.freeUdpPort();
    int refused = Fixtures.freeTcpPort();
    String sock = work.resolve("s.sock").toString();
    String abs = "plumbline-test-" + ProcessHandle.current().pid();
    String script = String.join("\n",
        "echo one two | tr o 0 | wc -c > /dev/null",
        "rm -rf " + hello + "/build",
        "make -s -j2 -C " + hello + " > /dev/null",
        bin + "/mt_exec > /dev/null",
        bin + "/spawn > /dev/null",
        bin + "/memfd",
        bin + "/net " + tcp + " " + udp + " " + sock + " " + abs,
        bin + "/int80 " + refused,
        "(setsid sh -c '/bin/sleep 0.3; /bin/echo daemon' > /dev/null 2>&1 &)",
        "(sh -c 'exit 3'); sh -c 'kill -TERM $$'",
        "exit 5");
    List<String> argv = List.of("/bin/sh", "-c", script);

    StraceLog strace = StraceLog.run(work, argv);
    Traces ours = Traces.run(work, Duration.ofSeconds(5), null, argv.toArray(new String[0]));

    assertEquals(5, strace.exitCode, "strace saw the workload end with its code: " + strace.stderr);
    assertEquals(5, ours.result.exitCode());
    assertTrue(strace.execs.size() > 15, "strace saw the workload: " + strace.execs + " " + strace.stderr);
    assertTrue(strace.execs.contains("memfd"));
    assertTrue(strace.execs.contains("/usr/bin/sleep"), "the daemon ran");
    assertEquals(strace.execs, execs(ours));
    // int80 connects to two destinations through the i386 ABI: where the kernel kills that ABI the
    // fixture dies before either call, untraced as well as traced
    int expected = Kernel.int80Works() ? 11 : 9;
    assertEquals(expected, strace.destinations.size(), "strace saw every destination: " + strace.destinations);
    assertEquals(strace.destinations, destinations(ours));

    // the tree is consistent: every process started, every exec and exit belongs to a started one
    Set<Integer> started = new HashSet<>();
    Set<Integer> exited = new HashSet<>();
    for (TraceEvent e : ours.events) {
      if (e instanceof TraceEvent.ProcessStarted s && !s.thread()) {
        assertTrue(started.add(s.pid()), "started once: " + s);
      } else if (e instanceof TraceEvent.Exec x) {
        assertTrue(started.contains(x.pid()), "exec of a started process: " + x);
      } else if (e instanceof TraceEvent.ProcessExited x) {
        assertTrue(started.contains(x.pid()), "exit of a started process: " + x);
        exited.add(x.pid());
      }
    }
    assertEquals(started, exited, "every process ended");
    assertTrue(ours.of(TraceEvent.Incomplete.class).isEmpty(), ours.of(TraceEvent.Incomplete.class).toString());
    assertTrue(ours.of(TraceEvent.ProcessExited.class).stream().anyMatch(x -> Integer.valueOf(15).equals(x.signal())));
  }

  @Test
  void networkResultsAndProtocols(@TempDir Path work) throws Exception {
    int tcp = Fixtures.freeTcpPort();
    int udp = Fixtures.freeUdpPort();
    Traces t = Traces.run(work, Duration.ofSeconds(5), null,
        bin + "/net", "" + tcp, "" + udp, work.resolve("n.sock").toString(), "plumbline-n-" + tcp);
    assertEquals(0, t.result.exitCode());
    List<TraceEvent.Network> net = t.of(TraceEvent.Network.class);
    TraceEvent.Network connect = find(net, "connect", "127.0.0.1");
    assertEquals("tcp", connect.protocol());
    assertEquals("ok", connect.result());
    assertEquals("audited", connect.decision().label());
    TraceEvent.Network tfo = find(net, "sendto", "127.0.0.9");
    assertEquals("tcp", tfo.protocol());
    // nothing listens on 127.0.0.9: the Fast Open connect the kernel makes for the sendto is refused
    assertEquals("ECONNREFUSED", tfo.result());
    assertEquals("udp", find(net, "sendto", "127.0.0.1").protocol());
    assertEquals("ok", find(net, "sendmsg", "127.0.0.2").result());
    assertEquals("udp", find(net, "sendmmsg", "127.0.0.3").protocol());
    assertEquals("udp", find(net, "sendmmsg", "127.0.0.4").protocol());
    assertEquals("tcp", find(net, "connect", "::1").protocol());
    assertEquals("unix-stream", find(net, "connect", work.resolve("n.sock").toString()).protocol());
    assertEquals("unix-stream", find(net, "connect", "@plumbline-n-" + tcp).protocol());
  }

  static TraceEvent.Network find(List<TraceEvent.Network> net, String syscall, String address) {
    return net.stream().filter(n -> n.syscall().equals(syscall) && n.address().equals(address)).findFirst()
        .orElseThrow(() -> new AssertionError(syscall + " " + address + " not in " + net));
  }
}
