package dev.plumbline.trace.decode;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/** Builds byte fixtures the way the kernel lays out structs: little-endian host order, network-order ports. */
final class Fixtures {
  private final ByteArrayOutputStream out = new ByteArrayOutputStream();

  static Fixtures bytes() {
    return new Fixtures();
  }

  Fixtures u8(int... values) {
    for (int v : values) {
      out.write(v);
    }
    return this;
  }

  Fixtures u16le(int v) {
    return u8(v & 0xff, (v >>> 8) & 0xff);
  }

  Fixtures u16be(int v) {
    return u8((v >>> 8) & 0xff, v & 0xff);
  }

  Fixtures u32le(long v) {
    return u16le((int) (v & 0xffff)).u16le((int) ((v >>> 16) & 0xffff));
  }

  Fixtures u64le(long v) {
    return u32le(v & 0xffffffffL).u32le(v >>> 32);
  }

  Fixtures zeros(int n) {
    for (int i = 0; i < n; i++) {
      out.write(0);
    }
    return this;
  }

  Fixtures ascii(String s) {
    out.writeBytes(s.getBytes(StandardCharsets.UTF_8));
    return this;
  }

  byte[] build() {
    return out.toByteArray();
  }
}
