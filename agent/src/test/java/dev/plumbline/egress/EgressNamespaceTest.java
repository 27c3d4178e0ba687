package dev.plumbline.egress;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.plumbline.testing.Kernel;
import dev.plumbline.testing.Trees;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * End to end, in a network namespace this test creates (loopback only): a test DNS server answers
 * the test names with 127.x addresses, listeners log what reaches them, and {@code plumbline run}
 * traces a C probe that tries every way out (names, raw addresses, IPv6, UDP sendto/sendmsg/
 * sendmmsg, TCP Fast Open, int 0x80 connect and socketcall, io_uring). Block mode must refuse each
 * disallowed one before it reaches a listener and record it; audit mode must let the same traffic
 * through, which shows the probe would have got through.
 *
 * <p>Needs root (ip netns add); CI has it. Without it the tests FAIL with the reason.
 */
@Tag("needs-ptrace")
@Tag("needs-root")
@Tag("needs-network-namespace")
class EgressNamespaceTest {
  static String netns;
  static Path work;
  static Path probe;
  static final ObjectMapper JSON = new ObjectMapper();

  static final String SCRIPT =
      String.join(
          "\n",
          "P=\"$1\"; exec >\"$2\" 2>&1",
          "$P name allowed.test 8080 name-allowed",
          "$P name denied.test 8080 name-denied",
          "RES_OPTIONS=use-vc $P name allowed.test 8080 tcp-dns-allowed",
          "RES_OPTIONS=use-vc $P name other.test 8080 tcp-dns-denied",
          "$P tcp 127.0.0.10 8080 raw-answered",
          "$P tcp 127.0.0.11 8080 raw-denied",
          "$P name v6.allowed.test 8080 v6-allowed",
          "$P tcp ::1 8081 v6-denied",
          "$P name-udp udp.allowed.test 9999 udp-allowed",
          "$P udp 127.0.0.11 9999 udp-denied",
          "$P udpmsg 127.0.0.11 9999 udpmsg-denied",
          "$P udpmmsg 127.0.0.11 9999 udpmmsg-denied",
          "$P tfo 127.0.0.11 8080 tfo-denied",
          "$P int80 127.0.0.11 8080 int80-denied",
          "$P socketcall 127.0.0.11 8080 socketcall-denied",
          "$P uring 127.0.0.13 8080 uring-denied",
          "$P tcp 127.0.0.20 8080 hosts-allowed",
          "$P udp 127.0.0.53 53 unconnected-dns",
          "$P unix \"$3/denied.sock\" - unix-denied",
          "$P unix \"$3/open.sock\" - unix-open",
          "$P dns 2001:db8::53 allowed.test dns6-allowed",
          "$P dns 2001:db8::53 other.test dns6-denied",
          "$P dns 192.0.2.53 allowed.test dns4-elsewhere",
          "exit 0",
          "");

  static final List<String> ALLOW =
      List.of(
          "--allow", "allowed.test:8080",
          "--allow", "v6.allowed.test:8080",
          "--allow", "udp.allowed.test:9999",
          "--allow", "hosts-only.test:8080");

  @BeforeAll
  static void namespace() throws Exception {
    work = Files.createTempDirectory("plumbline-egress-");
    String name = "plumbline-test-" + HexFormat.of().formatHex(randomBytes(4));
    Result add = exec(List.of("ip", "netns", "add", name), 30);
    if (add.code != 0) {
      fail("egress tests need a network namespace of their own, but 'ip netns add " + name + "' failed (" + add.output.strip()
          + "): run them as root or with CAP_SYS_ADMIN (CI does)");
    }
    netns = name;
    Path etc = Paths.get("/etc/netns", name);
    Files.createDirectories(etc);
    // ip netns exec bind-mounts these over /etc/resolv.conf and /etc/hosts inside the namespace
    Files.writeString(etc.resolve("resolv.conf"), "nameserver 127.0.0.53\noptions timeout:2 attempts:1\n");
    Files.writeString(etc.resolve("hosts"), "127.0.0.1 localhost\n::1 localhost\n127.0.0.20 hosts-only.test\n");
    Result up = exec(List.of("ip", "netns", "exec", name, "ip", "link", "set", "lo", "up"), 30);
    assertEquals(0, up.code, "lo up: " + up.output);
    Result links = exec(List.of("ip", "netns", "exec", name, "ip", "-o", "link"), 30);
    assertEquals(1, links.output.strip().lines().count(), "the namespace has loopback only: " + links.output);

    probe = work.resolve("probe");
    Path src = work.resolve("probe.c");
    try (InputStream in = EgressNamespaceTest.class.getResourceAsStream("/egress/probe.c")) {
      Files.copy(in, src);
    }
    Result cc = exec(List.of("gcc", "-O1", "-o", probe.toString(), src.toString()), 120);
    assertEquals(0, cc.code, "gcc: " + cc.output);
  }

