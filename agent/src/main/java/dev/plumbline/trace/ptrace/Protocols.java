package dev.plumbline.trace.ptrace;

import dev.plumbline.linux.Errno;
import dev.plumbline.trace.decode.SocketAddress;
import java.util.Arrays;

/**
 * Names a socket's protocol from its SO_DOMAIN, SO_TYPE and SO_PROTOCOL, and says which sockets
 * the tracer follows: those whose every destination is the sockaddr of a connect, sendto, sendmsg
 * or sendmmsg (the calls it stops). The seccomp filter stops {@code socket(2)} for every other kind
 * ({@link SyscallTable#SOCKET}, from the same constants), so that block mode refuses them before
 * they exist and audit mode says the record may miss what they sent.
 */
final class Protocols {
  private static final int SOCK_RAW = 3;
  private static final int SOCK_TYPE_MASK = 0xf; // SOCK_NONBLOCK and SOCK_CLOEXEC ride on the type
  static final int IPPROTO_RAW = 255;

  static final int AF_ALG = 38;
  /**
   * Families followed whatever their type and protocol: unix (paths, recorded), and those that
   * talk only to the kernel: netlink, AF_ALG (the kernel's ciphers and hashes).
   */
  static final int[] FOLLOWED_FAMILIES = {SocketAddress.AF_UNIX, SocketAddress.AF_NETLINK, AF_ALG};
  static final int[] IP_FAMILIES = {SocketAddress.AF_INET, SocketAddress.AF_INET6};
  /**
   * IP protocols whose packets go where the sockaddr says (0 is the type's default, TCP or UDP):
   * TCP, UDP, UDP-Lite, ICMP and ICMPv6 (ping sockets), MPTCP (its further subflows need an
   * endpoint set up with CAP_NET_ADMIN). Not SCTP (sctp_connectx and addresses in control messages
   * name destinations no stop sees), not SMC or L2TP or anything new.
   */
  static final int[] FOLLOWED_IP_PROTOCOLS = {0, 1, 6, 17, 58, 136, 262};

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

  /** The family's name as the record writes it: unix, inet, inet6, netlink, packet, vsock, ... or afN. */
  static String family(int domain) {
    return switch (domain) {
      case SocketAddress.AF_UNIX -> "unix";
      case SocketAddress.AF_INET -> "inet";
      case SocketAddress.AF_INET6 -> "inet6";
      case SocketAddress.AF_NETLINK -> "netlink";
      case SocketAddress.AF_PACKET -> "packet";
      case 9 -> "x25";
      case 21 -> "rds";
      case 29 -> "can";
      case 30 -> "tipc";
      case 31 -> "bluetooth";
      case 40 -> "vsock";
      case 43 -> "smc";
      case 44 -> "xdp";
      default -> "af" + domain;
    };
  }

  /** Why the tracer cannot follow a socket of this kind, with the errno block mode answers. */
  record Unfollowed(int errno, String why) {}

  /** Null when the tracer follows every destination of such a socket; else why not. */
  static Unfollowed unfollowed(int domain, int type, int protocol) {
    if (in(domain, FOLLOWED_FAMILIES)) {
      return null;
    }
    if (!in(domain, IP_FAMILIES)) {
      String f = family(domain);
      String what = domain == SocketAddress.AF_PACKET ? "frames written without a destination"
          : "destinations of this family";
      return new Unfollowed(Errno.EAFNOSUPPORT, "a socket of family " + f + " (" + domain + "): the tracer does not see "
          + what + (domain == 40 ? " (AF_VSOCK reaches the hypervisor's host on a VM)" : ""));
    }
    if ((type & SOCK_TYPE_MASK) == SOCK_RAW) {
      return protocol == IPPROTO_RAW
          ? new Unfollowed(Errno.EPROTONOSUPPORT, "a raw socket of family " + family(domain) + ", IPPROTO_RAW: its packets carry"
              + " an IP header the program wrote, whose destination the tracer does not see")
          : null; // the sockaddr is where the packet goes (IP_HDRINCL is refused at setsockopt)
    }
    if (in(protocol, FOLLOWED_IP_PROTOCOLS)) {
      return null;
    }
    return new Unfollowed(Errno.EPROTONOSUPPORT, "a socket of family " + family(domain) + ", protocol " + name(domain, type & SOCK_TYPE_MASK, protocol)
        + (protocol == 132 ? " (sctp_connectx and control messages name destinations the tracer does not see)"
            : ": the tracer does not know where such a protocol sends"));
  }

  static boolean in(int v, int[] values) {
    return Arrays.stream(values).anyMatch(x -> x == v);
  }
}
