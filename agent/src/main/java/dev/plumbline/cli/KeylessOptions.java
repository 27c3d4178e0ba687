package dev.plumbline.cli;

import dev.plumbline.ci.GithubContext;
import dev.plumbline.ci.GithubIdentity;
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

  /** The options as given; {@code githubRepository} etc. are the GitHub shorthand for an identity regexp and issuer. */
  record Given(String identity, String identityRegexp, String issuer, String issuerRegexp,
      String githubRepository, String githubWorkflow, String githubRef, Path trustedRoot) {
    boolean any() {
      return identity != null || identityRegexp != null || issuer != null || issuerRegexp != null
          || githubRepository != null || githubWorkflow != null || githubRef != null;
    }
  }

  static KeylessSignatureStep step(Given g) throws VerifyException {
    String identityRegexp = g.identityRegexp();
    String issuer = g.issuer();
    if (g.githubRepository() != null || g.githubWorkflow() != null || g.githubRef() != null) {
      if (g.githubRepository() == null) {
        throw new VerifyException("--github-workflow and --github-ref need --github-repository OWNER/REPO");
      }
      if (g.identity() != null || g.identityRegexp() != null) {
        throw new VerifyException("--github-repository replaces --certificate-identity/--certificate-identity-regexp: give one or the other");
      }
      try {
        identityRegexp = GithubIdentity.regexp(null, g.githubRepository(), g.githubWorkflow(), g.githubRef());
      } catch (IllegalArgumentException e) {
        throw new VerifyException(e.getMessage());
      }
      if (issuer == null && g.issuerRegexp() == null) {
        issuer = GithubContext.ACTIONS_ISSUER;
      }
    }
    if (issuer == null && g.issuerRegexp() == null) {
      throw new VerifyException("keyless verification needs --certificate-oidc-issuer URL (or --certificate-oidc-issuer-regexp RE)");
    }
    if (issuer != null && g.issuerRegexp() != null) {
      throw new VerifyException("give one of --certificate-oidc-issuer and --certificate-oidc-issuer-regexp");
    }
    if ((g.identity() == null) == (identityRegexp == null)) {
      throw new VerifyException("give exactly one of --certificate-identity and --certificate-identity-regexp");
    }
    try {
      CertificateIdentity expected = g.identity() != null
          ? CertificateIdentity.exact(g.identity(), issuer == null ? "" : issuer)
          : CertificateIdentity.regexp(identityRegexp, issuer == null ? "" : issuer);
      if (g.issuerRegexp() != null) {
        expected = expected.withIssuerRegexp(g.issuerRegexp());
      }
      // sigstore-java's key set-up on another core while the trusted root is parsed (which needs it after)
      AheadOfUse.start("sigstore-keys", KeylessBundleVerifier::prepare);
      return new KeylessSignatureStep(KeylessBundleVerifier.create(TrustRoots.load(g.trustedRoot())), expected);
    } catch (SigstoreInputException e) {
      throw new VerifyException(e.getMessage(), e);
    }
  }
}
