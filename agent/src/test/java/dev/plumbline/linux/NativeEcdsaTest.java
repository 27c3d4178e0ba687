package dev.plumbline.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.security.spec.ECGenParameterSpec;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** libcrypto's verdict equals the JDK's on valid, tampered and malformed signatures. */
class NativeEcdsaTest {
  @BeforeAll
  static void needsLibcrypto() {
    if (!NativeEcdsa.available()) {
      fail("needs OpenSSL's libcrypto (Debian: libssl3)");
    }
  }

  private static boolean jdk(KeyPair k, byte[] data, byte[] sig) throws Exception {
    Signature s = Signature.getInstance("SHA256withECDSA");
    s.initVerify(k.getPublic());
    s.update(data);
    try {
      return s.verify(sig);
    } catch (java.security.SignatureException e) {
      return false;
    }
  }

  @Test
  void agreesWithTheJdk() throws Exception {
    KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
    g.initialize(new ECGenParameterSpec("secp256r1"));
    KeyPair k = g.generateKeyPair();
    KeyPair other = g.generateKeyPair();
    Random random = new Random(1);
    int valid = 0;
    try (NativeEcdsa.PublicKey pk = new NativeEcdsa.PublicKey(k.getPublic().getEncoded())) {
      for (int i = 0; i < 200; i++) {
        byte[] data = new byte[random.nextInt(300)];
        random.nextBytes(data);
        Signature s = Signature.getInstance("SHA256withECDSA");
        s.initSign(i % 10 == 0 ? other.getPrivate() : k.getPrivate());
        s.update(data);
        byte[] sig = s.sign();
        byte[][] variants = {
          sig,
          flip(sig, random.nextInt(sig.length)),
          Arrays.copyOf(sig, sig.length - 1),
          Arrays.copyOf(sig, sig.length + 1), // trailing garbage after the DER sequence
          new byte[64],
          new byte[0]
        };
        for (byte[] v : variants) {
          boolean expected = jdk(k, data, v);
          assertEquals(expected, pk.verifySha256(data, v), "signature " + i);
          valid += expected ? 1 : 0;
        }
        if (data.length > 0) {
          assertEquals(jdk(k, flip(data, 0), sig), pk.verifySha256(flip(data, 0), sig));
        }
      }
    }
    assertTrue(valid >= 150, "most untouched signatures verify: " + valid);
  }

  @Test
  void refusesWhatIsNotAKey() {
    assertThrows(IllegalArgumentException.class, () -> new NativeEcdsa.PublicKey(new byte[] {1, 2, 3}));
  }

  private static byte[] flip(byte[] b, int at) {
    byte[] c = b.clone();
    c[at] ^= 0x01;
    return c;
  }
}
