package dev.plumbline.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.plumbline.testing.Cli;
import java.io.IOException;
import java.io.InputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A socket the build inherits, connected outside the traced tree, performed for real: the test
 * runs a server on loopback, withsocket.c (standing for the caller: a CI step's
 * {@code exec 7<>/dev/tcp/…}, a journald stdout) connects to it and execs {@code plumbline run}
 * with the socket as descriptor 7 (listed in PLUMBLINE_INHERITED_FDS, as the launcher does) or as
 * stdout, and the build writes a secret through it with plain {@code echo}, which names no
 * destination. {@code --deny-loopback} makes the server's address one block mode refuses. On the
 * old code the secret arrived in block mode and the record listed nothing.
 */
@Tag("needs-ptrace")
class InheritedSocketsTest {
  static Path withSocket;
  static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path dir;

  @BeforeAll
  static void compile(@TempDir Path bin) throws Exception {
    withSocket = compileWithSocket(bin);
  }

  /** withsocket.c compiled into {@code bin}. */
  static Path compileWithSocket(Path bin) throws Exception {
    Path src = bin.resolve("withsocket.c");
    try (InputStream in = InheritedSocketsTest.class.getResourceAsStream("/tracer/withsocket.c")) {
      Files.copy(in, src);
    }
    Path exe = bin.resolve("withsocket");
    Process gcc = new ProcessBuilder("gcc", "-O1", "-o", exe.toString(), src.toString()).redirectErrorStream(true).start();
    String out = new String(gcc.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertEquals(0, gcc.waitFor(), out);
    return exe;
  }

  /** A TCP server on 127.0.0.1: everything the one client it accepts sends until it closes. */
  static final class TcpServer implements AutoCloseable {
    final ServerSocket server = new ServerSocket(0, 8, InetAddress.getLoopbackAddress());
    final CompletableFuture<String> received = CompletableFuture.supplyAsync(() -> {
      try (Socket s = server.accept()) {
        s.setSoTimeout(60_000);
        return new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      } catch (IOException e) {
        return "error: " + e;
      }
    });

    TcpServer() throws IOException {}

    int port() {
      return server.getLocalPort();
    }

    String received() throws Exception {
      return received.get(90, TimeUnit.SECONDS);
    }

    @Override
    public void close() throws IOException {
      server.close();
    }
  }

  Cli.Result run(int fd, String kind, String address, int port, String... args) throws Exception {
    List<String> wrapper = List.of(withSocket.toString(), "" + fd, kind, address, "" + port);
    Map<String, String> env = fd > 2 ? Map.of("PLUMBLINE_INHERITED_FDS", "" + fd) : Map.of();
    return Cli.process(dir, wrapper, env, args);
  }

  JsonNode record() throws IOException {
    return JSON.readTree(dir.resolve("record.json").toFile());
  }

  /** The record's network entries with syscall {@code syscall}. */
  static List<JsonNode> entries(JsonNode record, String syscall) {
    List<JsonNode> out = new ArrayList<>();
    for (JsonNode n : record.path("network")) {
      for (JsonNode s : n.path("syscalls")) {
        if (s.asText().equals(syscall)) {
          out.add(n);
        }
      }
    }
    return out;
  }

  static String notes(JsonNode record) {
    return record.path("notes").toString();
  }

  @Test
  void aTcpSocketInheritedAboveTwoIsNotPassedInBlockModeWhenItsPeerIsRefused() throws Exception {
    try (TcpServer server = new TcpServer()) {
      Cli.Result r = run(7, "tcp", "127.0.0.1", server.port(), "run", "--egress", "block", "--deny-loopback",
          "--record", "record.json", "--", "sh", "-c", "echo secret-over-7 >&7; echo rc=$?");
      assertEquals(0, r.code(), r.err());
      assertTrue(r.out().contains("rc=2"), "the build did not get descriptor 7: " + r.out() + r.err());
      assertFalse(server.received().contains("secret"), "nothing reached the refused port: " + server.received());
      JsonNode record = record();
      List<JsonNode> inherited = entries(record, "inherited");
      assertEquals(1, inherited.size(), record.path("network").toString());
      JsonNode e = inherited.get(0);
      assertEquals("127.0.0.1", e.path("address").asText());
      assertEquals(server.port(), e.path("port").asInt());
      assertEquals("tcp", e.path("protocol").asText());
      assertEquals("blocked", e.path("decision").asText());
      assertTrue(notes(record).contains("descriptor 7, a tcp socket connected to 127.0.0.1:" + server.port()
          + ", was not passed to the build in block mode"), notes(record));
    }
  }

  @Test
  void aConnectedUdpSocketInheritedAboveTwoIsNotPassedInBlockMode() throws Exception {
    try (DatagramSocket server = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
      server.setSoTimeout(2000);
      Cli.Result r = run(7, "udp", "127.0.0.1", server.getLocalPort(), "run", "--egress", "block", "--deny-loopback",
          "--record", "record.json", "--", "sh", "-c", "echo secret-over-udp >&7; echo rc=$?");
      assertEquals(0, r.code(), r.err());
      assertTrue(r.out().contains("rc=2"), r.out() + r.err());
      String got = null;
      try {
        DatagramPacket p = new DatagramPacket(new byte[512], 512);
        server.receive(p);
        got = new String(p.getData(), 0, p.getLength(), StandardCharsets.UTF_8);
      } catch (SocketTimeoutException expected) {
        // nothing arrived
      }
      assertNull(got, "no datagram reached the refused port");
      JsonNode e = entries(record(), "inherited").get(0);
      assertEquals("udp", e.path("protocol").asText());
      assertEquals(server.getLocalPort(), e.path("port").asInt());
      assertEquals("blocked", e.path("decision").asText());
    }
  }

  @Test
  void aTcpSocketAsStdoutWhosePeerIsRefusedRefusesTheRunInBlockMode() throws Exception {
    try (TcpServer server = new TcpServer()) {
      Cli.Result r = run(1, "tcp", "127.0.0.1", server.port(), "run", "--egress", "block", "--deny-loopback",
          "--record", "record.json", "--", "sh", "-c", "echo secret-over-stdout");
      assertEquals(ExitCodes.RUN_USAGE, r.code(), r.err());
      assertEquals(1, r.errorLines(), r.err());
      assertTrue(r.err().contains("plumbline: stdout (descriptor 1) is a tcp socket connected to 127.0.0.1:"
          + server.port() + ", which block mode refuses"), r.err());
      r.assertNoStackTrace();
      assertFalse(server.received().contains("secret"), "the build never ran: " + server.received());
    }
  }

  @Test
  void auditModePassesAnInheritedSocketAndRecordsItsPeer() throws Exception {
    try (TcpServer server = new TcpServer()) {
      Cli.Result r = run(7, "tcp", "127.0.0.1", server.port(), "run", "--egress", "audit", "--deny-loopback",
          "--allow", "example.test:443", "--record", "record.json", "--", "sh", "-c", "echo secret-over-7 >&7");
      assertEquals(0, r.code(), r.err());
      assertEquals("secret-over-7\n", server.received(), "audit changes nothing");
      JsonNode record = record();
      JsonNode e = entries(record, "inherited").get(0);
      assertEquals("127.0.0.1", e.path("address").asText());
      assertEquals("audited", e.path("decision").asText());
      assertTrue(e.path("wouldBlock").asBoolean(), "block mode would refuse it: " + e);
    }
  }

  @Test
  void aUnixSocketAsStdoutKeepsWorkingUnlessDenyUnixNamesIt() throws Exception {
    Path journal = dir.resolve("journal.sock");
    for (String mode : List.of("block", "audit", "block-denied")) {
      Files.deleteIfExists(journal);
      try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
        server.bind(UnixDomainSocketAddress.of(journal));
        CompletableFuture<String> received = CompletableFuture.supplyAsync(() -> {
          try (SocketChannel c = server.accept()) {
            ByteBuffer b = ByteBuffer.allocate(4096);
            StringBuilder sb = new StringBuilder();
            while (c.read(b) > 0) {
              sb.append(new String(b.array(), 0, b.position(), StandardCharsets.UTF_8));
              b.clear();
            }
            return sb.toString();
          } catch (IOException e) {
            return "error: " + e;
          }
        });
        List<String> args = new ArrayList<>(List.of("run", "--egress", mode.startsWith("block") ? "block" : "audit",
            "--record", "record.json"));
        if (mode.equals("block-denied")) {
          args.addAll(List.of("--deny-unix", journal.toString()));
        }
        args.addAll(List.of("--", "sh", "-c", "echo to-the-journal"));
        Files.deleteIfExists(dir.resolve("record.json"));
        Cli.Result r = run(1, "unix", journal.toString(), 0, args.toArray(new String[0]));
        String got = received.get(90, TimeUnit.SECONDS);
        if (mode.equals("block-denied")) {
          assertEquals(ExitCodes.RUN_USAGE, r.code(), r.err());
          assertTrue(r.err().contains("stdout (descriptor 1) is a unix-stream socket connected to " + journal), r.err());
          assertFalse(got.contains("to-the-journal"), got);
        } else {
          assertEquals(0, r.code(), mode + ": " + r.err());
          assertTrue(got.contains("to-the-journal"), mode + ": " + got);
          JsonNode e = entries(record(), "inherited").get(0);
          assertEquals(journal.toString(), e.path("address").asText());
          assertEquals(mode.equals("block") ? "allowed" : "audited", e.path("decision").asText());
        }
      }
    }
  }

