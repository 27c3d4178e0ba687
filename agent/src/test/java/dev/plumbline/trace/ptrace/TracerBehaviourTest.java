package dev.plumbline.trace.ptrace;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.plumbline.trace.EgressGate;
import dev.plumbline.trace.TraceEvent;
import dev.plumbline.trace.Tracer;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.ServerSocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What the tracer does beyond seeing: files, evasion, egress decisions, signals, leftovers. */
@Tag("needs-ptrace")
class TracerBehaviourTest {
  static Path bin;

  @BeforeAll
  static void compile() throws Exception {
    bin = Fixtures.bin();
  }

  @Test
  void recordsChangesUnderTheWorkingDirectoryOnly(@TempDir Path work, @TempDir Path elsewhere) throws Exception {
    Path real = work.toRealPath();
    Files.writeString(work.resolve("existing"), "x");
    Path link = elsewhere.resolve("into-work");
    Files.createSymbolicLink(link, real);
    Traces t = Traces.run(work, Duration.ofSeconds(5), null, "/bin/sh", "-c", String.join("; ",
        "echo a > new", "cat existing new > /dev/null", "echo b >> existing", "mv new moved", "rm moved",
        "echo c > " + elsewhere + "/outside", "echo d > " + link + "/via-link", "echo e > existing",
        "mkdir sub", "echo f > sub/../relative"));
    assertEquals(0, t.result.exitCode());
    List<String> changes = new ArrayList<>();
    for (TraceEvent.FileChanged f : t.of(TraceEvent.FileChanged.class)) {
      changes.add(real.relativize(Path.of(f.path())) + " " + f.operation());
    }
    Collections.sort(changes);
    assertEquals(List.of("existing truncate", "existing write", "moved rename-to", "moved unlink", "new create",
        "new rename-from", "relative create", "via-link create"), changes);
  }

  @Test
  void evasionAttemptsAreRecorded(@TempDir Path work) throws Exception {
    Traces t = Traces.run(work, Duration.ofSeconds(5), null, bin + "/evade");
    assertEquals(0, t.result.exitCode());
    List<TraceEvent.Note> notes = t.of(TraceEvent.Note.class);
    assertTrue(notes.stream().anyMatch(n -> n.kind().equals("ptrace") && n.detail().contains("PTRACE_TRACEME")
        && n.detail().contains("refused")), notes.toString());
    assertTrue(notes.stream().anyMatch(n -> n.kind().equals("seccomp")), notes.toString());
    // the event carries the pid; details are aggregated by text, so no pid may be in them
    for (TraceEvent.Note n : notes) {
      assertFalse(n.detail().matches(".*\\(pid \\d+\\).*|.*PTRACE_\\w+ (of|to) \\d+.*"), n.detail());
    }
    List<TraceEvent.Incomplete> gaps = t.of(TraceEvent.Incomplete.class);
    assertEquals(1, gaps.size(), gaps.toString());
    assertTrue(gaps.get(0).reason().equals("io_uring used by " + bin.resolve("evade") + ": its operations cannot be traced"), gaps.toString());
  }

  @Test
  void untracedChildrenAreRefusedAndSetuidProgramsNoted(@TempDir Path work) throws Exception {
    Traces t = Traces.run(work, Duration.ofSeconds(5), null, "/bin/sh", "-c",
        bin + "/untraced && /usr/bin/mount --version > /dev/null");
    assertEquals(0, t.result.exitCode(), "clone(CLONE_UNTRACED) failed with EPERM and clone3 with ENOSYS");
    List<TraceEvent.Note> notes = t.of(TraceEvent.Note.class);
    assertTrue(notes.stream().anyMatch(n -> n.kind().equals("setuid") && n.detail().startsWith("/usr/bin/mount is set-user-ID")),
        notes.toString());
    assertTrue(t.of(TraceEvent.Exec.class).stream().noneMatch(e -> e.path().equals("/usr/bin/true")));
  }

