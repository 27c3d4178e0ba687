package dev.plumbline.cli;

import dev.plumbline.sign.Keys;
import dev.plumbline.sign.SigningException;
import dev.plumbline.verify.KeySignatureStep;
import dev.plumbline.verify.VerificationStep;
import dev.plumbline.verify.VerifyException;
import java.nio.file.Path;
import java.util.List;
import picocli.CommandLine.Option;

/** Who must have signed: {@code --key}, or a keyless certificate identity; shared by verify and query. */
final class SignerOptions {
  @Option(names = "--key", paramLabel = "FILE", description = "The signer's public key (PEM), e.g. from 'plumbline keygen'.")
  Path key;

  // ---- keyless (sigstore area): certificate identity instead of --key ----
  @Option(names = "--certificate-identity", paramLabel = "ID",
      description = "Keyless: the signer's identity, exactly (workflow URI or e-mail).")
  String certificateIdentity;

  @Option(names = "--certificate-identity-regexp", paramLabel = "RE",
      description = "Keyless: a regular expression the WHOLE identity must match.")
  String certificateIdentityRegexp;

  @Option(names = "--certificate-oidc-issuer", paramLabel = "URL",
      description = "Keyless: the OIDC issuer, exactly (required with an identity).")
  String certificateOidcIssuer;

  @Option(names = "--certificate-oidc-issuer-regexp", paramLabel = "RE",
      description = "Keyless: a regular expression the WHOLE OIDC issuer must match.")
  String certificateOidcIssuerRegexp;

  @Option(names = "--github-repository", paramLabel = "OWNER/REPO",
      description = "Keyless shorthand: signed by a GitHub Actions workflow of OWNER/REPO (issuer: GitHub's).")
  String githubRepository;

  @Option(names = "--github-workflow", paramLabel = "PATH",
      description = "With --github-repository: that workflow file (build.yml or .github/workflows/build.yml).")
  String githubWorkflow;

  @Option(names = "--github-ref", paramLabel = "REF",
      description = "With --github-repository: run on that ref (refs/heads/main, refs/tags/v1.0).")
  String githubRef;

  @Option(names = "--trusted-root", paramLabel = "FILE",
      description = "Keyless: Sigstore trusted_root.json (default: public-good, pinned).")
  Path trustedRoot;
  // ---- end keyless ----

  /**
   * How the signature is checked. With --key: the key. Keyless verification (certificate chain,
   * identity, transparency log) plugs in here as further options and steps.
   */
  List<VerificationStep> signatureSteps(String command) throws VerifyException, SigningException {
    return signatureSteps(command, false);
  }

  /** {@code many}: the steps will verify many bundles (query): a key's signatures then go through libcrypto when present. */
  List<VerificationStep> signatureSteps(String command, boolean many) throws VerifyException, SigningException {
    KeylessOptions.Given given = new KeylessOptions.Given(certificateIdentity, certificateIdentityRegexp, certificateOidcIssuer,
        certificateOidcIssuerRegexp, githubRepository, githubWorkflow, githubRef, trustedRoot);
    boolean keyless = given.any();
    if (key != null && keyless) {
      throw new VerifyException("--key and --certificate-identity/--certificate-oidc-issuer exclude each other");
    }
    if (key != null) {
      var publicKey = Keys.readPublicKey(key);
      return List.of(many ? KeySignatureStep.forMany(publicKey) : new KeySignatureStep(publicKey));
    }
    if (keyless) {
      return List.of(KeylessOptions.step(given));
    }
    throw new VerifyException(command
        + " needs the signer: --key FILE, --certificate-identity ID (or -regexp RE) and --certificate-oidc-issuer URL, or --github-repository OWNER/REPO");
  }
}
