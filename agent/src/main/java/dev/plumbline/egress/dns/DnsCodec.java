package dev.plumbline.egress.dns;

import dev.plumbline.net.Addresses;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** DNS wire format: decoding with compression pointers and strict bounds, encoding without compression. */
public final class DnsCodec {
  private static final int MAX_NAME = 255;
  private static final int MAX_JUMPS = 64;

  private DnsCodec() {}

  public static DnsMessage decode(byte[] packet) throws DnsFormatException {
    return decode(packet, packet.length);
  }

  public static DnsMessage decode(byte[] packet, int length) throws DnsFormatException {
    Reader r = new Reader(packet, length);
    if (length < 12) {
      throw new DnsFormatException("DNS message of " + length + " bytes is shorter than its 12-byte header");
    }
    int id = r.u16();
    int flags = r.u16();
    int qd = r.u16();
    int an = r.u16();
    int ns = r.u16();
    int ar = r.u16();
    List<DnsMessage.Question> questions = new ArrayList<>();
    for (int i = 0; i < qd; i++) {
      String name = r.name();
      questions.add(new DnsMessage.Question(name, r.u16(), r.u16()));
    }
    List<DnsMessage.ResourceRecord> answers = records(r, an);
    List<DnsMessage.ResourceRecord> authorities = records(r, ns);
    List<DnsMessage.ResourceRecord> additionals = records(r, ar);
    return new DnsMessage(id, flags, questions, answers, authorities, additionals);
  }

  /** Decodes just the header and questions: enough to answer or refuse a query. */
  public static DnsMessage decodeQuery(byte[] packet, int length) throws DnsFormatException {
    if (length < 12) {
      throw new DnsFormatException("DNS message of " + length + " bytes is shorter than its 12-byte header");
    }
    Reader r = new Reader(packet, length);
    int id = r.u16();
    int flags = r.u16();
    int qd = r.u16();
    List<DnsMessage.Question> questions = new ArrayList<>();
    r.pos = 12;
    for (int i = 0; i < qd; i++) {
      String name = r.name();
      questions.add(new DnsMessage.Question(name, r.u16(), r.u16()));
    }
    return new DnsMessage(id, flags, questions, List.of(), List.of(), List.of());
  }

