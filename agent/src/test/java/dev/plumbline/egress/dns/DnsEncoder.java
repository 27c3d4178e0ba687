package dev.plumbline.egress.dns;

import dev.plumbline.net.Addresses;
import java.io.ByteArrayOutputStream;
import java.net.InetAddress;
import java.util.List;

/** Encodes DNS messages for the tests' own servers and fixtures (the agent only decodes and answers errors). */
public final class DnsEncoder {
  private DnsEncoder() {}

  public static byte[] encode(DnsMessage m) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(512);
    u16(out, m.id());
    u16(out, m.flags());
    u16(out, m.questions().size());
    u16(out, m.answers().size());
    u16(out, m.authorities().size());
    u16(out, m.additionals().size());
    for (DnsMessage.Question q : m.questions()) {
      name(out, q.name());
      u16(out, q.type());
      u16(out, q.dnsClass());
    }
    for (List<DnsMessage.ResourceRecord> section : List.of(m.answers(), m.authorities(), m.additionals())) {
      for (DnsMessage.ResourceRecord rr : section) {
        name(out, rr.name());
        u16(out, rr.type());
        u16(out, rr.dnsClass());
        u16(out, (int) (rr.ttl() >>> 16));
        u16(out, (int) rr.ttl());
        byte[] data = rr.data();
        u16(out, data.length);
        out.writeBytes(data);
      }
    }
    return out.toByteArray();
  }

  /** An A or AAAA record for {@code address} (which decides the type). */
  public static DnsMessage.ResourceRecord addressRecord(String name, InetAddress address, long ttl) {
    byte[] raw = address.getAddress();
    int type = raw.length == 4 ? DnsMessage.TYPE_A : DnsMessage.TYPE_AAAA;
    return new DnsMessage.ResourceRecord(name, type, DnsMessage.CLASS_IN, ttl, raw, Addresses.format(address));
  }

  /** A CNAME record pointing {@code name} at {@code target}. */
  public static DnsMessage.ResourceRecord cnameRecord(String name, String target, long ttl) {
    ByteArrayOutputStream data = new ByteArrayOutputStream();
    name(data, target);
    return new DnsMessage.ResourceRecord(name, DnsMessage.TYPE_CNAME, DnsMessage.CLASS_IN, ttl, data.toByteArray(), target);
  }

  private static void u16(ByteArrayOutputStream out, int v) {
    out.write((v >>> 8) & 0xff);
    out.write(v & 0xff);
  }

  /** Plain dotted names only (the encoder serves our own replies and test fixtures). */
  private static void name(ByteArrayOutputStream out, String name) {
    if (!name.isEmpty() && !name.equals(".")) {
      for (String label : name.split("\\.")) {
        if (label.isEmpty() || label.length() > 63) {
          throw new IllegalArgumentException("bad DNS label in '" + name + "'");
        }
        out.write(label.length());
        for (int i = 0; i < label.length(); i++) {
          out.write(label.charAt(i) & 0xff);
        }
      }
    }
    out.write(0);
  }
}
