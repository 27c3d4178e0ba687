package dev.plumbline.egress.dns;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SocketOwnersTest {
  @Test
  void findsInodesByLocalPortInAProcNetTable(@TempDir Path dir) throws Exception {
    Path udp =
        Files.writeString(
            dir.resolve("udp"),
            "   sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops\n"
                + "  123: 0100007F:9C40 3500007F:0035 01 00000000:00000000 00:00000000 00000000     0        0 424242 2 0000000000000000 0\n"
                + "  124: 0100007F:0035 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 777 2 0000000000000000 0\n");
    assertEquals(List.of(424242L), SocketOwners.inodesForLocalPort(udp, 0x9C40));
    assertEquals(List.of(777L), SocketOwners.inodesForLocalPort(udp, 53));
    assertEquals(List.of(), SocketOwners.inodesForLocalPort(udp, 1));
    assertEquals(List.of(), SocketOwners.inodesForLocalPort(dir.resolve("missing"), 1));
  }

  @Test
  void attributesASocketToTheProcessHoldingIt() throws Exception {
    int self = (int) ProcessHandle.current().pid();
    SocketOwners owners = new SocketOwners(Paths.get("/proc"));
    InetSocketAddress nobody = new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 1);
    assertEquals(0, owners.ownerOf(nobody, false), "no redirect seen: unknown");
    owners.noteRedirect(999_999_999);
    owners.noteRedirect(self);
    owners.noteRedirect(999_999_998); // most recent, but does not hold the socket
    try (DatagramSocket s = new DatagramSocket(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0))) {
      assertEquals(self, owners.ownerOf((InetSocketAddress) s.getLocalSocketAddress(), false));
    }
    assertEquals(999_999_998, owners.ownerOf(nobody, false), "falls back to the most recent redirect");
  }
}
