package dev.plumbline.egress.dns;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which traced process sent a DNS query that reached the resolver: the client's port gives the
 * socket inode (/proc/net/udp, tcp and their IPv6 twins), and the processes whose lookups were
 * redirected recently are searched for that socket. Runs on the resolver's threads, never the
 * tracer's. Falls back to the most recently redirected process, then 0 (unknown).
 */
public final class SocketOwners {
  private static final Logger log = LoggerFactory.getLogger(SocketOwners.class);
  private static final int REMEMBERED = 64;

  private final Path proc;
  private final Deque<Integer> recent = new ArrayDeque<>();
  private final java.util.Map<Integer, InetSocketAddress> wanted = new java.util.HashMap<>();

  public SocketOwners(Path proc) {
    this.proc = proc;
  }

  public static SocketOwners system() {
    return new SocketOwners(Paths.get("/proc"));
  }

  /** The tracer redirected a DNS packet of {@code pid}: it is a candidate owner of the next queries. */
  public synchronized void noteRedirect(int pid) {
    recent.remove(pid);
    recent.addLast(pid);
    while (recent.size() > REMEMBERED) {
      wanted.remove(recent.removeFirst());
    }
  }

  /** As {@link #noteRedirect(int)}, remembering the nameserver the process meant to ask. */
  public synchronized void noteRedirect(int pid, InetSocketAddress original) {
    noteRedirect(pid);
    if (original != null) {
      wanted.put(pid, original);
    }
  }

  /** The nameserver {@code pid}'s latest redirected DNS packet was meant for, or null. */
  public synchronized InetSocketAddress originalFor(int pid) {
    return wanted.get(pid);
  }

  private synchronized List<Integer> candidates() {
    List<Integer> out = new ArrayList<>(recent);
    java.util.Collections.reverse(out);
    return out;
  }

  public int ownerOf(InetSocketAddress client, boolean tcp) {
    List<Integer> candidates = candidates();
    if (candidates.isEmpty()) {
      return 0;
    }
    try {
      List<Long> inodes = new ArrayList<>();
      for (String table : tcp ? new String[] {"tcp", "tcp6"} : new String[] {"udp", "udp6"}) {
        inodes.addAll(inodesForLocalPort(proc.resolve("net").resolve(table), client.getPort()));
      }
      for (int pid : candidates) {
        for (long inode : inodes) {
          if (holdsSocket(pid, inode)) {
            return pid;
          }
        }
      }
    } catch (RuntimeException e) {
      log.debug("cannot attribute DNS query from {}", client, e);
    }
    return candidates.get(0);
  }

  /** Inodes of the sockets bound to local port {@code port} in a /proc/net/{udp,tcp}[6] table. */
  static List<Long> inodesForLocalPort(Path table, int port) {
    List<Long> out = new ArrayList<>();
    List<String> lines;
    try {
      lines = Files.readAllLines(table);
    } catch (IOException e) {
      return out;
    }
    for (int i = 1; i < lines.size(); i++) {
      String[] f = lines.get(i).strip().split("\\s+");
      if (f.length < 10) {
        continue;
      }
      String local = f[1];
      int colon = local.lastIndexOf(':');
      try {
        int p = Integer.parseInt(local.substring(colon + 1), 16);
        if (p == port) {
          out.add(Long.parseLong(f[9]));
        }
      } catch (NumberFormatException e) {
        // header or odd line
      }
    }
    return out;
  }

  private boolean holdsSocket(int pid, long inode) {
    String want = "socket:[" + inode + "]";
    try (DirectoryStream<Path> fds = Files.newDirectoryStream(proc.resolve(String.valueOf(pid)).resolve("fd"))) {
      for (Path fd : fds) {
        try {
          if (Files.readSymbolicLink(fd).toString().equals(want)) {
            return true;
          }
        } catch (IOException e) {
          // fd closed meanwhile
        }
      }
    } catch (IOException e) {
      return false;
    }
    return false;
  }
}
