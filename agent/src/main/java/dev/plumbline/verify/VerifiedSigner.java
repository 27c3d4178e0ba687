package dev.plumbline.verify;

/**
 * Who a signature step proved signed the bundle: a key (by its sha256:HEX fingerprint) or a certificate identity
 * and OIDC issuer. Later steps (policy) match on these fields, never on the display text.
 */
public record VerifiedSigner(String keyFingerprint, String identity, String issuer) {
  public static VerifiedSigner key(String fingerprint) {
    return new VerifiedSigner(fingerprint, null, null);
  }

  public static VerifiedSigner certificate(String identity, String issuer) {
    return new VerifiedSigner(null, identity, issuer);
  }

  /** For people: "key sha256:HEX" or "IDENTITY (issuer ISSUER)". */
  public String describe() {
    return identity != null ? identity + " (issuer " + issuer + ")" : "key " + keyFingerprint;
  }
}
