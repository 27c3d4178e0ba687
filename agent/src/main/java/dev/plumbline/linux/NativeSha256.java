package dev.plumbline.linux;

import com.sun.jna.Native;
import com.sun.jna.Pointer;
import java.nio.Buffer;
import java.nio.ByteBuffer;

/**
 * SHA-256 through OpenSSL's libcrypto (EVP interface), when the system has it: the agent runs
 * with C1 only (see scripts/plumbline), where the JDK's SHA-256 loses its intrinsic and runs at
 * ~150 MB/s; libcrypto uses SHA-NI/AVX2 at ~1.5 GB/s whatever the JIT does. Optional: {@link
 * #available()} is false without libcrypto, and callers fall back to MessageDigest.
 */
public final class NativeSha256 {
  private static final boolean AVAILABLE = load();

  private NativeSha256() {}

  private static boolean load() {
    for (String name : new String[] {"crypto", "libcrypto.so.3"}) {
      try {
        Native.register(NativeSha256.class, NativeLibraries.get(name));
        return true;
      } catch (UnsatisfiedLinkError | NoClassDefFoundError e) {
        // try the next name, then fall back to the JDK
      }
    }
    return false;
  }

  public static boolean available() {
    return AVAILABLE;
  }

  /** A running digest; feed it direct buffers (e.g. a mapped file), then {@link #finish()}. */
  public static final class Digest implements AutoCloseable {
    private Pointer ctx;

    public Digest() {
      ctx = EVP_MD_CTX_new();
      if (ctx == null || EVP_DigestInit_ex(ctx, EVP_sha256(), null) != 1) {
        close();
        throw new IllegalStateException("libcrypto could not start a SHA-256 digest");
      }
    }

    /** Digests the remaining bytes of a direct buffer (its position is not moved). */
    public void update(ByteBuffer direct) {
      if (!direct.isDirect()) {
        throw new IllegalArgumentException("a direct buffer is needed");
      }
      ByteBuffer slice = direct.slice();
      if (slice.remaining() > 0 && EVP_DigestUpdate(ctx, slice, slice.remaining()) != 1) {
        throw new IllegalStateException("libcrypto SHA-256 update failed");
      }
    }

    public void update(byte[] bytes, int length) {
      ByteBuffer direct = ByteBuffer.allocateDirect(length);
      direct.put(bytes, 0, length).flip();
      update(direct);
    }

    public byte[] finish() {
      byte[] out = new byte[32];
      int[] len = new int[1];
      if (EVP_DigestFinal_ex(ctx, out, len) != 1 || len[0] != 32) {
        throw new IllegalStateException("libcrypto SHA-256 final failed");
      }
      return out;
    }

    @Override
    public void close() {
      if (ctx != null) {
        EVP_MD_CTX_free(ctx);
        ctx = null;
      }
    }
  }

  private static native Pointer EVP_MD_CTX_new();

  private static native void EVP_MD_CTX_free(Pointer ctx);

  private static native Pointer EVP_sha256();

  private static native int EVP_DigestInit_ex(Pointer ctx, Pointer type, Pointer engine);

  private static native int EVP_DigestUpdate(Pointer ctx, Buffer data, long count);

  private static native int EVP_DigestFinal_ex(Pointer ctx, byte[] md, int[] size);
}
