package dev.plumbline.linux;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The SHA-256 of a file's bytes, through libcrypto when the system has it ({@link NativeDigest}:
 * ~1.5 GB/s whatever the JIT does) and the JDK otherwise. Every file digest the agent takes goes
 * through here, so none of them pays the C1-only JDK's ~150 MB/s by accident (the toolchain
 * inventory did, hashing node's 99 MB before every signed build).
 */
public final class Sha256Files {
  /**
   * One read buffer per hashing thread, allocated once (direct: libcrypto reads it in place).
   * 256 KiB: each one is resident in the agent for the whole run once a file that large was
   * hashed (1 MiB each took 2 MiB of the storm's peak RSS), and at libcrypto's ~1.5 GB/s a read
   * of 256 KiB still hashes for ~170 us per system call.
   */
  private static final ThreadLocal<ByteBuffer> BUFFER = ThreadLocal.withInitial(() -> ByteBuffer.allocateDirect(1 << 18));

  private Sha256Files() {}

  /**
   * This thread's 256 KiB direct read buffer, cleared, for any loop that digests a file's bytes. Not a
   * new buffer per file: a direct buffer's memory is freed only when a GC finds its small heap
   * object dead, which with a heap of a few MiB took dozens of collections, and the package
   * digests after an xz build held 44 MiB of them at once (NMT "Other").
   */
  public static ByteBuffer readBuffer() {
    ByteBuffer buf = BUFFER.get();
    buf.clear();
    return buf;
  }

  /**
   * Hex digest of what the channel holds from its position (0 when just opened) to its end. Read, not
   * mapped: a mapped file's pages count in the agent's RSS while it is hashed (a build that loads
   * libLLVM took the agent's peak from ~100 MiB to 380 MiB); reading to the end also covers files
   * that report size 0 and still have content (procfs, pipes: hence relative reads).
   */
  public static String hex(FileChannel channel) throws IOException {
    try (Stepwise digest = Stepwise.of(channel)) {
      while (digest.step()) {
        // one buffer per step
      }
      return digest.hex();
    }
  }

  /**
   * A file's SHA-256 taken one read buffer at a time, so that the work can change threads between
   * two steps (the toolchain files, hashed at nice 19 while the build runs, are handed to a thread
   * at normal priority once it has ended). Not thread-safe: one thread at a time, the hand-over
   * synchronized by the caller; each step reads into the calling thread's own buffer. Closing it
   * frees the digest, not the channel.
   */
  public static final class Stepwise implements AutoCloseable {
    private final FileChannel channel;
    private final NativeDigest native256;
    private final MessageDigest jdk;

    private Stepwise(FileChannel channel, NativeDigest native256, MessageDigest jdk) {
      this.channel = channel;
      this.native256 = native256;
      this.jdk = jdk;
    }

    /** A digest of what {@code channel} holds from its position to its end, no byte read yet. */
    public static Stepwise of(FileChannel channel) {
      NativeDigest native256 = NativeDigest.start("sha256");
      if (native256 != null) {
        return new Stepwise(channel, native256, null);
      }
      try {
        return new Stepwise(channel, null, MessageDigest.getInstance("SHA-256"));
      } catch (NoSuchAlgorithmException e) {
        throw new IllegalStateException("SHA-256 missing from the JDK", e);
      }
    }

    /** Reads and digests up to one buffer; false once the end is reached (nothing more to read). */
    public boolean step() throws IOException {
      ByteBuffer buf = readBuffer();
      if (channel.read(buf) <= 0) {
        return false;
      }
      buf.flip();
      if (native256 != null) {
        native256.update(buf);
      } else {
        jdk.update(buf);
      }
      return true;
    }

    /** The digest of every byte the steps read, in hex; call once, after the last step. */
    public String hex() {
      return HexFormat.of().formatHex(native256 != null ? native256.finish() : jdk.digest());
    }

    @Override
    public void close() {
      if (native256 != null) {
        native256.close();
      }
    }
  }
}
