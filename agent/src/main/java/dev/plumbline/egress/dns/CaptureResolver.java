package dev.plumbline.egress.dns;

import dev.plumbline.net.Allowlist;
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
import java.util.List;
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
 * when available, IPv6) for the traced tree's DNS traffic that the egress gate redirected, and
 * relays what {@link DnsAnswerer} says to each query (decision, forwarding to the nameservers of
 * /etc/resolv.conf, recording). In block mode a question for a name the allowlist does not allow
 * is never forwarded: it is answered NXDOMAIN.
 */
public final class CaptureResolver implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(CaptureResolver.class);
  private static final int TCP_CLIENT_TIMEOUT_MS = 10_000;
  private static final int MAX_WORKERS = 64;

  private final List<InetSocketAddress> upstreams;
  private final SocketOwners owners;
  private final DnsAnswerer answerer;

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
    this.owners = owners;
    this.answerer = new DnsAnswerer(upstreams, blocking, allowlist, names, sink, owners, clock, new UpstreamForwarder());
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
            byte[] reply = answerer.answer(query, client, false);
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
        byte[] reply = answerer.answer(query, client, true);
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
