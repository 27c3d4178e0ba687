package dev.plumbline.trace.decode;

import java.nio.charset.StandardCharsets;
import java.nio.charset.CharacterCodingException;
import java.nio.ByteBuffer;
import dev.plumbline.net.Addresses;

/**
 * A socket address decoded from the {@code struct sockaddr} bytes a process passed to connect,
 * sendto or sendmsg.
 *
 * <ul>
 *   <li>{@code inet}: {@code address} dotted quad, {@code port} set.
 *   <li>{@code inet6}: {@code address} in RFC 5952 form ({@code ::1}, {@code ::ffff:127.0.0.1} for
 *       IPv4-mapped, {@code fe80::1%2} with a scope id), {@code port} set.
 *   <li>{@code unix}: {@code path} is the filesystem path, or the abstract name without its leading
 *       NUL when {@code abstractName}; both null for an unnamed socket (address length 2).
 *       {@code address} is null.
 *   <li>{@code netlink}: {@code address} {@code pid=N groups=0xG}.
 *   <li>{@code unknown}: {@code address} {@code af=N} keeps the family number (AF_UNSPEC, used to
 *       disconnect a datagram socket, is {@code af=0}).
 * </ul>
 */
public record SocketAddress(String family, String address, Integer port, String path, boolean abstractName) {

  public static final int AF_UNSPEC = 0;
  public static final int AF_UNIX = 1;
  public static final int AF_INET = 2;
  public static final int AF_INET6 = 10;
  public static final int AF_NETLINK = 16;
  public static final int AF_PACKET = 17;

  private static final int SOCK_DGRAM = 2;
  private static final int SOCK_RAW = 3;
  private static final int IPPROTO_UDP = 17;
  private static final int IPPROTO_UDPLITE = 136;

  /** {@code sizeof(struct sockaddr_un)}: a larger address length is cut here by the kernel. */
  public static final int SOCKADDR_UN_SIZE = 110;
  /** {@code sizeof(struct sockaddr_in6)}; the kernel accepts 24 (no scope id) as well. */
  public static final int SOCKADDR_IN6_SIZE = 28;
  /** {@code sizeof(struct sockaddr_in)}. */
  public static final int SOCKADDR_IN_SIZE = 16;
  /** How many bytes a tracer should read at most: {@code sizeof(struct sockaddr_storage)}. */
  public static final int MAX_SIZE = 128;

  /**
   * Decodes {@code raw}, exactly the {@code addrlen} bytes the process passed (fewer if it passed
   * more than {@link #MAX_SIZE}).
   *
   * @throws DecodeException when the bytes are too short for their family
   */
  public static SocketAddress decode(byte[] raw) throws DecodeException {
    if (raw == null || raw.length < 2) {
      throw new DecodeException(
          "socket address too short: " + (raw == null ? 0 : raw.length) + " bytes, need at least 2 for the family");
    }
    int family = familyOf(raw);
    return switch (family) {
      case AF_INET -> inet(raw);
      case AF_INET6 -> inet6(raw);
      case AF_UNIX -> unix(raw);
      case AF_NETLINK -> netlink(raw);
      default -> new SocketAddress("unknown", "af=" + family, null, null, false);
    };
  }

  /**
   * The destination the kernel takes from an {@code AF_UNSPEC} sockaddr given to a send (sendto,
   * sendmsg, sendmmsg; for connect AF_UNSPEC only dissolves an association) on a socket of {@code
   * domain}, {@code type} and {@code protocol} (SO_DOMAIN, SO_TYPE, SO_PROTOCOL): the address
   * bytes with the family the kernel acts on, or null when the call names no destination.
   *
   * <ul>
   *   <li>IPv4 UDP and UDP-Lite ({@code udp_sendmsg}) and IPv4 raw sockets ({@code raw_sendmsg})
   *       read AF_UNSPEC as AF_INET, given a full {@code sockaddr_in};
   *   <li>IPv6 raw sockets ({@code rawv6_sendmsg}) read it as AF_INET6, given 24 bytes;
   *   <li>IPv6 UDP ignores it (the connected peer is used); TCP Fast Open disconnects; ping
   *       sockets, SCTP and unix sockets refuse it;
   *   <li>packet sockets do not look at the family: the bytes go to the gate as that family.
   * </ul>
   */
  public static byte[] unspecifiedAs(byte[] raw, int domain, int type, int protocol) {
    int family;
    int minimum;
    if (domain == AF_INET && (type == SOCK_RAW
        || type == SOCK_DGRAM && (protocol == IPPROTO_UDP || protocol == IPPROTO_UDPLITE))) {
      family = AF_INET;
      minimum = SOCKADDR_IN_SIZE;
    } else if (domain == AF_INET6 && type == SOCK_RAW) {
      family = AF_INET6;
      minimum = 24;
    } else if (domain == AF_PACKET) {
      family = AF_PACKET;
      minimum = 2;
    } else {
      return null;
    }
    if (raw == null || raw.length < minimum) {
      return null; // the kernel answers EINVAL
    }
    byte[] as = raw.clone();
    as[0] = (byte) family;
    as[1] = (byte) (family >>> 8);
    return as;
  }

  /** The {@code sa_family} number (host byte order, little-endian on every supported ABI). */
  public static int familyOf(byte[] raw) throws DecodeException {
    if (raw == null || raw.length < 2) {
      throw new DecodeException("socket address too short: no family");
    }
    return Bytes.u16le(raw, 0);
  }

