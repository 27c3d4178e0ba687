package dev.plumbline.egress.dns;

import dev.plumbline.net.Addresses;
import dev.plumbline.net.HostNames;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;

/** The address → name lines of an /etc/hosts file (names canonical, bad lines skipped). */
public final class HostsFile {
  private HostsFile() {}

  public record Entry(InetAddress address, String name) {}

  public static List<Entry> parse(String text) {
    List<Entry> out = new ArrayList<>();
    for (String raw : text.split("\n")) {
      String line = raw;
      int hash = line.indexOf('#');
      if (hash >= 0) {
        line = line.substring(0, hash);
      }
      String[] f = line.strip().split("\\s+");
      if (f.length < 2) {
        continue;
      }
      String addr = f[0];
      int zone = addr.indexOf('%');
      InetAddress a = Addresses.parseLiteral(zone >= 0 ? addr.substring(0, zone) : addr);
      if (a == null) {
        continue;
      }
      for (int i = 1; i < f.length; i++) {
        String n = HostNames.canonical(f[i]);
        if (n != null) {
          out.add(new Entry(a, n));
        }
      }
    }
    return out;
  }
}