  private static List<DnsMessage.ResourceRecord> records(Reader r, int count) throws DnsFormatException {
    List<DnsMessage.ResourceRecord> out = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      String name = r.name();
      int type = r.u16();
      int cls = r.u16();
      long ttl = r.u32();
      int rdlen = r.u16();
      int start = r.pos;
      r.need(rdlen);
      byte[] data = Arrays.copyOfRange(r.buf, start, start + rdlen);
      String value = null;
      if (type == DnsMessage.TYPE_A || type == DnsMessage.TYPE_AAAA) {
        int want = type == DnsMessage.TYPE_A ? 4 : 16;
        if (rdlen != want) {
          throw new DnsFormatException(
              DnsMessage.typeName(type) + " record for " + name + " has " + rdlen + " data bytes, not " + want);
        }
        value = Addresses.format(address(data));
      } else if (type == DnsMessage.TYPE_CNAME || type == DnsMessage.TYPE_NS || type == DnsMessage.TYPE_PTR) {
        Reader inner = new Reader(r.buf, r.limit);
        inner.pos = start;
        value = inner.name();
        if (inner.pos > start + rdlen) {
          throw new DnsFormatException(DnsMessage.typeName(type) + " record for " + name + " runs past its data");
        }
      }
      r.pos = start + rdlen;
      out.add(new DnsMessage.ResourceRecord(name, type, cls, ttl, data, value));
    }
    return out;
  }

  private static InetAddress address(byte[] raw) {
    try {
      return InetAddress.getByAddress(raw);
    } catch (UnknownHostException e) {
      throw new IllegalStateException(e);
    }
  }

  private static final class Reader {
    final byte[] buf;
    final int limit;
    int pos;

    Reader(byte[] buf, int limit) {
      this.buf = buf;
      this.limit = Math.min(limit, buf.length);
    }

    void need(int n) throws DnsFormatException {
      if (n < 0 || pos + n > limit) {
        throw new DnsFormatException("DNS message truncated at byte " + pos + " of " + limit);
      }
    }

    int u8() throws DnsFormatException {
      need(1);
      return buf[pos++] & 0xff;
    }

    int u16() throws DnsFormatException {
      need(2);
      int v = ((buf[pos] & 0xff) << 8) | (buf[pos + 1] & 0xff);
      pos += 2;
      return v;
    }

    long u32() throws DnsFormatException {
      return ((long) u16() << 16) | u16();
    }

    String name() throws DnsFormatException {
      StringBuilder sb = new StringBuilder();
      int p = pos;
      int after = -1;
      int jumps = 0;
      int wireLength = 1;
      while (true) {
        if (p >= limit) {
          throw new DnsFormatException("DNS name truncated at byte " + p + " of " + limit);
        }
        int len = buf[p] & 0xff;
        if ((len & 0xc0) == 0xc0) {
          if (p + 1 >= limit) {
            throw new DnsFormatException("DNS compression pointer truncated at byte " + p);
          }
          int target = ((len & 0x3f) << 8) | (buf[p + 1] & 0xff);
          if (after < 0) {
            after = p + 2;
          }
          // Pointers must point backwards: that alone rules out loops; the jump cap is belt and braces.
          if (target >= p || ++jumps > MAX_JUMPS) {
            throw new DnsFormatException("DNS compression pointer at byte " + p + " does not point backwards");
          }
          p = target;
          continue;
        }
        if ((len & 0xc0) != 0) {
          throw new DnsFormatException("DNS label type 0x" + Integer.toHexString(len & 0xc0) + " at byte " + p);
        }
        if (len == 0) {
          p++;
          break;
        }
        if (p + 1 + len > limit) {
          throw new DnsFormatException("DNS label truncated at byte " + p + " of " + limit);
        }
        wireLength += len + 1;
        if (wireLength > MAX_NAME) {
          throw new DnsFormatException("DNS name longer than 255 bytes");
        }
        if (sb.length() > 0) {
          sb.append('.');
        }
        for (int i = 0; i < len; i++) {
          int c = buf[p + 1 + i] & 0xff;
          boolean plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
          if (plain) {
            sb.append((char) c);
          } else {
            sb.append('\\').append(String.format("%03d", c));
          }
        }
        p += 1 + len;
      }
      pos = after >= 0 ? after : p;
      return sb.toString();
    }
  }

  /**
   * A response to the query in {@code packet} with its question section copied byte for byte, no
   * records, and this rcode (NXDOMAIN, REFUSED, SERVFAIL).
   */
  public static byte[] errorResponse(byte[] packet, int length, int rcode) throws DnsFormatException {
    if (length < 12) {
      throw new DnsFormatException("DNS message of " + length + " bytes is shorter than its 12-byte header");
    }
    Reader r = new Reader(packet, length);
    r.pos = 4;
    int qd = r.u16();
    r.pos = 12;
    for (int i = 0; i < qd; i++) {
      r.name();
      r.u16();
      r.u16();
    }
    byte[] out = Arrays.copyOf(packet, r.pos);
    int queryFlags = ((packet[2] & 0xff) << 8) | (packet[3] & 0xff);
    int flags = DnsMessage.FLAG_QR | (queryFlags & 0x7800) | (queryFlags & DnsMessage.FLAG_RD) | DnsMessage.FLAG_RA | (rcode & 0xf);
    out[2] = (byte) (flags >>> 8);
    out[3] = (byte) flags;
    for (int i = 6; i < 12; i++) {
      out[i] = 0; // no answer, authority or additional records (the query's EDNS OPT is dropped)
    }
    return out;
  }

}
