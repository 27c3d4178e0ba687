package dev.plumbline.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** libcrypto's digests against published vectors and the JDK's. */
class NativeDigestTest {
  private static final Map<String, String> JDK_NAMES =
      Map.of("md5", "MD5", "sha1", "SHA-1", "sha256", "SHA-256", "sha384", "SHA-384", "sha512", "SHA-512");

  private static String nativeHex(String algorithm, byte[] data) {
    try (NativeDigest d = NativeDigest.start(algorithm)) {
      assertNotNull(d, algorithm);
      if (data.length > 0) {
        d.update(data, data.length);
      }
      return HexFormat.of().formatHex(d.finish());
    }
  }

  @Test
  void libcryptoIsThereOnTheBuildMachines() {
    // Debian's openssl/libssl3 come with git and curl, which the CI installs
    assertTrue(NativeDigest.available());
  }

  @Test
  void knownVectors() {
    byte[] abc = "abc".getBytes(StandardCharsets.US_ASCII);
    // RFC 1321 and FIPS 180-2 test vectors
    assertEquals("900150983cd24fb0d6963f7d28e17f72", nativeHex("md5", abc));
    assertEquals("d41d8cd98f00b204e9800998ecf8427e", nativeHex("md5", new byte[0]));
    assertEquals("a9993e364706816aba3e25717850c26c9cd0d89d", nativeHex("sha1", abc));
    assertEquals("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", nativeHex("sha256", abc));
    assertEquals("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", nativeHex("sha256", new byte[0]));
    assertEquals("ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a"
        + "2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f", nativeHex("sha512", abc));
  }

  @Test
  void everyAlgorithmIsTheJdksOnAMappedBinary() throws Exception {
    try (FileChannel ch = FileChannel.open(Path.of("/bin/sh").toRealPath())) {
      ByteBuffer map = ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size());
      for (Map.Entry<String, String> a : JDK_NAMES.entrySet()) {
        MessageDigest jdk = MessageDigest.getInstance(a.getValue());
        jdk.update(map.duplicate());
        try (NativeDigest d = NativeDigest.start(a.getKey())) {
          d.update(map);
          assertEquals(0, map.position(), "update does not move the buffer");
          assertEquals(HexFormat.of().formatHex(jdk.digest()), HexFormat.of().formatHex(d.finish()), a.getKey());
        }
      }
    }
  }

  @Test
  void anUnknownAlgorithmIsRefusedByName() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> NativeDigest.start("crc32"));
    assertTrue(e.getMessage().contains("crc32"), e.getMessage());
  }
}
