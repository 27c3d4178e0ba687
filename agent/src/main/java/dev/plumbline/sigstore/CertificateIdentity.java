package dev.plumbline.sigstore;

import java.util.Objects;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Who must have signed: the certificate's identity (its one SAN: a workflow URI or an e-mail),
 * exactly or by a regular expression that must match the whole identity, and the OIDC issuer,
 * exactly or by a whole-match regular expression. Both are required: an identity alone would
 * trust any issuer that vouches for it.
 */
public record CertificateIdentity(String exact, Pattern regexp, String issuer, Pattern issuerRegexp) {
  public CertificateIdentity {
    if ((issuer == null) == (issuerRegexp == null)) {
      throw new IllegalArgumentException("give exactly one of an issuer and an issuer regexp");
    }
    if ((exact == null) == (regexp == null)) {
      throw new IllegalArgumentException("give exactly one of an identity and an identity regexp");
    }
  }

  public static CertificateIdentity exact(String identity, String issuer) {
    return new CertificateIdentity(Objects.requireNonNull(identity, "identity"), null, Objects.requireNonNull(issuer, "issuer"), null);
  }

  public static CertificateIdentity regexp(String regexp, String issuer) throws SigstoreInputException {
    return new CertificateIdentity(null, compile(regexp, "identity"), Objects.requireNonNull(issuer, "issuer"), null);
  }

  /** This identity with the issuer matched by a regular expression (the whole issuer must match) instead of exactly. */
  public CertificateIdentity withIssuerRegexp(String issuerRegexp) throws SigstoreInputException {
    return new CertificateIdentity(exact, regexp, null, compile(issuerRegexp, "issuer"));
  }

  private static Pattern compile(String regexp, String what) throws SigstoreInputException {
    try {
      return Pattern.compile(regexp);
    } catch (PatternSyntaxException e) {
      throw new SigstoreInputException(what + " regexp '" + regexp + "' is invalid: " + e.getDescription(), e);
    }
  }

  public boolean matches(SignerInfo signer) {
    boolean identityOk =
        exact != null ? exact.equals(signer.identity()) : regexp.matcher(signer.identity()).matches();
    boolean issuerOk = issuer != null ? issuer.equals(signer.issuer())
        : signer.issuer() != null && issuerRegexp.matcher(signer.issuer()).matches();
    return identityOk && issuerOk;
  }

  @Override
  public String toString() {
    return (exact != null ? exact : "/" + regexp.pattern() + "/") + " from " + (issuer != null ? issuer : "/" + issuerRegexp.pattern() + "/");
  }
}