  private static SocketAddress inet(byte[] raw) throws DecodeException {
    // the kernel wants sizeof(sockaddr_in), but only the first 8 bytes carry meaning
    need(raw, 8, "AF_INET");
    int port = Bytes.u16be(raw, 2);
    String address = (raw[4] & 0xff) + "." + (raw[5] & 0xff) + "." + (raw[6] & 0xff) + "." + (raw[7] & 0xff);
    return new SocketAddress("inet", address, port, null, false);
  }

  private static SocketAddress inet6(byte[] raw) throws DecodeException {
    need(raw, 24, "AF_INET6");
    int port = Bytes.u16be(raw, 2);
    byte[] addr = new byte[16];
    System.arraycopy(raw, 8, addr, 0, 16);
    String address = Addresses.formatIpv6(addr);
    if (raw.length >= SOCKADDR_IN6_SIZE) {
      long scope = Bytes.u32le(raw, 24);
      if (scope != 0) {
        address = address + "%" + scope;
      }
    }
    return new SocketAddress("inet6", address, port, null, false);
  }

  private static SocketAddress unix(byte[] raw) {
    int end = Math.min(raw.length, SOCKADDR_UN_SIZE);
    if (end == 2) {
      return new SocketAddress("unix", null, null, null, false);
    }
    if (raw[2] == 0) {
      // abstract: the name is every byte up to addrlen, NULs included
      return new SocketAddress("unix", null, null, Bytes.text(raw, 3, end, true), true);
    }
    int nul = 2;
    while (nul < end && raw[nul] != 0) {
      nul++;
    }
    return new SocketAddress("unix", null, null, Bytes.text(raw, 2, nul, true), false);
  }

  /**
   * The path of a pathname unix address exactly as the kernel will look it up (up to its first NUL),
   * or null when the address is not one (abstract, unnamed, another family) or the bytes are not
   * UTF-8 (the tracer cannot walk such a name).
   */
  public static String unixPath(byte[] raw) {
    if (raw == null || raw.length < 3 || Bytes.u16le(raw, 0) != AF_UNIX || raw[2] == 0) {
      return null;
    }
    int end = Math.min(raw.length, SOCKADDR_UN_SIZE);
    int nul = 2;
    while (nul < end && raw[nul] != 0) {
      nul++;
    }
    try {
      return StandardCharsets.UTF_8.newDecoder()
          .decode(ByteBuffer.wrap(raw, 2, nul - 2)).toString();
    } catch (CharacterCodingException e) {
      return null;
    }
  }

  /**
   * A pathname {@code sockaddr_un} for {@code path} (family, the UTF-8 bytes, a NUL), or null when
   * the path does not fit in {@code sun_path} (108 bytes with the NUL).
   */
  public static byte[] unixAddress(String path) {
    byte[] p = path.getBytes(StandardCharsets.UTF_8);
    if (p.length == 0 || p.length > SOCKADDR_UN_SIZE - 3) {
      return null;
    }
    byte[] raw = new byte[2 + p.length + 1];
    raw[0] = (byte) AF_UNIX;
    System.arraycopy(p, 0, raw, 2, p.length);
    return raw;
  }

  private static SocketAddress netlink(byte[] raw) throws DecodeException {
    need(raw, 12, "AF_NETLINK");
    long pid = Bytes.u32le(raw, 4);
    long groups = Bytes.u32le(raw, 8);
    return new SocketAddress("netlink", "pid=" + pid + " groups=0x" + Long.toHexString(groups), null, null, false);
  }

  private static void need(byte[] raw, int size, String family) throws DecodeException {
    if (raw.length < size) {
      throw new DecodeException(family + " socket address too short: " + raw.length + " bytes, need " + size);
    }
  }

  /**
   * The address as {@code TraceEvent.Network.address} and the build record carry it: the IP
   * address for inet/inet6, for unix the path, {@code @name} for an abstract name, or the empty
   * string for an unnamed socket; {@code address} otherwise.
   */
  public String recordAddress() {
    if (!"unix".equals(family)) {
      return address;
    }
    return path == null ? "" : abstractName ? "@" + path : path;
  }

  /** The IPv4 address inside an IPv4-mapped IPv6 address ({@code ::ffff:a.b.c.d}), else null. */
  public String mappedIpv4() {
    if (!"inet6".equals(family) || address == null || !address.startsWith("::ffff:")) {
      return null;
    }
    String rest = address.substring("::ffff:".length());
    return rest.indexOf('.') > 0 && rest.indexOf('%') < 0 ? rest : null;
  }

  /**
   * How a person reads it: {@code 127.0.0.1:80}, {@code [::1]:443}, {@code
   * unix:/var/run/docker.sock}, {@code unix:@name} (abstract), {@code unix:(unnamed)}, {@code
   * netlink:pid=0 groups=0x0}, {@code af=17}.
   */
  public String display() {
    return switch (family) {
      case "inet" -> address + ":" + port;
      case "inet6" -> "[" + address + "]:" + port;
      case "unix" -> path == null ? "unix:(unnamed)" : abstractName ? "unix:@" + path : "unix:" + path;
      case "netlink" -> "netlink:" + address;
      default -> address;
    };
  }

}
