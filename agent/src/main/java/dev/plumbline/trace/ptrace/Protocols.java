package dev.plumbline.trace.ptrace;

import dev.plumbline.trace.decode.SocketAddress;

/** Names a socket's protocol from its SO_DOMAIN, SO_TYPE and SO_PROTOCOL. */
final class Protocols {
  private static final int SOCK_RAW = 3;

  private Protocols() {}

  static String name(int domain, int type, int protocol) {
    if (type == SOCK_RAW) {
      return "raw"; // whatever it carries (a raw socket of IPPROTO_UDP is not a UDP socket)
    }
    if (domain == SocketAddress.AF_UNIX) {
      return switch (type) {
        case 1 -> "unix-stream";
        case 2 -> "unix-dgram";
        case 5 -> "unix-seqpacket";
        default -> "unix-" + type;
      };
    }
    if (domain == SocketAddress.AF_INET || domain == SocketAddress.AF_INET6) {
      return switch (protocol) {
        case 6 -> "tcp";
        case 17 -> "udp";
        case 136 -> "udplite";
        case 262 -> "mptcp";
        case 132 -> "sctp";
        case 1 -> "icmp";
        case 58 -> "icmpv6";
        default -> "ip-proto-" + protocol;
      };
    }
    return "af" + domain + "-type" + type;
  }
}
