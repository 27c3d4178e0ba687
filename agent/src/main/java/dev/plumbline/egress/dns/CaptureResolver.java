package dev.plumbline.egress.dns;

import dev.plumbline.net.Addresses;
import dev.plumbline.net.Allowlist;
import dev.plumbline.net.HostNames;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The agent's DNS resolver: listens on loopback (UDP and TCP on one unprivileged port, IPv4 and,
 * when available, IPv6), receives the traced tree's DNS traffic that the egress gate redirected,
 * forwards it byte for byte to the upstream nameservers of /etc/resolv.conf, relays the answer,
 * and records question and answers. In block mode a question for a name the allowlist does not
 * allow is never forwarded: it is answered NXDOMAIN.
 */
public final class CaptureResolver implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(CaptureResolver.class);
  private static final int UPSTREAM_TIMEOUT_MS = 2500;
  private static final int TCP_CLIENT_TIMEOUT_MS = 10_000;
  private static final int MAX_WORKERS = 64;

  private final List<InetSocketAddress> upstreams;
  /** Block mode: refused names get NXDOMAIN and never reach the upstream nameserver. */
  private final boolean blocking;
  private final Allowlist allowlist;
  private final NameBook names;
  private final Consumer<DnsObservation> sink;
  private final SocketOwners owners;
  private final Clock clock;

  private final List<DatagramSocket> udp = new ArrayList<>();
  private final List<ServerSocket> tcp = new ArrayList<>();
  private final ExecutorService workers;
  private final AtomicInteger threadIds = new AtomicInteger();
  private final AtomicInteger dropped = new AtomicInteger();
  private volatile boolean closed;
  private InetSocketAddress inet;
  private InetSocketAddress inet6;

  public CaptureResolver(
      List<InetSocketAddress> upstreams,
      boolean blocking,
      Allowlist allowlist,
      NameBook names,
      Consumer<DnsObservation> sink,
      SocketOwners owners,
      Clock clock) {
    this.upstreams = List.copyOf(upstreams);
    this.blocking = blocking;
    this.allowlist = allowlist;
    this.names = names;
    this.sink = sink;
    this.owners = owners;
    this.clock = clock;
    // Bounded: a build that floods the resolver gets queries dropped (clients retry), it cannot
    // make the agent start threads without limit.
    this.workers =
        new ThreadPoolExecutor(
            0,
            MAX_WORKERS,
            30,
            TimeUnit.SECONDS,
            new SynchronousQueue<>(),
            r -> {
              Thread t = new Thread(r, "plumbline-dns-" + threadIds.incrementAndGet());
              t.setDaemon(true);
              return t;
            });
  }

  /** Binds UDP and TCP on 127.0.0.1 (and ::1 when it exists) on one free port, and starts serving. */
  public CaptureResolver start() throws IOException {
    InetAddress v4 = InetAddress.getByAddress(new byte[] {127, 0, 0, 1});
    IOException last = null;
    for (int attempt = 0; attempt < 20; attempt++) {
      DatagramSocket u = null;
      ServerSocket t = null;
      try {
        u = new DatagramSocket(new InetSocketAddress(v4, 0));
        int port = u.getLocalPort();
        t = new ServerSocket();
        t.setReuseAddress(true);
        t.bind(new InetSocketAddress(v4, port), 64);
        udp.add(u);
        tcp.add(t);
        inet = new InetSocketAddress(v4, port);
        bindIpv6(port);
        break;
      } catch (IOException e) {
        last = e;
        if (u != null) {
          u.close();
        }
        if (t != null) {
          t.close();
        }
      }
    }
    if (inet == null) {
      throw new IOException("cannot bind the DNS resolver on 127.0.0.1: " + (last == null ? "" : last.getMessage()), last);
    }
    for (DatagramSocket u : udp) {
      listener(() -> serveUdp(u));
    }
    for (ServerSocket t : tcp) {
      listener(() -> serveTcp(t));
    }
    log.debug("DNS resolver on {} / {} forwarding to {}", inet, inet6, upstreams);
    return this;
  }

  private void bindIpv6(int port) {
    DatagramSocket u = null;
    ServerSocket t = null;
    try {
      InetAddress v6 = InetAddress.getByName("::1");
      u = new DatagramSocket(new InetSocketAddress(v6, port));
      t = new ServerSocket();
      t.setReuseAddress(true);
      t.bind(new InetSocketAddress(v6, port), 64);
      udp.add(u);
      tcp.add(t);
      inet6 = new InetSocketAddress(v6, port);
    } catch (IOException e) {
      log.debug("no IPv6 loopback for the DNS resolver: {}", e.toString());
      if (u != null) {
        u.close();
      }
      if (t != null) {
        try {
          t.close();
        } catch (IOException ignored) {
          // nothing to do
        }
      }
    }
  }

  private void listener(Runnable loop) {
    Thread t = new Thread(loop, "plumbline-dns-listen-" + threadIds.incrementAndGet());
    t.setDaemon(true);
    t.start();
  }

  /** Runs {@code task} on a worker, or drops it (logged, counted) when all are busy. */
  private boolean work(Runnable task) {
    try {
      workers.execute(task);
      return true;
    } catch (RejectedExecutionException e) {
      if (dropped.incrementAndGet() == 1) {
        log.warn("DNS resolver busy ({} queries in flight): dropping queries until it catches up", MAX_WORKERS);
      }
      return false;
    }
  }

  /** Queries dropped because every worker was busy. */
  public int dropped() {
    return dropped.get();
  }

  public InetSocketAddress inet() {
    return inet;
  }

  /** Null when ::1 could not be bound. */
  public InetSocketAddress inet6() {
    return inet6;
  }

  public SocketOwners owners() {
    return owners;
  }

  private void serveUdp(DatagramSocket socket) {
    byte[] buf = new byte[65535];
    while (!closed) {
      DatagramPacket p = new DatagramPacket(buf, buf.length);
      try {
        socket.receive(p);
      } catch (IOException e) {
        if (!closed) {
          log.debug("DNS UDP receive failed", e);
        }
        return;
      }
      byte[] query = Arrays.copyOf(p.getData(), p.getLength());
      InetSocketAddress client = (InetSocketAddress) p.getSocketAddress();
      work(
          () -> {
            byte[] reply = answer(query, client, false);
            if (reply != null) {
              try {
                socket.send(new DatagramPacket(reply, reply.length, client));
              } catch (IOException e) {
                log.debug("DNS UDP reply to {} failed", client, e);
              }
            }
          });
    }
  }

  private void serveTcp(ServerSocket server) {
    while (!closed) {
      Socket s;
      try {
        s = server.accept();
      } catch (IOException e) {
        if (!closed) {
          log.debug("DNS TCP accept failed", e);
        }
        return;
      }
      if (!work(() -> serveTcpClient(s))) {
        try {
          s.close();
        } catch (IOException ignored) {
          // dropped anyway
        }
      }
    }
  }

  private void serveTcpClient(Socket s) {
    try (s) {
      s.setSoTimeout(TCP_CLIENT_TIMEOUT_MS);
      DataInputStream in = new DataInputStream(s.getInputStream());
      DataOutputStream out = new DataOutputStream(s.getOutputStream());
      InetSocketAddress client = (InetSocketAddress) s.getRemoteSocketAddress();
      while (!closed) {
        int len;
        try {
          len = in.readUnsignedShort();
        } catch (EOFException | SocketTimeoutException e) {
          return;
        }
        byte[] query = new byte[len];
        in.readFully(query);
        byte[] reply = answer(query, client, true);
        if (reply == null) {
          return;
        }
        out.writeShort(reply.length);
        out.write(reply);
        out.flush();
      }
    } catch (IOException e) {
      log.debug("DNS TCP client failed", e);
    }
  }

  /** The reply for one query (null: none), after deciding, forwarding and recording. */
  byte[] answer(byte[] query, InetSocketAddress client, boolean overTcp) {
    String transport = overTcp ? "tcp" : "udp";
    int pid = owners == null ? 0 : owners.ownerOf(client, overTcp);
    DnsMessage q;
    try {
      q = DnsCodec.decodeQuery(query, query.length);
    } catch (DnsFormatException e) {
      record(pid, "(malformed)", "", List.of(), blocking ? "blocked" : "audited", "FORMERR", transport);
      return formErr(query);
    }
    if (q.isResponse()) {
      return null; // a stray response, not a question: nothing to answer
    }
    boolean block = blocking;
    if (block) {
      String refusal = refusal(q);
      if (refusal != null) {
        for (DnsMessage.Question question : questionsOrPlaceholder(q)) {
          record(pid, question.name(), DnsMessage.typeName(question.type()), List.of(), "blocked", refusal, transport);
        }
        try {
          int rcode = refusal.equals("NXDOMAIN") ? DnsMessage.RCODE_NXDOMAIN : DnsMessage.RCODE_REFUSED;
          return DnsCodec.errorResponse(query, query.length, rcode);
        } catch (DnsFormatException e) {
          return formErr(query);
        }
      }
    }
    String decision = block ? "allowed" : "audited";
    byte[] reply = forward(query, q.id(), overTcp, targets(pid));
    if (reply == null) {
      for (DnsMessage.Question question : questionsOrPlaceholder(q)) {
        record(pid, question.name(), DnsMessage.typeName(question.type()), List.of(), decision, "SERVFAIL", transport);
      }
      try {
        return DnsCodec.errorResponse(query, query.length, DnsMessage.RCODE_SERVFAIL);
      } catch (DnsFormatException e) {
        return formErr(query);
      }
    }
    DnsMessage r = null;
    try {
      r = DnsCodec.decode(reply);
    } catch (DnsFormatException e) {
      log.debug("undecodable upstream answer relayed as is: {}", e.getMessage());
    }
    for (DnsMessage.Question question : questionsOrPlaceholder(q)) {
      List<String> answers = r == null ? List.of() : attribute(question.name(), r);
      String rcode = r == null ? "UNDECODABLE" : DnsMessage.rcodeName(r.rcode());
      if (r != null && r.truncated()) {
        rcode += " (truncated)";
      }
      record(pid, question.name(), DnsMessage.typeName(question.type()), answers, decision, rcode, transport);
    }
    return reply;
  }

  /** Why block mode does not forward this query (an rcode name), or null when it may go upstream. */
  private String refusal(DnsMessage q) {
    if (q.opcode() != 0 || q.questions().size() != 1) {
      return "REFUSED"; // only plain one-question queries leave the host
    }
    String name = q.questions().get(0).name();
    return HostNames.canonical(name) != null && allowlist.allowsName(name) ? null : "NXDOMAIN";
  }

  private static List<DnsMessage.Question> questionsOrPlaceholder(DnsMessage q) {
    return q.questions().isEmpty() ? List.of(new DnsMessage.Question("(no question)", 0, 0)) : q.questions();
  }

  /**
   * The answer values for {@code question}, following its CNAME chain; every A/AAAA address on the
   * chain is attributed to the question's name (what the build asked for).
   */
  private List<String> attribute(String question, DnsMessage r) {
    Set<String> chain = new HashSet<>();
    String q = question.toLowerCase(Locale.ROOT);
    chain.add(q);
    boolean grew = true;
    while (grew) {
      grew = false;
      for (DnsMessage.ResourceRecord rr : r.answers()) {
        if (rr.type() == DnsMessage.TYPE_CNAME && rr.value() != null && chain.contains(rr.name().toLowerCase(Locale.ROOT))) {
          grew |= chain.add(rr.value().toLowerCase(Locale.ROOT));
        }
      }
    }
    List<String> out = new ArrayList<>();
    for (DnsMessage.ResourceRecord rr : r.answers()) {
      if (!chain.contains(rr.name().toLowerCase(Locale.ROOT)) || rr.value() == null) {
        continue;
      }
      if (rr.type() == DnsMessage.TYPE_A || rr.type() == DnsMessage.TYPE_AAAA) {
        names.add(question, Addresses.parseLiteral(rr.value()));
        out.add(rr.value());
      } else if (rr.type() == DnsMessage.TYPE_CNAME) {
        out.add(rr.value());
      }
    }
    return out.stream().distinct().sorted().toList();
  }

  /**
   * Where to forward: audit mode asks the nameserver the process meant to ask (so a build with its
   * own resolver configuration gets the same answers as without plumbline); block mode always asks
   * the system's nameservers, since an answer from a server the build chose could point an allowed
   * name at any address.
   */
  private List<InetSocketAddress> targets(int pid) {
    if (!blocking && owners != null && pid > 0) {
      InetSocketAddress wanted = owners.originalFor(pid);
      if (wanted != null && !upstreams.contains(wanted)) {
        return List.of(wanted);
      }
    }
    return upstreams;
  }

  private byte[] forward(byte[] query, int id, boolean overTcp, List<InetSocketAddress> targets) {
    for (int round = 0; round < 2; round++) {
      for (InetSocketAddress upstream : targets) {
        try {
          byte[] reply = overTcp ? forwardTcp(query, upstream) : forwardUdp(query, id, upstream);
          if (reply != null) {
            return reply;
          }
        } catch (IOException e) {
          log.debug("upstream {} failed: {}", upstream, e.toString());
        }
      }
    }
    return null;
  }

  private static byte[] forwardUdp(byte[] query, int id, InetSocketAddress upstream) throws IOException {
    try (DatagramSocket s = new DatagramSocket()) {
      s.setSoTimeout(UPSTREAM_TIMEOUT_MS);
      s.connect(upstream);
      s.send(new DatagramPacket(query, query.length));
      byte[] buf = new byte[65535];
      long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(UPSTREAM_TIMEOUT_MS);
      while (System.nanoTime() < deadline) {
        DatagramPacket p = new DatagramPacket(buf, buf.length);
        try {
          s.receive(p);
        } catch (SocketTimeoutException e) {
          return null;
        }
        if (p.getLength() >= 12 && (((buf[0] & 0xff) << 8) | (buf[1] & 0xff)) == id) {
          return Arrays.copyOf(buf, p.getLength());
        }
      }
      return null;
    }
  }

  private static byte[] forwardTcp(byte[] query, InetSocketAddress upstream) throws IOException {
    try (Socket s = new Socket()) {
      s.connect(upstream, UPSTREAM_TIMEOUT_MS);
      s.setSoTimeout(UPSTREAM_TIMEOUT_MS);
      DataOutputStream out = new DataOutputStream(s.getOutputStream());
      out.writeShort(query.length);
      out.write(query);
      out.flush();
      DataInputStream in = new DataInputStream(s.getInputStream());
      int len = in.readUnsignedShort();
      byte[] reply = new byte[len];
      in.readFully(reply);
      return reply;
    }
  }

  private static byte[] formErr(byte[] query) {
    if (query.length < 2) {
      return null;
    }
    byte[] r = new byte[12];
    r[0] = query[0];
    r[1] = query[1];
    r[2] = (byte) 0x80;
    r[3] = (byte) (0x80 | DnsMessage.RCODE_FORMERR);
    return r;
  }

  private void record(int pid, String name, String type, List<String> answers, String decision, String rcode, String transport) {
    try {
      sink.accept(new DnsObservation(clock.instant(), pid, name, type, answers, decision, rcode, transport));
    } catch (RuntimeException e) {
      log.warn("DNS observation lost: {}", e.toString());
    }
  }

  @Override
  public void close() {
    closed = true;
    for (DatagramSocket u : udp) {
      u.close();
    }
    for (ServerSocket t : tcp) {
      try {
        t.close();
      } catch (IOException ignored) {
        // closing anyway
      }
    }
    workers.shutdownNow();
  }

  /** For tests and logs. */
  @Override
  public String toString() {
    return "CaptureResolver" + inet + (inet6 == null ? "" : " " + inet6) + " -> " + upstreams;
  }
}