  @Test
  void aDestinationRewrittenByAnotherThreadDuringTheCheckIsRecordedWhereItWent(@TempDir Path work) throws Exception {
    int p1 = Fixtures.freeTcpPort();
    int p2 = Fixtures.freeTcpPort();
    Traces t = Traces.run(work, Duration.ofSeconds(5), null, "/bin/sh", "-c",
        bin + "/race " + p1 + " " + p2 + " 300 > counts.txt");
    assertEquals(0, t.result.exitCode());
    String[] truth = Files.readString(work.resolve("counts.txt")).strip().split(" ");
    long toP1 = t.of(TraceEvent.Network.class).stream().filter(n -> n.port() == p1 && "ok".equals(n.result())).count();
    long toP2 = t.of(TraceEvent.Network.class).stream().filter(n -> n.port() == p2 && "ok".equals(n.result())).count();
    assertEquals(Integer.parseInt(truth[0]), toP1, "connects that reached the first port");
    assertEquals(Integer.parseInt(truth[1]), toP2, "connects that reached the second port");
  }

  @Test
  void blockedConnectNeverLeavesAndReturnsTheErrno(@TempDir Path work) throws Exception {
    try (ServerSocketChannel server = ServerSocketChannel.open()) {
      server.bind(new InetSocketAddress("127.0.0.1", 0));
      int port = ((InetSocketAddress) server.getLocalAddress()).getPort();
      EgressGate gate = a -> a.port() == port ? new EgressGate.Decision.Block(13, "test") : new EgressGate.Decision.Allow();
      Traces t = Traces.run(work, Duration.ofSeconds(5), gate, bin + "/dial", "tcp", "127.0.0.1", "" + port);
      assertEquals(13, t.result.exitCode(), "the build saw EACCES");
      server.configureBlocking(false);
      assertNull(server.accept(), "no connection reached the listener");
      TraceEvent.Network n = t.of(TraceEvent.Network.class).get(0);
      assertEquals("blocked", n.decision().label());
      assertEquals("blocked", n.result());
      assertEquals(port, n.port());
    }
  }

  @Test
  void redirectSendsTheDatagramElsewhere(@TempDir Path work) throws Exception {
    try (DatagramChannel resolver = DatagramChannel.open()) {
      resolver.bind(new InetSocketAddress("127.0.0.1", 0));
      InetSocketAddress to = (InetSocketAddress) resolver.getLocalAddress();
      int unused = Fixtures.freeUdpPort();
      EgressGate gate = a -> a.port() == unused ? new EgressGate.Decision.Redirect(to) : new EgressGate.Decision.Allow();
      for (String[] dial : List.of(new String[] {"udp", "127.0.0.53"}, new String[] {"udp6", "::1"})) {
        Traces t = Traces.run(work, Duration.ofSeconds(5), gate, bin + "/dial", dial[0], dial[1], "" + unused);
        assertEquals(0, t.result.exitCode(), dial[0]);
        resolver.configureBlocking(false);
        ByteBuffer buf = ByteBuffer.allocate(64);
        assertTrue(resolver.receive(buf) != null, "datagram redirected for " + dial[0]);
        assertEquals("hello", new String(buf.array(), 0, buf.position(), StandardCharsets.US_ASCII));
        TraceEvent.Network n = t.of(TraceEvent.Network.class).get(0);
        assertEquals(dial[1], n.address(), "the record keeps the destination the build asked for");
        assertEquals("redirected", n.decision().label());
        assertEquals("ok", n.result());
      }
    }
  }

  @Test
  void leftoverDaemonIsEndedAfterTheGracePeriod(@TempDir Path work) throws Exception {
    Traces t = Traces.run(work, Duration.ofMillis(300), null, "/bin/sh", "-c",
        "(setsid sh -c 'sleep 60' > /dev/null 2>&1 &); exit 4");
    assertEquals(4, t.result.exitCode());
    List<TraceEvent.ProcessExited> killed = t.of(TraceEvent.ProcessExited.class).stream()
        .filter(TraceEvent.ProcessExited::killedByAgent).toList();
    assertFalse(killed.isEmpty(), t.events.toString());
    assertTrue(killed.stream().allMatch(k -> Integer.valueOf(9).equals(k.signal())));
  }

