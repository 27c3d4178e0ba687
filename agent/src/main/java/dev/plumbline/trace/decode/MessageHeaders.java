package dev.plumbline.trace.decode;

import java.util.ArrayList;
import java.util.List;

/**
 * Layouts of {@code struct msghdr} and {@code struct mmsghdr} as a process passes them to sendmsg
 * and sendmmsg, per ABI. Only the destination ({@code msg_name}, {@code msg_namelen}) matters here.
 *
 * <pre>
 * 64-bit (x86_64, aarch64)           32-bit (i386 and x32: the compat layout)
 *  0 void *msg_name       8          0 msg_name        4
 *  8 socklen_t msg_namelen 4 (+4 pad) 4 msg_namelen     4
 * 16 struct iovec *msg_iov 8          8 msg_iov         4
 * 24 size_t msg_iovlen    8         12 msg_iovlen      4
 * 32 void *msg_control    8         16 msg_control     4
 * 40 size_t msg_controllen 8        20 msg_controllen  4
 * 48 int msg_flags        4 (+4 pad) 24 msg_flags       4
 * = 56; mmsghdr adds unsigned msg_len + pad = 64     = 28; mmsghdr = 32
 * </pre>
 */
public final class MessageHeaders {
  private MessageHeaders() {}

  /** The destination of one message: user-space address of the sockaddr and its length (0/0 when none). */
  public record MsgName(long address, int length) {
    /** True when the message names no destination (a connected socket). */
    public boolean absent() {
      return address == 0 || length == 0;
    }
  }

  /**
   * A whole msghdr: destination, the iovec array ({@code iov} address, {@code iovlen} entries) and
   * the ancillary data ({@code control}, {@code controllen} bytes).
   */
  public record Message(MsgName name, long iov, long iovlen, long control, long controllen) {}

  /** A {@code struct iovec}: a buffer in tracee memory. */
  public record Iovec(long base, long length) {}

  /** The header of one control message ({@code struct cmsghdr}): {@code cmsg_level}, {@code cmsg_type}. */
  public record ControlHeader(int level, int type) {}

  public static int msghdrSize(Abi abi) {
    return abi.pointerSize() == 8 ? 56 : 28;
  }

  public static int mmsghdrSize(Abi abi) {
    return abi.pointerSize() == 8 ? 64 : 32;
  }

  /** {@code msg_name} and {@code msg_namelen} of the msghdr starting at {@code offset}. */
  static MsgName name(byte[] buffer, int offset, Abi abi) throws DecodeException {
    int ptr = abi.pointerSize();
    int needed = 2 * ptr; // msg_name, then msg_namelen (plus padding on 64-bit)
    if (buffer == null || offset < 0 || buffer.length - offset < needed) {
      throw new DecodeException(
          "msghdr too short: "
              + (buffer == null ? 0 : Math.max(0, buffer.length - offset))
              + " bytes, need "
              + needed
              + " for msg_name and msg_namelen ("
              + abi
              + ")");
    }
    long address = Bytes.word(buffer, offset, ptr);
    long length = Bytes.u32le(buffer, offset + ptr);
    return new MsgName(address, (int) Math.min(length, Integer.MAX_VALUE));
  }

  /** Every field of the msghdr starting at {@code offset} that a send needs. */
  public static Message message(byte[] buffer, int offset, Abi abi) throws DecodeException {
    int ptr = abi.pointerSize();
    if (buffer == null || offset < 0 || buffer.length - offset < msghdrSize(abi)) {
      throw new DecodeException("msghdr too short: " + (buffer == null ? 0 : Math.max(0, buffer.length - offset))
          + " bytes, need " + msghdrSize(abi) + " (" + abi + ")");
    }
    return new Message(name(buffer, offset, abi), Bytes.word(buffer, offset + 2 * ptr, ptr),
        Bytes.word(buffer, offset + 3 * ptr, ptr), Bytes.word(buffer, offset + 4 * ptr, ptr),
        Bytes.word(buffer, offset + 5 * ptr, ptr));
  }

  /** Size of one {@code struct iovec}: two words. */
  public static int iovecSize(Abi abi) {
    return 2 * abi.pointerSize();
  }

  /** The first {@code n} iovecs of an array. */
  public static List<Iovec> iovecs(byte[] array, int n, Abi abi) throws DecodeException {
    int ptr = abi.pointerSize();
    if (n < 0 || array == null || (long) n * iovecSize(abi) > array.length) {
      throw new DecodeException("iovec array too short: " + (array == null ? 0 : array.length) + " bytes for " + n
          + " entries (" + abi + ")");
    }
    List<Iovec> out = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      out.add(new Iovec(Bytes.word(array, i * 2 * ptr, ptr), Bytes.word(array, i * 2 * ptr + ptr, ptr)));
    }
    return out;
  }

  /** The messages of the first {@code vlen} entries of an mmsghdr vector. */
  public static List<Message> messages(byte[] vector, int vlen, Abi abi) throws DecodeException {
    int size = mmsghdrSize(abi);
    if (vlen < 0 || vector == null || (long) vlen * size > vector.length) {
      throw new DecodeException(
          "mmsghdr vector too short: "
              + (vector == null ? 0 : vector.length)
              + " bytes for "
              + vlen
              + " entries of "
              + size
              + " ("
              + abi
              + ")");
    }
    List<Message> out = new ArrayList<>(vlen);
    for (int i = 0; i < vlen; i++) {
      out.add(message(vector, i * size, abi));
    }
    return out;
  }

  /**
   * The headers of the control messages in {@code control} (a msghdr's {@code msg_control} bytes),
   * in order: {@code cmsg_len} (size_t), {@code cmsg_level}, {@code cmsg_type}, then the data padded
   * to the word size. The walk stops where the kernel's does: at a header that does not fit or
   * whose length is shorter than a header (the kernel answers EINVAL there). Empty for null.
   */
  public static List<ControlHeader> controlHeaders(byte[] control, Abi abi) {
    List<ControlHeader> out = new ArrayList<>();
    if (control == null) {
      return out;
    }
    int word = abi.pointerSize();
    int header = word + 8;
    int at = 0;
    while (at + header <= control.length) {
      long len = Bytes.word(control, at, word);
      if (len < header) {
        break;
      }
      out.add(new ControlHeader((int) Bytes.u32le(control, at + word), (int) Bytes.u32le(control, at + word + 4)));
      long next = at + ((len + word - 1) / word) * word;
      if (next > Integer.MAX_VALUE) {
        break;
      }
      at = (int) next;
    }
    return out;
  }
}
