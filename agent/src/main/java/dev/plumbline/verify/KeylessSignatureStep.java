package dev.plumbline.verify;

import dev.plumbline.sigstore.ArtifactDigest;
import dev.plumbline.sigstore.Bundles;
import dev.plumbline.sigstore.CertificateIdentity;
import dev.plumbline.sigstore.KeylessBundleVerifier;
import dev.plumbline.sigstore.KeylessVerification;
import dev.plumbline.sigstore.SignerInfo;
import dev.plumbline.sigstore.SigstoreInputException;
import dev.plumbline.sigstore.SigstoreVerificationException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * The signature step of {@code plumbline verify} for keyless bundles: certificate chain and SCT,
 * signer identity, signing time, signature, transparency log and timestamps, each a named check
 * (see {@link KeylessBundleVerifier}), then who signed as the {@code signer} check.
 */
public final class KeylessSignatureStep implements VerificationStep {
  private final KeylessBundleVerifier verifier;
  private final CertificateIdentity identity;

  public KeylessSignatureStep(KeylessBundleVerifier verifier, CertificateIdentity identity) {
    this.verifier = verifier;
    this.identity = identity;
  }

  @Override
  public void apply(VerificationContext ctx) {
    String json = ctx.bundle().toString();
    if (Bundles.isKeySigned(json)) {
      ctx.add(Check.fail("certificate", "the bundle is signed with a key, not a Fulcio certificate: verify it with --key"));
      return;
    }
    dev.sigstore.bundle.Bundle bundle;
    try {
      bundle = Bundles.parse(json, "");
    } catch (SigstoreInputException e) {
      ctx.add(Check.fail("bundle", e.getMessage().replace("bundle  is not", "not")));
      return;
    }
    ArtifactDigest artifact = new ArtifactDigest(HexFormat.of().parseHex(ctx.artifact().sha256()), ctx.artifact().display());
    KeylessVerification v;
    try {
      v = verifier.verify(bundle, artifact, identity);
    } catch (SigstoreVerificationException e) {
      ctx.add(Check.fail(e.check(), e.reason()));
      return;
    }
    for (KeylessVerification.Check c : v.checks()) {
      ctx.add(Check.pass(c.name(), c.detail()));
    }
    ctx.add(Check.pass("signer", describe(v.signer())));
    if (ctx.content() == VerificationContext.Content.MESSAGE_SIGNATURE) {
      ctx.add(Check.pass("subject", "the signed message is the artifact " + ctx.artifact().display()));
    }
    ctx.signatureVerified(v.payload(), VerifiedSigner.certificate(v.signer().identity(), v.signer().issuer()));
  }

  /** The signer's CI context from the Fulcio extensions, on one line. */
  static String describe(SignerInfo s) {
    List<String> parts = new ArrayList<>();
    parts.add(s.identity() + " from " + s.issuer());
    if (s.repository() != null) {
      parts.add("repository " + s.repository());
    }
    if (s.workflowRef() != null && !s.workflowRef().equals(s.identity())) {
      parts.add("workflow " + s.workflowRef());
    }
    if (s.ref() != null) {
      parts.add("ref " + s.ref());
    }
    if (s.commit() != null) {
      parts.add("commit " + s.commit());
    }
    if (s.trigger() != null) {
      parts.add("trigger " + s.trigger());
    }
    return String.join(", ", parts);
  }
}