  @Test
  void stopAndContinueByTheBuildAndSignalDeath(@TempDir Path work) throws Exception {
    Traces t = Traces.run(work, Duration.ofSeconds(5), null, "/bin/sh", "-c",
        "sleep 0.2 & p=$!; kill -STOP $p; kill -CONT $p; wait $p; s=$?; "
            + "for i in 1 2 3 4 5 6 7 8; do (exit $i) & done; wait; exit $s");
    assertEquals(0, t.result.exitCode());
    Traces k = Traces.run(work, Duration.ofSeconds(5), null, "/bin/sh", "-c", "kill -KILL $$");
    assertEquals(137, k.result.exitCode());
    assertEquals(9, k.result.signal());
  }

  @Test
  void parallelChildrenAndTheirSigchldStorm(@TempDir Path work) throws Exception {
    Traces t = Traces.run(work, Duration.ofSeconds(5), null, "/bin/sh", "-c",
        "i=0; while [ $i -lt 40 ]; do /bin/echo $i > /dev/null & i=$((i+1)); done; wait; "
            + bin + "/mt_exec > /dev/null; " + bin + "/spawn > /dev/null");
    assertEquals(0, t.result.exitCode());
    long echoes = t.of(TraceEvent.Exec.class).stream().filter(e -> e.path().equals("/usr/bin/echo")).count();
    assertEquals(41, echoes, "40 background echoes and the one exec'd from a thread");
    java.util.Set<Integer> started = new java.util.HashSet<>();
    java.util.Set<Integer> ended = new java.util.HashSet<>();
    t.of(TraceEvent.ProcessStarted.class).stream().filter(s -> !s.thread()).forEach(s -> started.add(s.pid()));
    t.of(TraceEvent.ProcessExited.class).forEach(x -> ended.add(x.pid()));
    assertEquals(started, ended, "every process that started was seen ending, none twice");
    assertEquals(t.of(TraceEvent.ProcessExited.class).size(), ended.size());
  }

  @Test
  void onlyStandardDescriptorsReachTheBuild(@TempDir Path work) throws Exception {
    // the test JVM has jars, sockets and pipes open; none may leak into the traced build
    String script = "ls /proc/$$/fd > fds-$1.txt; echo $PWD > pwd-$1.txt";
    Traces t = Traces.run(work, Duration.ofSeconds(5), null, "/bin/sh", "-c", script, "sh", "traced");
    assertEquals(0, t.result.exitCode());
    Process plain = new ProcessBuilder("/bin/sh", "-c", script, "sh", "plain").directory(work.toFile()).start();
    assertEquals(0, plain.waitFor());
    assertEquals(Files.readString(work.resolve("fds-plain.txt")), Files.readString(work.resolve("fds-traced.txt")));
    assertEquals(work.toString(), Files.readString(work.resolve("pwd-traced.txt")).strip(), "PWD is the working directory");
  }

  @Test
  void forwardedSignalReachesTheBuild(@TempDir Path work) throws Exception {
    Tracer tracer = new PtraceTracer();
    CountDownLatch running = new CountDownLatch(1);
    List<TraceEvent> events = Collections.synchronizedList(new ArrayList<>());
    CompletableFuture<Tracer.Result> result = CompletableFuture.supplyAsync(() -> {
      try {
        return tracer.run(new Tracer.Request(List.of("sleep", "60"), work, System.getenv(), Duration.ofSeconds(1),
            EgressGate.auditAll(), false, e -> {
              events.add(e);
              if (e instanceof TraceEvent.Exec) {
                running.countDown();
              }
            }));
      } catch (Exception e) {
        throw new RuntimeException(e);
      }
    });
    running.await();
    tracer.forwardSignal(15);
    assertEquals(143, result.get().exitCode());
  }

  @Test
  void missingAndNonExecutableCommands(@TempDir Path work) throws Exception {
    Path notExec = Files.writeString(work.resolve("script"), "#!/bin/sh\n");
    var e1 = org.junit.jupiter.api.Assertions.assertThrows(dev.plumbline.trace.TraceException.class,
        () -> Traces.run(work, Duration.ofSeconds(1), null, "no-such-command-plumbline"));
    assertEquals(dev.plumbline.trace.TraceException.Kind.NOT_FOUND, e1.kind());
    var e2 = org.junit.jupiter.api.Assertions.assertThrows(dev.plumbline.trace.TraceException.class,
        () -> Traces.run(work, Duration.ofSeconds(1), null, notExec.toString()));
    assertEquals(dev.plumbline.trace.TraceException.Kind.NOT_EXECUTABLE, e2.kind());
  }
}
