package dev.plumbline.egress.dns;

import dev.plumbline.net.Addresses;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;

/**
 * The nameservers of a resolv.conf, in order. Like glibc: at most three are used, and with none
 * the resolver is the local host (127.0.0.1). Zone ids of link-local servers are dropped.
 */
public final class ResolvConf {
  private ResolvConf() {}

  public static List<InetSocketAddress> nameservers(String text) {
    List<InetSocketAddress> out = new ArrayList<>();
    for (String raw : text.split("\n")) {
      String line = raw.strip();
      if (line.isEmpty() || line.startsWith("#") || line.startsWith(";")) {
        continue;
      }
      String[] f = line.split("\\s+");
      if (f.length < 2 || !f[0].equals("nameserver")) {
        continue;
      }
      String addr = f[1];
      int zone = addr.indexOf('%');
      if (zone >= 0) {
        addr = addr.substring(0, zone);
      }
      InetAddress a = Addresses.parseLiteral(addr);
      if (a != null && out.size() < 3) {
        out.add(new InetSocketAddress(a, 53));
      }
    }
    if (out.isEmpty()) {
      out.add(new InetSocketAddress(Addresses.parseLiteral("127.0.0.1"), 53));
    }
    return out;
  }
}
