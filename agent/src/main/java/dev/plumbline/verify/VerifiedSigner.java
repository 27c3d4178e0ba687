package dev.plumbline.verify;

/**
 * Who a signature step proved signed the bundle: a key (by its hint) or a certificate identity
 * and OIDC issuer. Later steps (policy) match on these fields, never on the display text.
 */
public record VerifiedSigner(String keyHint, String identity, String issuer) {
  public static VerifiedSigner key(String hint) {
    return new VerifiedSigner(hint, null, null);
  }

  public static VerifiedSigner certificate(String identity, String issuer) {
    return new VerifiedSigner(null, identity, issuer);
  }

  /** For people: "key HINT" or "IDENTITY (issuer ISSUER)". */
  public String describe() {
    return identity != null ? identity + " (issuer " + issuer + ")" : "key " + keyHint;
  }
}
