package dev.plumbline.sigstore;

import java.util.Objects;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Who must have signed: the certificate's identity (its one SAN: a workflow URI or an e-mail),
 * exactly or by a regular expression that must match the whole identity, and the OIDC issuer
 * exactly. Both are required: an identity alone would trust any issuer that vouches for it.
 */
public record CertificateIdentity(String exact, Pattern regexp, String issuer) {
  public CertificateIdentity {
    Objects.requireNonNull(issuer, "issuer");
    if ((exact == null) == (regexp == null)) {
      throw new IllegalArgumentException("give exactly one of an identity and an identity regexp");
    }
  }

  public static CertificateIdentity exact(String identity, String issuer) {
    return new CertificateIdentity(identity, null, issuer);
  }

  public static CertificateIdentity regexp(String regexp, String issuer) throws SigstoreInputException {
    try {
      return new CertificateIdentity(null, Pattern.compile(regexp), issuer);
    } catch (PatternSyntaxException e) {
      throw new SigstoreInputException("identity regexp '" + regexp + "' is invalid: " + e.getDescription(), e);
    }
  }

  public boolean matches(SignerInfo signer) {
    boolean identityOk =
        exact != null ? exact.equals(signer.identity()) : regexp.matcher(signer.identity()).matches();
    return identityOk && issuer.equals(signer.issuer());
  }

  @Override
  public String toString() {
    return (exact != null ? exact : "/" + regexp.pattern() + "/") + " from " + issuer;
  }
}