  static byte[] randomBytes(int n) {
    byte[] b = new byte[n];
    new SecureRandom().nextBytes(b);
    return b;
  }

  @AfterAll
  static void cleanUp() throws Exception {
    try {
      if (netns != null) {
        exec(List.of("ip", "netns", "del", netns), 30);
        Trees.delete(Paths.get("/etc/netns", netns));
      }
    } finally {
      if (work != null) {
        Trees.delete(work);
      }
    }
  }

  record Result(int code, String output) {}

  static Result exec(List<String> argv, int timeoutSeconds) throws IOException, InterruptedException {
    Path log = Files.createTempFile("plumbline-exec-", ".log");
    try {
      Process p = new ProcessBuilder(argv).redirectErrorStream(true).redirectOutput(log.toFile()).start();
      if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
        p.descendants().forEach(ProcessHandle::destroyForcibly);
        p.destroyForcibly();
        p.waitFor();
        return new Result(-1, "timed out after " + timeoutSeconds + "s: " + Files.readString(log));
      }
      return new Result(p.exitValue(), Files.readString(log, StandardCharsets.UTF_8));
    } finally {
      Files.deleteIfExists(log);
    }
  }

  /** What one scenario produced. */
  record Scenario(int exit, Map<String, String> probes, List<String> reached, List<String> dnsAsked, JsonNode record, String log) {
    boolean reachedTag(String tag) {
      return reached.stream().anyMatch(l -> l.endsWith(" " + tag));
    }

    JsonNode destination(String address, int port) {
      for (JsonNode d : record.path("network")) {
        if (address.equals(d.path("address").asText()) && d.path("port").asInt() == port) {
          return d;
        }
      }
      return null;
    }

    JsonNode dns(String name) {
      for (JsonNode q : record.path("dns")) {
        if (name.equals(q.path("name").asText())) {
          return q;
        }
      }
      return null;
    }
  }

  static Scenario run(String tagDir, List<String> egressArgs) throws Exception {
    Path out = Files.createDirectories(work.resolve(tagDir));
    Path script = out.resolve("build.sh");
    Files.writeString(script, SCRIPT);
    Path probes = out.resolve("probes.txt");
    Path record = out.resolve("record.json");
    List<String> argv = new ArrayList<>();
    argv.addAll(List.of("ip", "netns", "exec", netns));
    argv.add(Paths.get(System.getProperty("java.home"), "bin", "java").toString());
    argv.addAll(List.of("-cp", System.getProperty("java.class.path"), EgressNetnsFixture.class.getName(), out.toString()));
    argv.addAll(List.of("run", "--record", record.toString()));
    argv.addAll(egressArgs);
    argv.addAll(List.of("--deny-unix", out.resolve("denied.sock").toString()));
    argv.addAll(List.of("--", "/bin/sh", script.toString(), probe.toString(), probes.toString(), out.toString()));
    Result r = exec(argv, 300);
    String log = "plumbline output:\n" + r.output;
    assertEquals(0, r.code, log);
    assertEquals("0", Files.readString(out.resolve("exit.txt")).strip(), log);
    Map<String, String> results = new LinkedHashMap<>();
    for (String line : Files.readAllLines(probes, StandardCharsets.UTF_8)) {
      String[] f = line.split(" ", 2);
      if (f.length == 2) {
        results.put(f[0], f[1]);
      }
    }
    JsonNode rec = JSON.readTree(record.toFile());
    return new Scenario(
        0,
        results,
        Files.readAllLines(out.resolve("reached.txt")),
        Files.readAllLines(out.resolve("dns-asked.txt")),
        rec,
        log + "\nprobes: " + results + "\nreached: " + Files.readAllLines(out.resolve("reached.txt")));
  }

  static final List<String> DENIED =
      List.of("raw-denied", "v6-denied", "udp-denied", "udpmsg-denied", "udpmmsg-denied", "tfo-denied", "int80-denied", "socketcall-denied");
  static final List<String> ALLOWED =
      List.of("name-allowed", "tcp-dns-allowed", "raw-answered", "v6-allowed", "udp-allowed", "hosts-allowed", "unix-open");

  static final List<String> I386_ABI = List.of("int80-denied", "socketcall-denied");

  /**
   * ECONNREFUSED from the gate; where the kernel kills a 64-bit process that uses the i386 ABI the
   * probe dies before it can print a result (null), traced or not.
   */
  static String expectedRefusal(String tag) {
    return I386_ABI.contains(tag) && !Kernel.int80Works() ? null : "err=111";
  }

  @Test
  void blockModeRefusesEveryWayOutBeforeItReachesAListener() throws Exception {
    List<String> args = new ArrayList<>(List.of("--egress", "block", "--deny-loopback"));
    args.addAll(ALLOW);
    Scenario s = run("block", args);

    for (String tag : ALLOWED) {
      assertEquals("ok", s.probes().get(tag), tag + "\n" + s.log());
      assertTrue(s.reachedTag(tag), tag + " reached its listener\n" + s.log());
    }
    for (String tag : DENIED) {
      assertEquals(expectedRefusal(tag), s.probes().get(tag), tag + " refused with ECONNREFUSED\n" + s.log());
      assertFalse(s.reachedTag(tag), tag + " must never reach a listener\n" + s.log());
    }
    for (String tag : List.of("name-denied", "tcp-dns-denied")) {
      assertEquals("resolve-failed", s.probes().get(tag), tag + "\n" + s.log());
      assertFalse(s.reachedTag(tag), s.log());
    }
    assertEquals("err=38", s.probes().get("uring-denied"), "io_uring_setup fails with ENOSYS\n" + s.log());
    assertEquals("err=13", s.probes().get("unix-denied"), "--deny-unix refuses with EACCES\n" + s.log());
    assertFalse(s.reachedTag("unix-denied"), s.log());
    assertFalse(s.reachedTag("uring-denied"), s.log());
    assertEquals(ALLOWED.size(), s.reached().size(), "nothing else reached a listener\n" + s.log());

    assertTrue(s.dnsAsked().stream().anyMatch(l -> l.contains(" allowed.test ")), s.dnsAsked().toString());
    assertTrue(s.dnsAsked().contains("tcp allowed.test A"), "DNS over TCP is captured too: " + s.dnsAsked());
    assertFalse(s.dnsAsked().contains("udp (malformed) -"),
        "block mode redirects unconnected sendto to port 53 as well, and never forwards a malformed query: " + s.dnsAsked());
    assertTrue(s.dns("(malformed)") != null, "recorded: " + s.record().path("dns"));
    // DNS to any resolver address, IPv6 included, ends at the agent's resolver (which asks 127.0.0.53)
    assertEquals("rcode=0 answers=1", s.probes().get("dns6-allowed"), s.log());
    assertEquals("rcode=3 answers=0", s.probes().get("dns6-denied"), "NXDOMAIN\n" + s.log());
    assertEquals("rcode=0 answers=1", s.probes().get("dns4-elsewhere"), s.log());
    assertEquals("redirected", s.destination("2001:db8::53", 53).path("decision").asText(), s.record().path("network").toPrettyString());
    assertEquals("redirected", s.destination("192.0.2.53", 53).path("decision").asText());
    assertFalse(s.dnsAsked().stream().anyMatch(l -> l.contains("denied.test") || l.contains("other.test")),
        "a refused name never leaves the agent: " + s.dnsAsked());

    JsonNode denied = s.destination("127.0.0.11", 8080);
    assertTrue(denied != null, "blocked destination recorded\n" + s.record().toPrettyString());
    assertEquals("blocked", denied.path("decision").asText(), denied.toPrettyString());
    assertTrue(denied.path("processes").toString().contains("probe"), denied.toPrettyString());
    assertEquals("blocked", s.destination("::1", 8081).path("decision").asText());
    assertEquals("blocked", s.destination("127.0.0.11", 9999).path("decision").asText());
    JsonNode unix = s.destination(work.resolve("block").resolve("denied.sock").toString(), 0);
    assertEquals("blocked", unix.path("decision").asText(), s.record().path("network").toPrettyString());
    assertEquals("unix", unix.path("family").asText());
    JsonNode ok = s.destination("127.0.0.10", 8080);
    assertEquals("allowed.test", ok.path("hostname").asText(), ok.toPrettyString());
    assertEquals("allowed", ok.path("decision").asText());
    assertEquals("hosts-only.test", s.destination("127.0.0.20", 8080).path("hostname").asText());
    assertEquals("v6.allowed.test", s.destination("::1", 8080).path("hostname").asText());

    JsonNode deniedName = s.dns("denied.test");
    assertTrue(deniedName != null, s.record().path("dns").toPrettyString());
    assertEquals("blocked", deniedName.path("decision").asText());
    JsonNode allowedName = s.dns("allowed.test");
    assertTrue(allowedName.path("answers").toString().contains("127.0.0.10"), allowedName.toPrettyString());
    assertEquals("block", s.record().path("agent").path("egressMode").asText());
    assertTrue(s.record().path("agent").path("allow").toString().contains("hosts-only.test:8080"));
    assertTrue(s.record().path("completeness").path("complete").asBoolean(false),
        "io_uring refused, nothing missed: " + s.record().path("completeness"));

    // the end-of-run table on stderr: name, address:port, protocol, process, decision, count
    assertTrue(s.log().lines().anyMatch(l -> l.matches("\\s*allowed\\.test\\s+127\\.0\\.0\\.10:8080\\s+tcp\\s+probe\\s+allowed\\s+\\d+\\s*")),
        s.log());
    assertTrue(s.log().lines().anyMatch(l -> l.matches("\\s*-\\s+127\\.0\\.0\\.11:8080\\s+tcp\\s+probe\\s+blocked\\s+\\d+\\s*")), s.log());
  }

  @Test
  void auditModeLetsTheSameTrafficThroughAndRecordsIt() throws Exception {
    List<String> args = new ArrayList<>(List.of("--egress", "audit", "--deny-loopback"));
    args.addAll(ALLOW);
    Scenario s = run("audit", args);
    for (String tag : DENIED) {
      if (I386_ABI.contains(tag) && !Kernel.int80Works()) {
        assertNull(s.probes().get(tag), tag + ": this kernel kills the i386 ABI, the probe died\n" + s.log());
        assertFalse(s.reachedTag(tag), s.log());
        continue;
      }
      assertEquals("ok", s.probes().get(tag), tag + "\n" + s.log());
      assertTrue(s.reachedTag(tag), tag + " reached its listener in audit mode\n" + s.log());
    }
    assertTrue(s.reachedTag("name-denied"), s.log());
    assertTrue(s.reachedTag("tcp-dns-denied"), s.log());
    assertTrue(s.dnsAsked().contains("tcp other.test A"), s.dnsAsked().toString());
    // audit forwards to the nameserver the process meant (2001:db8::53, unreachable in the namespace)
    assertEquals("rcode=2 answers=0", s.probes().get("dns6-denied"), "SERVFAIL, as without plumbline\n" + s.log());
    assertTrue(s.dnsAsked().contains("udp (malformed) -"),
        "audit mode leaves unconnected sendto to port 53 alone (source-checking clients): " + s.dnsAsked());
    assertTrue(s.reachedTag("uring-denied"), "io_uring works in audit mode\n" + s.log());
    assertEquals("err=13", s.probes().get("unix-denied"), "an explicit --deny-unix holds in audit mode too\n" + s.log());
    assertFalse(s.reachedTag("unix-denied"), s.log());
    assertTrue(s.reachedTag("unix-open"), s.log());
    assertFalse(s.record().path("completeness").path("complete").asBoolean(true), "io_uring makes the trace incomplete");
    JsonNode d = s.destination("127.0.0.11", 8080);
    assertEquals("denied.test", d.path("hostname").asText(), d.toPrettyString());
    assertEquals("audited", d.path("decision").asText());
    assertTrue(d.path("wouldBlock").asBoolean(false), "block mode would refuse it: " + d.toPrettyString());
    JsonNode fine = s.destination("127.0.0.10", 8080);
    assertFalse(fine.path("wouldBlock").asBoolean(true), "allowed.test:8080 is allowed: " + fine.toPrettyString());
    assertTrue(s.destination("::1", 8081).path("wouldBlock").asBoolean(false));
    assertEquals("audited", s.dns("denied.test").path("decision").asText());
    assertTrue(s.dnsAsked().stream().anyMatch(l -> l.contains("denied.test")));
  }
}
