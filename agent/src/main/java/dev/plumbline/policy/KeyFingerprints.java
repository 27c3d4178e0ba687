package dev.plumbline.policy;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.PublicKey;
import java.util.HexFormat;

/** The fingerprint policies name keys by: {@code sha256:HEX} of the DER SubjectPublicKeyInfo. */
public final class KeyFingerprints {
  private KeyFingerprints() {}

  public static String of(PublicKey key) {
    return dev.plumbline.sign.Keys.fingerprint(key);
  }

  public static String of(byte[] spkiDer) {
    try {
      return "sha256:" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(spkiDer));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 missing from the JDK", e);
    }
  }
}