  @Test
  void anInheritedListenerOtherHostsCanReachGetsTheLockedInboundFilterInBlockMode() throws Exception {
    int port;
    try (ServerSocket free = new ServerSocket(0)) {
      port = free.getLocalPort();
    }
    Cli.Result r = run(7, "listen", "0.0.0.0", port, "run", "--egress", "block", "--record", "record.json", "--",
        withSocket.toString(), "detach", "7");
    assertEquals(0, r.code(), r.err());
    assertEquals("locked", r.out().strip(), "the build cannot take the filter off: " + r.out());
    JsonNode e = entries(record(), "inherited-listen").get(0);
    assertEquals("0.0.0.0", e.path("address").asText());
    assertEquals(port, e.path("port").asInt());
    assertEquals("allowed", e.path("decision").asText());

    try (ServerSocket free = new ServerSocket(0)) {
      port = free.getLocalPort();
    }
    r = run(7, "listen", "0.0.0.0", port, "run", "--egress", "audit", "--record", "record.json", "--",
        withSocket.toString(), "detach", "7");
    assertEquals("unlocked", r.out().strip(), "audit changes nothing: " + r.out());
    assertEquals("audited", entries(record(), "inherited-listen").get(0).path("decision").asText());
  }

  @Test
  @Tag("needs-root")
  void aPacketSocketInheritedIsNotPassedInBlockModeAndMakesAnAuditRecordIncomplete() throws Exception {
    Cli.Result r = run(7, "packet", "-", 0, "run", "--egress", "block", "--record", "record.json", "--",
        "sh", "-c", "echo frame >&7; echo rc=$?");
    assertEquals(0, r.code(), r.err());
    assertTrue(r.out().contains("rc=2"), "the packet socket did not reach the build: " + r.out() + r.err());
    JsonNode record = record();
    assertEquals("blocked", entries(record, "inherited").get(0).path("decision").asText());
    assertEquals("packet", entries(record, "inherited").get(0).path("family").asText());

    r = run(7, "packet", "-", 0, "run", "--egress", "audit", "--record", "record.json", "--", "true");
    assertEquals(0, r.code(), r.err());
    record = record();
    assertFalse(record.path("completeness").path("complete").asBoolean(), record.path("completeness").toString());
    assertTrue(record.path("completeness").toString().contains("inherited a socket of family packet"),
        record.path("completeness").toString());
  }
}
