package dev.plumbline.net;

import java.net.Inet4Address;
import java.net.InetAddress;

/** An address block such as 10.0.0.0/8 or 2001:db8::/32; IPv4-mapped blocks are stored as IPv4. */
public record Cidr(InetAddress base, int prefix) {

  public Cidr {
    int max = base.getAddress().length * 8;
    if (prefix < 0 || prefix > max) {
      throw new IllegalArgumentException("prefix /" + prefix + " out of range");
    }
  }

  /** Parses {@code ADDRESS/PREFIX}; returns null when the text is not a CIDR block at all. */
  static Cidr parse(String text) throws RuleSyntaxException {
    int slash = text.indexOf('/');
    if (slash < 0) {
      return null;
    }
    String addr = text.substring(0, slash);
    String len = text.substring(slash + 1);
    InetAddress base = Addresses.parseLiteral(addr);
    if (base == null) {
      throw new RuleSyntaxException("'" + text + "' is not a CIDR block: '" + addr + "' is not an IP address");
    }
    if (len.isEmpty() || len.length() > 3 || !len.chars().allMatch(Character::isDigit)) {
      throw new RuleSyntaxException("'" + text + "' is not a CIDR block: bad prefix length '" + len + "'");
    }
    int prefix = Integer.parseInt(len);
    boolean writtenAsV6 = addr.indexOf(':') >= 0;
    if (writtenAsV6 && base instanceof Inet4Address) {
      // ::ffff:10.0.0.0/104 is the IPv4 block 10.0.0.0/8
      if (prefix < 96 || prefix > 128) {
        throw new RuleSyntaxException("'" + text + "': an IPv4-mapped block needs a prefix between /96 and /128");
      }
      prefix -= 96;
    }
    int max = base.getAddress().length * 8;
    if (prefix > max) {
      throw new RuleSyntaxException("'" + text + "': prefix /" + prefix + " is longer than " + max + " bits");
    }
    byte[] b = base.getAddress();
    for (int bit = prefix; bit < max; bit++) {
      if ((b[bit / 8] & (0x80 >>> (bit % 8))) != 0) {
        throw new RuleSyntaxException("'" + text + "' has host bits set after /" + prefix);
      }
    }
    return new Cidr(base, prefix);
  }

  public boolean contains(InetAddress address) {
    byte[] a = Addresses.normalize(address).getAddress();
    byte[] b = base.getAddress();
    if (a.length != b.length) {
      return false;
    }
    int full = prefix / 8;
    for (int i = 0; i < full; i++) {
      if (a[i] != b[i]) {
        return false;
      }
    }
    int rest = prefix % 8;
    if (rest == 0) {
      return true;
    }
    int mask = (0xff << (8 - rest)) & 0xff;
    return (a[full] & mask) == (b[full] & mask);
  }

  @Override
  public String toString() {
    return Addresses.format(base) + "/" + prefix;
  }
}
