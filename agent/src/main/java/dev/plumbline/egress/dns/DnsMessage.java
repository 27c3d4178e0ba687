package dev.plumbline.egress.dns;

import java.util.List;

/**
 * A decoded DNS message (RFC 1035 section 4). Names are dotted text without the trailing dot; a
 * label byte outside letters, digits, '-' and '_' is written as {@code \DDD} so that a label that
 * contains a dot can never pass for two labels.
 */
public record DnsMessage(
    int id,
    int flags,
    List<Question> questions,
    List<ResourceRecord> answers,
    List<ResourceRecord> authorities,
    List<ResourceRecord> additionals) {

  public static final int TYPE_A = 1;
  public static final int TYPE_NS = 2;
  public static final int TYPE_CNAME = 5;
  public static final int TYPE_PTR = 12;
  public static final int TYPE_AAAA = 28;
  public static final int TYPE_OPT = 41;
  public static final int CLASS_IN = 1;

  public static final int RCODE_NOERROR = 0;
  public static final int RCODE_FORMERR = 1;
  public static final int RCODE_SERVFAIL = 2;
  public static final int RCODE_NXDOMAIN = 3;
  public static final int RCODE_REFUSED = 5;

  public static final int FLAG_QR = 0x8000;
  public static final int FLAG_AA = 0x0400;
  public static final int FLAG_TC = 0x0200;
  public static final int FLAG_RD = 0x0100;
  public static final int FLAG_RA = 0x0080;

  public DnsMessage {
    questions = List.copyOf(questions);
    answers = List.copyOf(answers);
    authorities = List.copyOf(authorities);
    additionals = List.copyOf(additionals);
  }

  /** A question: the name asked for, its type (A=1, AAAA=28, ...) and class (IN=1). */
  public record Question(String name, int type, int dnsClass) {}

  /**
   * A resource record; {@code value} is the decoded data for A, AAAA (address text), CNAME, NS and
   * PTR (a name), null for other types, whose raw bytes are in {@code data}.
   */
  public record ResourceRecord(String name, int type, int dnsClass, long ttl, byte[] data, String value) {}

  public boolean isResponse() {
    return (flags & FLAG_QR) != 0;
  }

  public boolean truncated() {
    return (flags & FLAG_TC) != 0;
  }

  public int opcode() {
    return (flags >>> 11) & 0xf;
  }

  public int rcode() {
    return flags & 0xf;
  }

  public static String typeName(int type) {
    switch (type) {
      case TYPE_A:
        return "A";
      case TYPE_NS:
        return "NS";
      case TYPE_CNAME:
        return "CNAME";
      case 6:
        return "SOA";
      case TYPE_PTR:
        return "PTR";
      case 15:
        return "MX";
      case 16:
        return "TXT";
      case TYPE_AAAA:
        return "AAAA";
      case 33:
        return "SRV";
      case TYPE_OPT:
        return "OPT";
      case 64:
        return "SVCB";
      case 65:
        return "HTTPS";
      case 255:
        return "ANY";
      default:
        return "TYPE" + type;
    }
  }

  public static String rcodeName(int rcode) {
    switch (rcode) {
      case RCODE_NOERROR:
        return "NOERROR";
      case RCODE_FORMERR:
        return "FORMERR";
      case RCODE_SERVFAIL:
        return "SERVFAIL";
      case RCODE_NXDOMAIN:
        return "NXDOMAIN";
      case 4:
        return "NOTIMP";
      case RCODE_REFUSED:
        return "REFUSED";
      default:
        return "RCODE" + rcode;
    }
  }
}
