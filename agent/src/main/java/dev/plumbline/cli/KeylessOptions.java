package dev.plumbline.cli;

import dev.plumbline.sigstore.CertificateIdentity;
import dev.plumbline.sigstore.KeylessBundleVerifier;
import dev.plumbline.sigstore.SigstoreInputException;
import dev.plumbline.sigstore.TrustRoots;
import dev.plumbline.verify.KeylessSignatureStep;
import dev.plumbline.verify.VerifyException;
import java.nio.file.Path;

/** Turns verify's keyless options into the sigstore signature step (kept apart from VerifyCommand). */
final class KeylessOptions {
  private KeylessOptions() {}

  static KeylessSignatureStep step(String identity, String identityRegexp, String issuer, Path trustedRoot) throws VerifyException {
    if (issuer == null) {
      throw new VerifyException("keyless verification needs --certificate-oidc-issuer URL");
    }
    if ((identity == null) == (identityRegexp == null)) {
      throw new VerifyException("give exactly one of --certificate-identity and --certificate-identity-regexp");
    }
    try {
      CertificateIdentity expected =
          identity != null ? CertificateIdentity.exact(identity, issuer) : CertificateIdentity.regexp(identityRegexp, issuer);
      return new KeylessSignatureStep(KeylessBundleVerifier.create(TrustRoots.load(trustedRoot)), expected);
    } catch (SigstoreInputException e) {
      throw new VerifyException(e.getMessage(), e);
    }
  }
}
