package dev.plumbline.packages;

import dev.plumbline.linux.NativeSha256;
import dev.plumbline.linux.Sha256Files;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/** Several digests of one file in a single read (SHA-256 through libcrypto when the host has it). */
final class FileDigests {

  private FileDigests() {}

  /** Algorithm (md5, sha1, sha256, ...) → lower-case hex, for each algorithm asked. */
  static Map<String, String> of(Path file, Set<String> algorithms) throws IOException {
    Map<String, MessageDigest> jdk = new LinkedHashMap<>();
    boolean nativeSha256 = algorithms.contains("sha256") && NativeSha256.available();
    for (String a : algorithms) {
      if (!(a.equals("sha256") && nativeSha256)) {
        try {
          jdk.put(a, MessageDigest.getInstance(FileDigest.jdkName(a)));
        } catch (NoSuchAlgorithmException e) {
          throw new IllegalStateException(a + " missing from the JDK", e);
        }
      }
    }
    Map<String, String> out = new LinkedHashMap<>();
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ);
        NativeSha256.Digest sha = nativeSha256 ? new NativeSha256.Digest() : null) {
      // read, not mapped: a mapped file's pages count in the agent's RSS while it is digested,
      // and a build that loads libLLVM (110 MB) made that the agent's peak; this thread's buffer,
      // not one per file (see Sha256Files.readBuffer)
      ByteBuffer buf = Sha256Files.readBuffer();
      while (channel.read(buf) > 0) {
        buf.flip();
        feed(buf, jdk, sha);
        buf.clear();
      }
      if (sha != null) {
        out.put("sha256", HexFormat.of().formatHex(sha.finish()));
      }
    }
    jdk.forEach((a, d) -> out.put(a, HexFormat.of().formatHex(d.digest())));
    return out;
  }

  private static void feed(ByteBuffer data, Map<String, MessageDigest> jdk, NativeSha256.Digest sha) {
    if (sha != null) {
      sha.update(data);
    }
    for (MessageDigest d : jdk.values()) {
      d.update(data.duplicate());
    }
  }
}
