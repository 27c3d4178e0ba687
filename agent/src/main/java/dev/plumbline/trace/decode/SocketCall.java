package dev.plumbline.trace.decode;

import java.util.Arrays;

/**
 * One i386 {@code socketcall(2)}: {@code socketcall(int call, unsigned long *args)} multiplexes the
 * socket syscalls, with the real arguments in tracee memory as 4-byte words. A tracer reads {@link
 * #argWords(int)} words at the {@code args} pointer and decodes them here.
 *
 * <p>{@code name} is socket, connect, setsockopt, sendto, sendmsg, sendmmsg or other; {@code args} are unsigned values
 * in the order of the real syscall (socket: domain, type, protocol; setsockopt: fd, level, optname, optval, optlen; connect: fd, addr, addrlen; sendto: fd, buf, len, flags,
 * dest_addr, addrlen; sendmsg: fd, msg, flags; sendmmsg: fd, msgvec, vlen, flags). For "other" no
 * words are read and {@code args} is empty.
 */
public record SocketCall(String name, long[] args) {

  public static final int SYS_SOCKET = 1;
  public static final int SYS_CONNECT = 3;
  public static final int SYS_LISTEN = 4;
  public static final int SYS_ACCEPT = 5;
  public static final int SYS_SENDTO = 11;
  public static final int SYS_SETSOCKOPT = 14;
  public static final int SYS_ACCEPT4 = 18;
  public static final int SYS_SENDMSG = 16;
  public static final int SYS_SENDMMSG = 20;

  public SocketCall {
    args = args.clone();
  }

  @Override
  public long[] args() {
    return args.clone();
  }

  /** The {@code SYS_*} call number's syscall name, or "other". */
  public static String nameOf(int call) {
    return switch (call) {
      case SYS_SOCKET -> "socket";
      case SYS_CONNECT -> "connect";
      case SYS_LISTEN -> "listen";
      case SYS_ACCEPT -> "accept";
      case SYS_ACCEPT4 -> "accept4";
      case SYS_SENDTO -> "sendto";
      case SYS_SETSOCKOPT -> "setsockopt";
      case SYS_SENDMSG -> "sendmsg";
      case SYS_SENDMMSG -> "sendmmsg";
      default -> "other";
    };
  }

  /** How many argument words the named call takes (0 for "other" or anything unknown). */
  public static int argWords(String name) {
    return switch (name) {
      case "socket", "connect", "sendmsg" -> 3;
      case "setsockopt" -> 5;
      case "listen" -> 2;
      case "accept" -> 3;
      case "accept4" -> 4;
      case "sendto" -> 6;
      case "sendmmsg" -> 4;
      default -> 0;
    };
  }

  /** How many argument words to read for a call number. */
  public static int argWords(int call) {
    return argWords(nameOf(call));
  }

  /**
   * Decodes the argument block. Words are {@code abi.pointerSize()} bytes (4 for i386, the only ABI
   * with socketcall that Plumbline traces).
   *
   * @throws DecodeException when {@code argsMemory} holds fewer words than the call takes
   */
  public static SocketCall decode(int call, byte[] argsMemory, Abi abi) throws DecodeException {
    String name = nameOf(call);
    int words = argWords(name);
    int size = abi.pointerSize();
    int have = argsMemory == null ? 0 : argsMemory.length;
    if (have < words * size) {
      throw new DecodeException(
          "socketcall " + name + " arguments too short: " + have + " bytes, need " + words * size);
    }
    long[] args = new long[words];
    for (int i = 0; i < words; i++) {
      args[i] = Bytes.word(argsMemory, i * size, size);
    }
    return new SocketCall(name, args);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof SocketCall other && name.equals(other.name) && Arrays.equals(args, other.args);
  }

  @Override
  public int hashCode() {
    return name.hashCode() * 31 + Arrays.hashCode(args);
  }

  @Override
  public String toString() {
    return "SocketCall[" + name + " " + Arrays.toString(args) + "]";
  }
}
