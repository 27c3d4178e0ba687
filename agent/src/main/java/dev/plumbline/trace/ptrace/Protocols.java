package dev.plumbline.trace.ptrace;

/** Names a socket's protocol from its SO_DOMAIN, SO_TYPE and SO_PROTOCOL. */
final class Protocols {
  private Protocols() {}

  static String name(int domain, int type, int protocol) {
    if (domain == 1) { // AF_UNIX
      return switch (type) {
        case 1 -> "unix-stream";
        case 2 -> "unix-dgram";
        case 5 -> "unix-seqpacket";
        default -> "unix-" + type;
      };
    }
    if (domain == 2 || domain == 10) { // AF_INET, AF_INET6
      return switch (protocol) {
        case 6 -> "tcp";
        case 17 -> "udp";
        case 136 -> "udplite";
        case 262 -> "mptcp";
        case 132 -> "sctp";
        case 1 -> "icmp";
        case 58 -> "icmpv6";
        default -> type == 3 ? "raw" : "ip-proto-" + protocol;
      };
    }
    if (type == 3) {
      return "raw";
    }
    return "af" + domain + "-type" + type;
  }
}
