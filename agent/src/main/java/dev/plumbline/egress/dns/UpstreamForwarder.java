package dev.plumbline.egress.dns;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Asks upstream nameservers a query, byte for byte, over UDP or TCP as the client asked. */
class UpstreamForwarder {
  private static final Logger log = LoggerFactory.getLogger(UpstreamForwarder.class);
  private static final int UPSTREAM_TIMEOUT_MS = 2500;

  /** The first reply from {@code targets} (two rounds over the list), or null when none answered. */
  byte[] forward(byte[] query, int id, boolean overTcp, List<InetSocketAddress> targets) {
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

}
