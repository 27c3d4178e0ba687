package dev.plumbline.trace.ptrace;

import static dev.plumbline.trace.ptrace.FilterRule.argIn;
import static dev.plumbline.trace.ptrace.FilterRule.both;
import static dev.plumbline.trace.ptrace.FilterRule.either;

import dev.plumbline.trace.decode.Abi;
import dev.plumbline.trace.decode.MessageHeaders;

/**
 * Socket options and control messages that send a packet somewhere else than the sockaddr the
 * tracer judged, without privileges: an IPv4 source route (IP_OPTIONS, or IP_RETOPTS as a control
 * message of sendmsg: the packet goes to the route's first hop), an IPv6 routing header
 * (IPV6_RTHDR, a segment list whose first segment is where packets go), headers the program writes
 * itself (IP_HDRINCL, IPV6_HDRINCL: these need CAP_NET_RAW), SCTP's connectx. Block mode refuses
 * them with EPERM; audit mode lets them run and says the record may not show where packets went.
 */
final class RouteOptions {
  static final int SOL_IP = 0;
  static final int SOL_IPV6 = 41;
  static final int SOL_SCTP = 132;
  static final int IP_HDRINCL = 3;
  static final int IP_OPTIONS = 4;
  static final int IP_RETOPTS = 7;
  static final int IPV6_2292RTHDR = 5;
  static final int IPV6_2292PKTOPTIONS = 6; // sticky options given as control messages, a routing header among them
  static final int IPV6_HDRINCL = 36;
  static final int IPV6_RTHDR = 57;
  static final int[] SCTP_CONNECTX = {107, 110, 111}; // SCTP_SOCKOPT_CONNECTX_OLD, _CONNECTX, _CONNECTX3

  /** setsockopt(fd, level, optname, optval, optlen) stops for these (registers only). */
  static final FilterRule FILTER = either(
      both(argIn(1, SOL_IP), argIn(2, IP_HDRINCL, IP_OPTIONS)),
      either(both(argIn(1, SOL_IPV6), argIn(2, IPV6_2292RTHDR, IPV6_2292PKTOPTIONS, IPV6_HDRINCL, IPV6_RTHDR)),
          both(argIn(1, SOL_SCTP), argIn(2, SCTP_CONNECTX))));

  private RouteOptions() {}

  /** What a setsockopt would do that the tracer cannot follow, or null (an empty option clears a route). */
  static String option(int level, int optname, long optlen) {
    boolean clears = optlen == 0;
    if (level == SOL_IP) {
      return switch (optname) {
        case IP_OPTIONS -> clears ? null : "set IP_OPTIONS (a source route sends packets to its first hop, not the destination judged)";
        case IP_HDRINCL -> "set IP_HDRINCL (it writes the IP header, destination included, itself)";
        default -> null;
      };
    }
    if (level == SOL_IPV6) {
      return switch (optname) {
        case IPV6_RTHDR, IPV6_2292RTHDR -> clears ? null
            : "set an IPv6 routing header (packets go to its first segment, not the destination judged)";
        case IPV6_2292PKTOPTIONS -> clears ? null : "set IPV6_2292PKTOPTIONS (sticky options, a routing header among them)";
        case IPV6_HDRINCL -> "set IPV6_HDRINCL (it writes the IPv6 header, destination included, itself)";
        default -> null;
      };
    }
    if (level == SOL_SCTP && Protocols.in(optname, SCTP_CONNECTX)) {
      return "called sctp_connectx (SCTP addresses the tracer does not see)";
    }
    return null;
  }

  /** A route given in control messages (the bytes a sendmsg passes as msg_control), or null. */
  static String control(byte[] control, Abi abi) {
    for (MessageHeaders.ControlHeader h : MessageHeaders.controlHeaders(control, abi)) {
      if (h.level() == SOL_IP && h.type() == IP_RETOPTS) {
        return "sent IP options as a control message (a source route sends the packet to its first hop)";
      }
      if (h.level() == SOL_IPV6 && (h.type() == IPV6_RTHDR || h.type() == IPV6_2292RTHDR)) {
        return "sent an IPv6 routing header as a control message (the packet goes to its first segment)";
      }
    }
    return null;
  }
}
