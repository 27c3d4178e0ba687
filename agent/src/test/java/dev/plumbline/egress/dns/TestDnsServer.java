package dev.plumbline.egress.dns;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A tiny authoritative DNS server for tests, on loopback only: answers configured names with
 * configured addresses (A or AAAA by question type) or a CNAME, NXDOMAIN for everything else, and
 * logs every question it receives so tests can assert that a refused name never left the agent.
 */
public final class TestDnsServer implements AutoCloseable {
  private final Map<String, List<InetAddress>> addresses = new ConcurrentHashMap<>();
  private final Map<String, String> cnames = new ConcurrentHashMap<>();
  private final List<String> log = new CopyOnWriteArrayList<>();
  private final DatagramSocket udp;
  private final ServerSocket tcp;
  private volatile boolean closed;
  private DatagramSocket udpBound;
  private ServerSocket tcpBound;

  public TestDnsServer(InetAddress bind, int port) throws IOException {
    // UDP and TCP must share one port; with port 0 the TCP side of a free UDP port may be taken
    // by another test or process, so try a few ports before giving up.
    IOException last = null;
    for (int attempt = 0; attempt < (port == 0 ? 20 : 1); attempt++) {
      DatagramSocket u = new DatagramSocket(new InetSocketAddress(bind, port));
      ServerSocket t = new ServerSocket();
      try {
        t.setReuseAddress(true);
        t.bind(new InetSocketAddress(bind, u.getLocalPort()));
        udpBound = u;
        tcpBound = t;
        break;
      } catch (IOException e) {
        last = e;
        u.close();
        t.close();
      }
    }
    if (udpBound == null) {
      throw last;
    }
    udp = udpBound;
    tcp = tcpBound;
    Thread u = new Thread(this::serveUdp, "test-dns-udp");
    u.setDaemon(true);
    u.start();
    Thread t = new Thread(this::serveTcp, "test-dns-tcp");
    t.setDaemon(true);
    t.start();
  }

  public TestDnsServer name(String name, String... addrs) throws IOException {
    List<InetAddress> list = new ArrayList<>();
    for (String a : addrs) {
      list.add(InetAddress.getByName(a)); // literals only in tests
    }
    addresses.put(name.toLowerCase(Locale.ROOT), list);
    return this;
  }

  public TestDnsServer cname(String name, String target) {
    cnames.put(name.toLowerCase(Locale.ROOT), target);
    return this;
  }

  public InetSocketAddress address() {
    return (InetSocketAddress) udp.getLocalSocketAddress();
  }

  /** "udp name TYPE" / "tcp name TYPE" per question received, in order. */
  public List<String> log() {
    return List.copyOf(log);
  }

  public boolean asked(String name) {
    return log.stream().anyMatch(l -> l.split(" ")[1].equalsIgnoreCase(name));
  }

  byte[] reply(byte[] query, int length, String transport) {
    DnsMessage q;
    try {
      q = DnsCodec.decode(java.util.Arrays.copyOf(query, length));
    } catch (DnsFormatException e) {
      log.add(transport + " (malformed) -");
      return null;
    }
    DnsMessage.Question question = q.questions().get(0);
    log.add(transport + " " + question.name() + " " + DnsMessage.typeName(question.type()));
    List<DnsMessage.ResourceRecord> answers = new ArrayList<>();
    String name = question.name().toLowerCase(Locale.ROOT);
    String target = cnames.get(name);
    if (target != null) {
      answers.add(DnsEncoder.cnameRecord(question.name(), target, 60));
      name = target;
    }
    List<InetAddress> addrs = addresses.get(name);
    int rcode = DnsMessage.RCODE_NOERROR;
    if (addrs == null) {
      rcode = DnsMessage.RCODE_NXDOMAIN;
    } else {
      for (InetAddress a : addrs) {
        int type = a.getAddress().length == 4 ? DnsMessage.TYPE_A : DnsMessage.TYPE_AAAA;
        if (type == question.type()) {
          answers.add(DnsEncoder.addressRecord(name, a, 60));
        }
      }
    }
    int flags = DnsMessage.FLAG_QR | DnsMessage.FLAG_AA | (q.flags() & DnsMessage.FLAG_RD) | DnsMessage.FLAG_RA | rcode;
    return DnsEncoder.encode(new DnsMessage(q.id(), flags, q.questions(), answers, List.of(), List.of()));
  }

  private void serveUdp() {
    byte[] buf = new byte[4096];
    while (!closed) {
      try {
        DatagramPacket p = new DatagramPacket(buf, buf.length);
        udp.receive(p);
        byte[] r = reply(p.getData(), p.getLength(), "udp");
        if (r != null) {
          udp.send(new DatagramPacket(r, r.length, p.getSocketAddress()));
        }
      } catch (IOException e) {
        return;
      }
    }
  }

  private void serveTcp() {
    while (!closed) {
      try (Socket s = tcp.accept()) {
        DataInputStream in = new DataInputStream(s.getInputStream());
        DataOutputStream out = new DataOutputStream(s.getOutputStream());
        int len = in.readUnsignedShort();
        byte[] q = new byte[len];
        in.readFully(q);
        byte[] r = reply(q, len, "tcp");
        if (r != null) {
          out.writeShort(r.length);
          out.write(r);
          out.flush();
        }
      } catch (IOException e) {
        if (closed) {
          return;
        }
      }
    }
  }

  @Override
  public void close() throws IOException {
    closed = true;
    udp.close();
    tcp.close();
  }
}
