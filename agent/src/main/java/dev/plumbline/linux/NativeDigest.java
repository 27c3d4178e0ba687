package dev.plumbline.linux;

import com.sun.jna.Pointer;
import java.nio.Buffer;
import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * File digests (MD5, SHA-1, SHA-2) through OpenSSL's libcrypto (EVP interface), when the system has
 * it: the agent runs with C1 only (see scripts/plumbline), where the JDK's digests lose their
 * intrinsics: SHA-256 runs at ~150 MB/s and MD5 at ~250 MB/s (node's 99 MB binary took 0.4 s of
 * CPU to compare with dpkg's md5sums), while libcrypto does ~1.5 GB/s (SHA-NI) and ~650 MB/s
 * whatever the JIT does. Optional: {@link #start} returns null without libcrypto, or when it
 * refuses the algorithm (a FIPS provider has no MD5), and callers fall back to MessageDigest.
 */
public final class NativeDigest implements AutoCloseable {
  private static final boolean AVAILABLE = NativeLibraries.registerLibcrypto(NativeDigest.class);

  private Pointer ctx;

  /** Whether libcrypto was found (an algorithm may still be refused: see {@link #start}). */
  public static boolean available() {
    return AVAILABLE;
  }

  /**
   * A running digest of {@code algorithm} (md5, sha1, sha256, sha384 or sha512, as package
   * databases name them), or null when libcrypto is missing or cannot start it.
   */
  public static NativeDigest start(String algorithm) {
    if (!AVAILABLE) {
      return null;
    }
    Pointer md = switch (algorithm) {
      case "md5" -> EVP_md5();
      case "sha1" -> EVP_sha1();
      case "sha256" -> EVP_sha256();
      case "sha384" -> EVP_sha384();
      case "sha512" -> EVP_sha512();
      default -> throw new IllegalArgumentException("unknown digest algorithm '" + algorithm + "'");
    };
    NativeDigest digest = new NativeDigest(EVP_MD_CTX_new());
    if (md == null || digest.ctx == null || EVP_DigestInit_ex(digest.ctx, md, null) != 1) {
      digest.close();
      return null;
    }
    return digest;
  }

  private NativeDigest(Pointer ctx) {
    this.ctx = ctx;
  }

  /** Digests the remaining bytes of a direct buffer (its position is not moved). */
  public void update(ByteBuffer direct) {
    if (!direct.isDirect()) {
      throw new IllegalArgumentException("a direct buffer is needed");
    }
    ByteBuffer slice = direct.slice();
    if (slice.remaining() > 0 && EVP_DigestUpdate(ctx, slice, slice.remaining()) != 1) {
      throw new IllegalStateException("libcrypto digest update failed");
    }
  }

  public void update(byte[] bytes, int length) {
    ByteBuffer direct = ByteBuffer.allocateDirect(length);
    direct.put(bytes, 0, length).flip();
    update(direct);
  }

  /** The digest (16 to 64 bytes, by algorithm); the digest cannot be updated after. */
  public byte[] finish() {
    byte[] out = new byte[64]; // EVP_MAX_MD_SIZE
    int[] len = new int[1];
    if (EVP_DigestFinal_ex(ctx, out, len) != 1 || len[0] <= 0 || len[0] > out.length) {
      throw new IllegalStateException("libcrypto digest final failed");
    }
    return Arrays.copyOf(out, len[0]);
  }

  @Override
  public void close() {
    if (ctx != null) {
      EVP_MD_CTX_free(ctx);
      ctx = null;
    }
  }

  private static native Pointer EVP_MD_CTX_new();

  private static native void EVP_MD_CTX_free(Pointer ctx);

  private static native Pointer EVP_md5();

  private static native Pointer EVP_sha1();

  private static native Pointer EVP_sha256();

  private static native Pointer EVP_sha384();

  private static native Pointer EVP_sha512();

  private static native int EVP_DigestInit_ex(Pointer ctx, Pointer type, Pointer engine);

  private static native int EVP_DigestUpdate(Pointer ctx, Buffer data, long count);

  private static native int EVP_DigestFinal_ex(Pointer ctx, byte[] md, int[] size);
}
