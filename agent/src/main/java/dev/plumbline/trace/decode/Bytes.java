package dev.plumbline.trace.decode;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/** Little-endian reads and byte-faithful text for tracee memory (all supported ABIs are little-endian). */
final class Bytes {
  private Bytes() {}

  static int u16le(byte[] b, int off) {
    return (b[off] & 0xff) | (b[off + 1] & 0xff) << 8;
  }

  static int u16be(byte[] b, int off) {
    return (b[off] & 0xff) << 8 | (b[off + 1] & 0xff);
  }

  static long u32le(byte[] b, int off) {
    return (b[off] & 0xffL) | (b[off + 1] & 0xffL) << 8 | (b[off + 2] & 0xffL) << 16 | (b[off + 3] & 0xffL) << 24;
  }

  static long u64le(byte[] b, int off) {
    return u32le(b, off) | u32le(b, off + 4) << 32;
  }

  /** A pointer-sized unsigned word (4 or 8 bytes). */
  static long word(byte[] b, int off, int size) {
    return size == 8 ? u64le(b, off) : u32le(b, off);
  }

  /**
   * Text for bytes that are usually UTF-8 (paths, argv): valid UTF-8 decodes as is; otherwise each
   * byte that is not printable ASCII becomes {@code \xNN}, so nothing is lost or invented. With
   * {@code escapeControl}, valid UTF-8 that holds control characters (NUL in an abstract socket
   * name) is escaped the same way.
   */
  static String text(byte[] b, int from, int to, boolean escapeControl) {
    CharsetDecoder decoder =
        StandardCharsets.UTF_8
            .newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT);
    try {
      CharBuffer chars = decoder.decode(ByteBuffer.wrap(b, from, to - from));
      boolean control = escapeControl && chars.chars().anyMatch(c -> c < 0x20 || c == 0x7f);
      if (!control) {
        return chars.toString();
      }
    } catch (CharacterCodingException e) {
      // fall through to escaping
    }
    return escaped(b, from, to);
  }

  /** Printable ASCII as is (backslash doubled), everything else {@code \xNN}. */
  static String escaped(byte[] b, int from, int to) {
    StringBuilder sb = new StringBuilder(to - from);
    for (int i = from; i < to; i++) {
      int c = b[i] & 0xff;
      if (c == '\\') {
        sb.append("\\\\");
      } else if (c >= 0x20 && c < 0x7f) {
        sb.append((char) c);
      } else {
        sb.append(String.format("\\x%02x", c));
      }
    }
    return sb.toString();
  }
}
