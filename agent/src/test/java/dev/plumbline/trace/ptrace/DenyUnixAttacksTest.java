package dev.plumbline.trace.ptrace;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.plumbline.testing.Cli;
import dev.plumbline.testing.RecordJson;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code plumbline run --deny-unix DENIED} against a build that reaches the denied socket under
 * another name (issue 11 item 6): a hard link, a symlink, a relative path after chdir,
 * /proc/self/cwd, a bind mount in a mount namespace of its own, and two races (the name swapped
 * on disk, the sockaddr rewritten in memory, by a second thread while the call is checked). The
 * servers live in this JVM and count what reaches them: the denied one must accept nothing, the
 * allowed one must (a positive control), and the record must show each attempt blocked.
 */
@Tag("needs-ptrace")
class DenyUnixAttacksTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static final int EACCES = 13;
  static Path bin;

  @TempDir Path dir;
  Server denied;
  Server allowed;

  @BeforeAll
  static void compile() throws Exception {
    bin = Fixtures.bin();
  }

  /**
   * A unix stream listener that accepts (and counts) until closed. {@link #count()} first connects
   * a probe of its own that says 'P': the accept queue is first in, first out, so once the probe
   * is taken every connection the build made before has been counted.
   */
  static final class Server implements AutoCloseable {
    final Path path;
    final ServerSocketChannel channel;
    final AtomicInteger accepted = new AtomicInteger();
    final AtomicInteger probes = new AtomicInteger();
    /** The peers' users (SO_PEERCRED), as the kernel recorded them at connect. */
    final java.util.Set<String> peers = java.util.concurrent.ConcurrentHashMap.newKeySet();
    final Thread thread;

    Server(Path path) throws IOException {
      this.path = path;
      channel = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
      channel.bind(UnixDomainSocketAddress.of(path), 200);
      thread = new Thread(() -> {
        while (true) {
          try (SocketChannel c = channel.accept()) {
            ByteBuffer b = ByteBuffer.allocate(1);
            int n = c.read(b);
            if (n == 1 && b.get(0) == 'P') {
              probes.incrementAndGet();
            } else {
              peers.add(c.getOption(jdk.net.ExtendedSocketOptions.SO_PEERCRED).user().getName());
              accepted.incrementAndGet();
            }
          } catch (IOException e) {
            if (!channel.isOpen()) {
              return;
            }
          }
        }
      }, "unix-server-" + path.getFileName());
      thread.setDaemon(true);
      thread.start();
    }

    /** How many connections other than our probes were accepted. */
    int count() throws Exception {
      int before = probes.get();
      try (SocketChannel c = SocketChannel.open(UnixDomainSocketAddress.of(path))) {
        c.write(ByteBuffer.wrap(new byte[] {'P'}));
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (probes.get() == before) {
          assertTrue(System.nanoTime() < end, "the server took its probe");
          Thread.sleep(5);
        }
      }
      return accepted.get();
    }

    @Override
    public void close() throws IOException {
      channel.close();
    }
  }

  @BeforeEach
  void servers() throws Exception {
    denied = new Server(dir.resolve("deny_.sock"));
    allowed = new Server(dir.resolve("allow.sock"));
  }

  @AfterEach
  void stop() throws Exception {
    denied.close();
    allowed.close();
  }

  record Run(int code, List<String> out, JsonNode record, String err) {
    String line(String tag) {
      return out.stream().filter(l -> l.startsWith(tag + " ")).findFirst().orElse(tag + " (no line)");
    }

    List<JsonNode> network(String address) {
      return RecordJson.network(record, address);
    }

    List<String> notes(String kind) {
      return RecordJson.notes(record, kind);
    }
  }

  /** plumbline run --deny-unix DENIED -- sh -c SCRIPT (stdout of the script in out.txt). */
  Run run(String script) throws Exception {
    Path record = dir.resolve("record.json");
    Path out = dir.resolve("out.txt");
    Files.deleteIfExists(out);
    Cli.Result r = Cli.run("run", "--record", record.toString(), "--deny-unix", denied.path.toString(),
        "--", "/bin/sh", "-c", "cd " + dir + " && { " + script + "; } > " + out);
    List<String> lines = Files.exists(out) ? Files.readAllLines(out) : List.of();
    return new Run(r.code(), lines, Files.exists(record) ? JSON.readTree(record.toFile()) : JSON.createObjectNode(),
        r.err());
  }

  String dial() {
    return bin.resolve("unixdial").toString();
  }

  void assertBlocked(Run r, String tag, String address) {
    assertEquals(tag + " err=" + EACCES, r.line(tag), "refused with EACCES: " + r.out + "\n" + r.err);
    List<JsonNode> seen = r.network(address);
    assertTrue(!seen.isEmpty(), "the attempt to " + address + " is recorded: " + r.record.path("network"));
    for (JsonNode n : seen) {
      assertEquals("blocked", n.path("decision").asText(), n.toString());
      assertEquals("unix", n.path("family").asText(), n.toString());
    }
  }

  @Test
  void anotherNameForTheDeniedSocketIsRefusedAndTheAllowedOneStillWorks() throws Exception {
    Files.createLink(dir.resolve("hard.sock"), denied.path);
    Files.createSymbolicLink(dir.resolve("soft.sock"), denied.path);
    Files.createDirectories(dir.resolve("sub"));
    Files.createSymbolicLink(dir.resolve("linkdir"), dir);
    String d = dial();
    Run r = run(String.join("; ",
        d + " connect " + denied.path + " direct",
        d + " connect " + dir.resolve("hard.sock") + " hardlink",
        d + " connect " + dir.resolve("soft.sock") + " symlink",
        d + " connect " + dir.resolve("linkdir/deny_.sock") + " symlinked-dir",
        d + " chdir " + dir.resolve("sub") + " ../deny_.sock relative",
        d + " chdir " + dir.resolve("sub") + " ../hard.sock relative-hardlink",
        d + " chdir " + dir + " /proc/self/cwd/deny_.sock proc-self-cwd",
        d + " connect /proc/self/root" + denied.path + " proc-self-root",
        d + " connect " + allowed.path + " allowed",
        d + " chdir " + dir.resolve("sub") + " ../allow.sock allowed-relative"));
    assertEquals(0, r.code, r.err);
    assertBlocked(r, "direct", denied.path.toString());
    assertBlocked(r, "hardlink", dir.resolve("hard.sock").toString());
    assertBlocked(r, "symlink", dir.resolve("soft.sock").toString());
    assertBlocked(r, "symlinked-dir", dir.resolve("linkdir/deny_.sock").toString());
    assertBlocked(r, "relative", "../deny_.sock");
    assertBlocked(r, "relative-hardlink", "../hard.sock");
    assertBlocked(r, "proc-self-cwd", "/proc/self/cwd/deny_.sock");
    assertBlocked(r, "proc-self-root", "/proc/self/root" + denied.path);
    assertEquals("allowed ok", r.line("allowed"), r.out.toString());
    assertEquals("allowed-relative ok", r.line("allowed-relative"), r.out.toString());
    assertEquals(0, denied.count(), "nothing reached the denied socket");
    assertEquals(2, allowed.count(), "the allowed socket was reached twice");
    assertTrue(r.notes("unix-denied").stream().anyMatch(n -> n.contains("same device and inode")), r.record.path("notes").toString());
    assertTrue(r.notes("unix-unpinned").isEmpty(), "the tracer connected every allowed call itself: " + r.notes("unix-unpinned"));
  }

  @Test
  void aBindMountInTheBuildsOwnMountNamespaceIsTheSameFile() throws Exception {
    Process p = new ProcessBuilder("unshare", "-rm", "true").redirectErrorStream(true).start();
    String why = new String(p.getInputStream().readAllBytes()).strip();
    if (p.waitFor() != 0) {
      fail("needs user and mount namespaces (unshare -rm: " + why + "); enable kernel.unprivileged_userns_clone or run as root");
    }
    Files.createFile(dir.resolve("mnt.sock"));
    Files.createFile(dir.resolve("mnt-ok.sock"));
    String d = dial();
    Run r = run("unshare -rm sh -c 'mount --bind " + denied.path + " " + dir.resolve("mnt.sock")
        + " && mount --bind " + allowed.path + " " + dir.resolve("mnt-ok.sock")
        + " && " + d + " connect " + dir.resolve("mnt.sock") + " bind-mount"
        + " && " + d + " connect " + dir.resolve("mnt-ok.sock") + " bind-mount-allowed'");
    assertEquals(0, r.code, r.err + r.out);
    assertBlocked(r, "bind-mount", dir.resolve("mnt.sock").toString());
    assertEquals("bind-mount-allowed ok", r.line("bind-mount-allowed"), r.out.toString());
    assertEquals(0, denied.count(), "nothing reached the denied socket");
    assertEquals(1, allowed.count(), "the allowed socket, bind-mounted, was reached");
  }

  static final Pattern COUNTS = Pattern.compile("attempts=(\\d+) ok=(\\d+) refused=(\\d+) other=(\\d+)");

  @Test
  void aNameSwappedOnDiskDuringTheCheckNeverReachesTheDeniedSocket() throws Exception {
    Path race = Files.createDirectories(dir.resolve("race"));
    Run r = run(dial() + " swap " + race + " " + allowed.path + " " + denied.path + " 300");
    assertEquals(0, r.code, r.err);
    Matcher m = COUNTS.matcher(r.line("swap"));
    assertTrue(m.find(), r.out.toString());
    int ok = Integer.parseInt(m.group(2));
    int refused = Integer.parseInt(m.group(3));
    assertEquals(0, denied.count(), "not one of 300 raced connects reached the denied socket (" + r.line("swap") + ")");
    assertEquals(ok, allowed.count(), "every connect that succeeded reached the allowed socket");
    assertTrue(ok > 0 && refused > 0, "the swap ran both ways during the attempts: " + r.line("swap"));
    assertTrue(r.notes("unix-unpinned").isEmpty(), r.notes("unix-unpinned").toString());
  }

  @Test
  void aSockaddrRewrittenByAnotherThreadNeverReachesTheDeniedSocket() throws Exception {
    Run r = run(dial() + " flip " + allowed.path + " " + denied.path + " 300");
    assertEquals(0, r.code, r.err);
    Matcher m = COUNTS.matcher(r.line("flip"));
    assertTrue(m.find(), r.out.toString());
    int ok = Integer.parseInt(m.group(2));
    assertEquals(0, denied.count(), "not one of 300 raced connects reached the denied socket (" + r.line("flip") + ")");
    assertEquals(ok, allowed.count(), "every connect that succeeded reached the allowed socket");
    assertTrue(ok > 0, "connects went through: " + r.line("flip"));
  }

  @Test
  void datagramsToAnotherNameForTheDeniedSocketAreRefused() throws Exception {
    // the build binds its own receivers; --deny-unix names the one at dgram-deny.sock
    Path deniedDgram = dir.resolve("dgram-deny.sock");
    Files.createSymbolicLink(dir.resolve("dgram-link.sock"), deniedDgram);
    String d = dial();
    Path record = dir.resolve("record.json");
    Path out = dir.resolve("out.txt");
    Cli.Result cli = Cli.run("run", "--record", record.toString(), "--deny-unix", deniedDgram.toString(),
        "--", "/bin/sh", "-c", "cd " + dir + " && { " + String.join("; ",
            d + " dgram " + deniedDgram + " " + dir.resolve("dgram-link.sock") + " dgram-symlink",
            d + " dgrammsg " + deniedDgram + " " + dir.resolve("dgram-link.sock") + " dgrammsg-symlink",
            d + " dgram " + dir.resolve("dgram-ok.sock") + " - dgram-allowed") + "; } > " + out);
    assertEquals(0, cli.code(), cli.err());
    List<String> lines = Files.readAllLines(out);
    Run r = new Run(cli.code(), lines, JSON.readTree(record.toFile()), cli.err());
    assertBlocked(r, "dgram-symlink", dir.resolve("dgram-link.sock").toString());
    assertTrue(lines.contains("dgram-symlink received=0"), lines.toString());
    assertBlocked(r, "dgrammsg-symlink", dir.resolve("dgram-link.sock").toString());
    assertTrue(lines.contains("dgrammsg-symlink received=0"), lines.toString());
    assertTrue(lines.contains("dgram-allowed ok") && lines.contains("dgram-allowed received=1"), lines.toString());
  }

  /**
   * Separate-user mode (a root agent, the build as nobody): the tracer makes the allowed calls with
   * the build's ids, never root's. A socket only root may write stays refused, the peer sees
   * nobody, and the denied socket stays out of reach under other names and in the swap race.
   */
  @Test
  @Tag("needs-root")
  void asAnotherUserTheTracerConnectsWithTheBuildsIdsNeverRoots() throws Exception {
    Set<PosixFilePermission> open = PosixFilePermissions.fromString("rwxrwxrwx");
    Files.setPosixFilePermissions(dir, open);
    Files.setPosixFilePermissions(denied.path, open);
    Files.setPosixFilePermissions(allowed.path, open);
    try (Server root = new Server(dir.resolve("root_.sock"))) {
      Files.setPosixFilePermissions(root.path, PosixFilePermissions.fromString("rwx------"));
      Path tool = Files.copy(bin.resolve("unixdial"), dir.resolve("unixdial"));
      Files.setPosixFilePermissions(tool, PosixFilePermissions.fromString("rwxr-xr-x"));
      Files.createLink(dir.resolve("hard.sock"), denied.path);
      Files.createSymbolicLink(dir.resolve("soft.sock"), denied.path);
      Path race = Files.createDirectories(dir.resolve("race"));
      Files.setPosixFilePermissions(race, open);
      Path record = dir.resolve("record.json");
      Path out = dir.resolve("out.txt");
      Cli.Result cli = Cli.run("run", "--user", "nobody", "--record", record.toString(), "--deny-unix", denied.path.toString(),
          "--", "/bin/sh", "-c", "cd " + dir + " && { " + String.join("; ",
              tool + " connect " + dir.resolve("hard.sock") + " hardlink",
              tool + " connect " + dir.resolve("soft.sock") + " symlink",
              tool + " connect " + root.path + " root-only",
              tool + " connect " + allowed.path + " allowed",
              tool + " swap " + race + " " + allowed.path + " " + denied.path + " 200") + "; } > " + out);
      assertEquals(0, cli.code(), cli.err());
      Run r = new Run(cli.code(), Files.readAllLines(out), JSON.readTree(record.toFile()), cli.err());
      assertBlocked(r, "hardlink", dir.resolve("hard.sock").toString());
      assertBlocked(r, "symlink", dir.resolve("soft.sock").toString());
      assertEquals("root-only err=" + EACCES, r.line("root-only"), "nobody may not write root's socket: " + r.out);
      assertEquals(0, root.count(), "root's socket was not reached");
      assertEquals("allowed ok", r.line("allowed"), r.out.toString());
      Matcher m = COUNTS.matcher(r.line("swap"));
      assertTrue(m.find(), r.out.toString());
      int ok = Integer.parseInt(m.group(2));
      assertEquals(0, denied.count(), "nothing reached the denied socket (" + r.line("swap") + ")");
      assertEquals(ok + 1, allowed.count(), "the allowed socket was reached by every connect that succeeded");
      assertEquals(Set.of("nobody"), allowed.peers, "the server saw the build's user as its peer, never root");
      assertTrue(r.notes("unix-unpinned").isEmpty(), "the tracer made every call itself: " + r.notes("unix-unpinned"));
    }
  }
}
