package dev.plumbline.egress;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.plumbline.egress.EgressMode;
import dev.plumbline.egress.dns.DnsObservation;
import dev.plumbline.egress.dns.NameBook;
import dev.plumbline.net.AllowRule;
import dev.plumbline.net.Allowlist;
import dev.plumbline.net.AllowlistTest;
import dev.plumbline.record.BuildRecord;
import dev.plumbline.record.EgressRecords;
import dev.plumbline.trace.EgressDecision;
import dev.plumbline.trace.EgressGate.Attempt;
import dev.plumbline.trace.EgressGate.Decision;
import dev.plumbline.trace.TraceEvent;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EgressGatesTest {

  @Test
  void buildsABlockingGateWithHostsNamesAndAResolver(@TempDir Path dir) throws Exception {
    Path allowFile = Files.writeString(dir.resolve("allow"), "# ci\ncache.build.test:8443\n");
    Path hosts = Files.writeString(dir.resolve("hosts"), "127.0.0.1 localhost\n192.0.2.44 cache.build.test\n");
    Path resolv = Files.writeString(dir.resolve("resolv.conf"), "nameserver 127.0.0.1\n");
    EgressPolicy gate =
        EgressGates.fromOptions(
            new EgressGates.Options(EgressMode.BLOCK, List.of("*.example.test:443"), allowFile, false, List.of("/run/docker.sock")),
            new EgressGates.HostFiles(resolv, hosts),
            o -> {},
            Clock.systemUTC());
    try {
      assertEquals(EgressMode.BLOCK, gate.mode());
      assertEquals(List.of("*.example.test:443", "cache.build.test:8443"), gate.allowlist().texts());
      assertNotNull(gate.resolver(), "resolver started");
      assertEquals("cache.build.test", gate.hostnameFor("192.0.2.44"));
      assertInstanceOf(Decision.Allow.class, gate.decide(new Attempt(1, "connect", "inet", "tcp", "192.0.2.44", 8443, null)));
      assertInstanceOf(Decision.Block.class, gate.decide(new Attempt(1, "connect", "inet", "tcp", "192.0.2.44", 443, null)));
      Decision.Redirect r = (Decision.Redirect) gate.decide(new Attempt(1, "connect", "inet", "udp", "192.0.2.53", 53, null));
      assertEquals(gate.resolver().inet(), r.to());
      assertInstanceOf(Decision.Block.class, gate.decide(new Attempt(1, "connect", "unix", "unix-stream", null, 0, "/run/docker.sock")));
    } finally {
      gate.close();
    }
  }

  @Test
  void badOptionsAreOneLineErrors(@TempDir Path dir) throws Exception {
    EgressGates.HostFiles none = new EgressGates.HostFiles(dir.resolve("x"), dir.resolve("y"));
    // the mode is parsed once, where --egress is read (cli's converter calls EgressMode.parse)
    EgressConfigException e = assertThrows(EgressConfigException.class, () -> EgressMode.parse("enforce"));
    assertEquals("--egress must be audit or block, not 'enforce'", e.getMessage());
    assertEquals(EgressMode.BLOCK, EgressMode.parse(" Block "));
    assertEquals(EgressMode.AUDIT, EgressGates.fromOptions(
        new EgressGates.Options(null, List.of(), null, false, List.of()), none, o -> {}, Clock.systemUTC()).mode());
    e =
        assertThrows(
            EgressConfigException.class,
            () -> EgressGates.allowlist(new EgressGates.Options(EgressMode.BLOCK, List.of("bad name"), null, false, List.of())));
    assertTrue(e.getMessage().startsWith("--allow 'bad name'"), e.getMessage());
    Path f = Files.writeString(dir.resolve("allow"), "ok.test\n\n300.1.1.1\n");
    e = assertThrows(EgressConfigException.class, () -> EgressGates.allowlist(new EgressGates.Options(EgressMode.AUDIT, List.of(), f, false, List.of())));
    assertTrue(e.getMessage().startsWith(f + ":3: "), e.getMessage());
  }

  @Test
  void dnsObservationsBecomeEventsAndHostnamesFillTheRecord() throws Exception {
    TraceEvent.Dns ev =
        EgressSession.toEvent(new DnsObservation(Instant.EPOCH, 7, "WWW.Example.Test.", "A", List.of("192.0.2.1"), EgressDecision.ALLOWED, "NOERROR", "udp"));
    assertEquals(new TraceEvent.Dns(Instant.EPOCH, 7, "www.example.test", "A", List.of("192.0.2.1"), EgressDecision.ALLOWED), ev);

    NameBook names = new NameBook();
    names.add("www.example.test", AllowlistTest.ip("192.0.2.1"));
    EgressPolicy gate = new EgressPolicy(EgressMode.AUDIT, Allowlist.empty(), false, List.of(), names, null, null, null);
    BuildRecord r =
        new BuildRecord(
            BuildRecord.FORMAT, null, null, BuildRecord.Completeness.full(), List.of(), List.of(),
            List.of(
                BuildRecord.Destination.to("inet", "tcp", "192.0.2.1", 443).withDecision(EgressDecision.AUDITED)
            .withCalls(List.of("connect"), List.of("ok")).withUse(List.of("curl"), 1),
                BuildRecord.Destination.to("inet", "tcp", "192.0.2.2", 443).withDecision(EgressDecision.AUDITED)
            .withCalls(List.of("connect"), List.of("ok")).withUse(List.of("curl"), 1),
                BuildRecord.Destination.to("unix", "unix-stream", "/run/x.sock", null).withDecision(EgressDecision.AUDITED)
            .withCalls(List.of("connect"), List.of("ok")).withUse(List.of("sh"), 1)),
            List.of(), List.of(), null, null);
    BuildRecord out = EgressRecords.withHostnames(r, gate);
    assertEquals("www.example.test", out.network().get(0).hostname());
    assertEquals(null, out.network().get(1).hostname());
    assertEquals(null, out.network().get(2).hostname());
    assertEquals(r.network().get(0).count(), out.network().get(0).count());
    assertEquals(null, out.network().get(0).wouldBlock(), "set only for audit with an allowlist");

    EgressPolicy withRules =
        new EgressPolicy(EgressMode.AUDIT, Allowlist.empty().plus(List.of(AllowRule.parse("www.example.test:443"))), false, List.of(), names, null, null, null);
    BuildRecord judged = EgressRecords.withWouldBlock(out, withRules);
    assertEquals(false, judged.network().get(0).wouldBlock());
    assertEquals(true, judged.network().get(1).wouldBlock());
    assertEquals(false, judged.network().get(2).wouldBlock(), "unix sockets are allowed unless denied");
  }

  @Test
  void sessionQueuesDnsFromTheResolverAndAnnotatesTheRecord(@TempDir Path dir) throws Exception {
    Path resolv = Files.writeString(dir.resolve("resolv.conf"), "nameserver 127.0.0.1\n");
    Path hosts = Files.writeString(dir.resolve("hosts"), "");
    try (EgressSession s =
        EgressSession.start(
            new EgressGates.Options(EgressMode.BLOCK, List.of("pkg.test:443"), null, false, List.of()),
            new EgressGates.HostFiles(resolv, hosts),
            Clock.systemUTC())) {
      assertTrue(s.enforcing());
      Decision.Redirect r = (Decision.Redirect) s.gate().decide(new Attempt(1, "connect", "inet", "udp", "127.0.0.1", 53, null));
      assertEquals(s.gate().resolver().inet(), r.to());
      assertEquals(List.of(), s.dnsEvents());
      // whatever 127.0.0.1:53 answers (SERVFAIL when nothing listens), the refused name is answered
      // by the resolver itself and queued for the recorder
      byte[] q =
          dev.plumbline.egress.dns.DnsEncoder.encode(
              new dev.plumbline.egress.dns.DnsMessage(
                  5, 0, List.of(new dev.plumbline.egress.dns.DnsMessage.Question("Evil.Test", 1, 1)), List.of(), List.of(), List.of()));
      dev.plumbline.egress.dns.DnsMessage reply = dev.plumbline.egress.dns.CaptureResolverTest.askUdp(r.to(), q);
      assertEquals(dev.plumbline.egress.dns.DnsMessage.RCODE_NXDOMAIN, reply.rcode());
      List<TraceEvent.Dns> events = s.dnsEvents();
      assertEquals(1, events.size());
      assertEquals("evil.test", events.get(0).name());
      assertEquals("blocked", events.get(0).decision().label());
      assertEquals(List.of(), s.dnsEvents(), "drained");
      List<TraceEvent> live = new java.util.concurrent.CopyOnWriteArrayList<>();
      s.forwardDnsTo(live::add);
      dev.plumbline.egress.dns.CaptureResolverTest.askUdp(r.to(), q);
      assertEquals(1, live.size(), "forwarded as soon as answered");
      assertEquals("evil.test", ((TraceEvent.Dns) live.get(0)).name());
      assertEquals(List.of(), s.dnsEvents());
      // the agent section is built once, from the session, before the build runs
      BuildRecord.Agent agent = EgressRecords.agent("0", "ptrace", s);
      assertEquals("block", agent.egressMode().label());
      assertEquals(List.of("pkg.test:443"), agent.allow());
      assertEquals("ptrace", agent.monitor());
      BuildRecord rec =
          new BuildRecord(
              BuildRecord.FORMAT, agent, null, BuildRecord.Completeness.full(),
              List.of(), List.of(), List.of(), List.of(), List.of(), null, null);
      assertEquals(agent, EgressRecords.annotate(rec, s).agent(), "annotate leaves the agent section alone");
    }
  }
}
