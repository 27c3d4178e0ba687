package dev.plumbline.linux;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The SHA-256 of a file's bytes, through libcrypto when the system has it ({@link NativeSha256}:
 * ~1.5 GB/s whatever the JIT does) and the JDK otherwise. Every file digest the agent takes goes
 * through here, so none of them pays the C1-only JDK's ~150 MB/s by accident (the toolchain
 * inventory did, hashing node's 99 MB before every signed build).
 */
public final class Sha256Files {
  private static final int CHUNK = 1 << 30;
  /** One read buffer per hashing thread, allocated once (direct: libcrypto reads it in place). */
  private static final ThreadLocal<ByteBuffer> BUFFER = ThreadLocal.withInitial(() -> ByteBuffer.allocateDirect(1 << 20));

  private Sha256Files() {}

  /** Hex digest of everything the channel holds, read from position 0. */
  public static String hex(FileChannel channel) throws IOException {
    long size = channel.size();
    if (NativeSha256.available() && size > 0) {
      // read, not mapped: a mapped file's pages count in the agent's RSS while it is hashed (a
      // build that loads libLLVM took the agent's peak from ~100 MiB to 380 MiB)
      try (NativeSha256.Digest native256 = new NativeSha256.Digest()) {
        ByteBuffer buf = BUFFER.get();
        buf.clear();
        long pos = 0;
        for (int n; (n = channel.read(buf, pos)) > 0; pos += n) {
          buf.flip();
          native256.update(buf);
          buf.clear();
        }
        return HexFormat.of().formatHex(native256.finish());
      }
    }
    MessageDigest digest;
    try {
      digest = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 missing from the JDK", e);
    }
    if (size == 0) {
      // some files (procfs, pipes) report 0 and still have content: read them as a stream
      ByteBuffer buf = ByteBuffer.allocate(64 * 1024);
      while (channel.read(buf) > 0) {
        buf.flip();
        digest.update(buf);
        buf.clear();
      }
      return HexFormat.of().formatHex(digest.digest());
    }
    for (long pos = 0; pos < size; pos += CHUNK) {
      MappedByteBuffer map = channel.map(FileChannel.MapMode.READ_ONLY, pos, Math.min(CHUNK, size - pos));
      digest.update(map);
    }
    return HexFormat.of().formatHex(digest.digest());
  }
}
