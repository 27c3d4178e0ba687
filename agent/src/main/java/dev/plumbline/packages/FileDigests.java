package dev.plumbline.packages;

import dev.plumbline.linux.NativeDigest;
import dev.plumbline.linux.Sha256Files;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Several digests of one file in a single read, each through libcrypto when the host has it
 * ({@link NativeDigest}: under the agent's C1-only JIT the JDK's MD5 took 0.4 s of CPU for node's
 * 99 MB binary, libcrypto ~0.15 s) and through the JDK otherwise. The agent's hasher reads what
 * ran through here when the package databases need more than SHA-256 ({@link DigestMatch#digestsToTake}).
 */
public final class FileDigests {

  private FileDigests() {}

  /** Algorithm (md5, sha1, sha256, ...) → lower-case hex, for each algorithm asked. */
  static Map<String, String> of(Path file, Set<String> algorithms) throws IOException {
    return of(file, algorithms, true);
  }

  /** As {@link #of(Path, Set)}; {@code preferNative} false takes the JDK's digests only (the fallback, for tests). */
  static Map<String, String> of(Path file, Set<String> algorithms, boolean preferNative) throws IOException {
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
      return of(channel, algorithms, preferNative);
    }
  }

  /**
   * Algorithm → lower-case hex of what the channel holds from its position to its end (read to the
   * end, as {@link Sha256Files#hex} does), for each algorithm asked (md5, sha1, sha256, sha384, sha512).
   */
  public static Map<String, String> of(FileChannel channel, Set<String> algorithms) throws IOException {
    return of(channel, algorithms, true);
  }

  private static Map<String, String> of(FileChannel channel, Set<String> algorithms, boolean preferNative) throws IOException {
    List<Running> digests = new ArrayList<>();
    try {
      for (String a : algorithms) {
        NativeDigest n = preferNative ? NativeDigest.start(a) : null;
        digests.add(n != null ? new Running(a, n, null) : new Running(a, null, jdk(a)));
      }
      // read, not mapped: a mapped file's pages count in the agent's RSS while it is digested,
      // and a build that loads libLLVM (110 MB) made that the agent's peak; this thread's buffer,
      // not one per file (see Sha256Files.readBuffer)
      ByteBuffer buf = Sha256Files.readBuffer();
      while (channel.read(buf) > 0) {
        buf.flip();
        for (Running d : digests) {
          d.update(buf);
        }
        buf.clear();
      }
      Map<String, String> out = new LinkedHashMap<>();
      for (Running d : digests) {
        out.put(d.algorithm, HexFormat.of().formatHex(d.finish()));
      }
      return out;
    } finally {
      for (Running d : digests) {
        if (d.libcrypto != null) {
          d.libcrypto.close();
        }
      }
    }
  }

  private static MessageDigest jdk(String algorithm) {
    try {
      return MessageDigest.getInstance(FileDigest.jdkName(algorithm));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(algorithm + " missing from the JDK", e);
    }
  }

  /** One algorithm's running digest: libcrypto's or, without it, the JDK's. */
  private record Running(String algorithm, NativeDigest libcrypto, MessageDigest jdk) {
    void update(ByteBuffer data) {
      if (libcrypto != null) {
        libcrypto.update(data); // does not move the buffer's position
      } else {
        jdk.update(data.duplicate());
      }
    }

    byte[] finish() {
      return libcrypto != null ? libcrypto.finish() : jdk.digest();
    }
  }
}
