package dev.plumbline.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/** libcrypto's SHA-256 against the JDK's, on a real binary and on known vectors. */
class NativeSha256Test {
  @Test
  void libcryptoIsThereOnTheBuildMachines() {
    // Debian's openssl/libssl3 come with git and curl, which the CI installs
    assertTrue(NativeSha256.available());
  }

  @Test
  void knownVectors() {
    try (NativeSha256.Digest d = new NativeSha256.Digest()) {
      d.update("abc".getBytes(), 3);
      assertEquals("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", HexFormat.of().formatHex(d.finish()));
    }
    try (NativeSha256.Digest d = new NativeSha256.Digest()) {
      assertEquals("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", HexFormat.of().formatHex(d.finish()));
    }
  }

  @Test
  void sameAsTheJdkOnAMappedBinary() throws Exception {
    try (FileChannel ch = FileChannel.open(Path.of("/bin/sh").toRealPath())) {
      ByteBuffer map = ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size());
      MessageDigest jdk = MessageDigest.getInstance("SHA-256");
      jdk.update(map.duplicate());
      try (NativeSha256.Digest d = new NativeSha256.Digest()) {
        d.update(map);
        assertEquals(HexFormat.of().formatHex(jdk.digest()), HexFormat.of().formatHex(d.finish()));
      }
    }
  }
}
