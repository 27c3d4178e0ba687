package dev.plumbline.egress;

import dev.plumbline.cli.Main;
import dev.plumbline.egress.dns.TestDnsServer;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Runs INSIDE a test network namespace (started with {@code ip netns exec}): serves the test DNS
 * zone on 127.0.0.53:53, opens loopback listeners that log every payload reaching them, runs
 * {@code plumbline run ARGS...} in this JVM, then writes what reached the listeners and what the
 * DNS server was asked to OUT_DIR. Usage: EgressNetnsFixture OUT_DIR run ARGS...
 */
public final class EgressNetnsFixture {
  static final List<String> reached = new CopyOnWriteArrayList<>();

  public static void main(String[] args) throws Exception {
    Path out = Paths.get(args[0]);
    TestDnsServer dns = new TestDnsServer(InetAddress.getByName("127.0.0.53"), 53);
    dns.name("allowed.test", "127.0.0.10")
        .name("v6.allowed.test", "::1")
        .name("udp.allowed.test", "127.0.0.12")
        .name("denied.test", "127.0.0.11")
        .name("other.test", "127.0.0.13");
    for (String hostPort : List.of("127.0.0.10:8080", "127.0.0.11:8080", "127.0.0.13:8080", "127.0.0.20:8080", "[::1]:8080", "[::1]:8081")) {
      tcpListener(hostPort);
    }
    for (String hostPort : List.of("127.0.0.11:9999", "127.0.0.12:9999")) {
      udpListener(hostPort);
    }
    unixListener(out.resolve("denied.sock"));
    unixListener(out.resolve("open.sock"));
    int code = Main.run(Arrays.copyOfRange(args, 1, args.length));
    Thread.sleep(300); // let listeners log the last payloads
    Files.write(out.resolve("reached.txt"), new ArrayList<>(reached), StandardCharsets.UTF_8);
    Files.write(out.resolve("dns-asked.txt"), dns.log(), StandardCharsets.UTF_8);
    Files.writeString(out.resolve("exit.txt"), Integer.toString(code));
    System.exit(0);
  }

  static InetSocketAddress parse(String hostPort) throws IOException {
    int colon = hostPort.lastIndexOf(':');
    String host = hostPort.substring(0, colon).replace("[", "").replace("]", "");
    return new InetSocketAddress(InetAddress.getByName(host), Integer.parseInt(hostPort.substring(colon + 1)));
  }

  static void tcpListener(String hostPort) throws IOException {
    ServerSocket s = new ServerSocket();
    s.setReuseAddress(true);
    s.bind(parse(hostPort), 64);
    Thread t =
        new Thread(
            () -> {
              while (true) {
                try (Socket c = s.accept()) {
                  c.setSoTimeout(5000);
                  String line = new BufferedReader(new InputStreamReader(c.getInputStream(), StandardCharsets.UTF_8)).readLine();
                  reached.add("tcp " + hostPort + " " + line);
                } catch (IOException e) {
                  reached.add("tcp " + hostPort + " (connection without payload)");
                }
              }
            });
    t.setDaemon(true);
    t.start();
  }

  static void unixListener(Path path) throws IOException {
    java.nio.channels.ServerSocketChannel server = java.nio.channels.ServerSocketChannel.open(java.net.StandardProtocolFamily.UNIX);
    server.bind(java.net.UnixDomainSocketAddress.of(path));
    Thread t =
        new Thread(
            () -> {
              while (true) {
                try (java.nio.channels.SocketChannel c = server.accept()) {
                  String line =
                      new BufferedReader(new InputStreamReader(java.nio.channels.Channels.newInputStream(c), StandardCharsets.UTF_8)).readLine();
                  reached.add("unix " + path.getFileName() + " " + line);
                } catch (IOException e) {
                  return;
                }
              }
            });
    t.setDaemon(true);
    t.start();
  }

  static void udpListener(String hostPort) throws IOException {
    DatagramSocket s = new DatagramSocket(parse(hostPort));
    Thread t =
        new Thread(
            () -> {
              byte[] buf = new byte[512];
              while (true) {
                try {
                  DatagramPacket p = new DatagramPacket(buf, buf.length);
                  s.receive(p);
                  reached.add("udp " + hostPort + " " + new String(buf, 0, p.getLength(), StandardCharsets.UTF_8).strip());
                } catch (IOException e) {
                  return;
                }
              }
            });
    t.setDaemon(true);
    t.start();
  }
}
