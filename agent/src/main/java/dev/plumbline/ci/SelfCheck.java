package dev.plumbline.ci;

import com.fasterxml.jackson.databind.JsonNode;
import dev.plumbline.policy.Evaluation;
import dev.plumbline.policy.Evidence;
import dev.plumbline.policy.EvidenceFiles;
import dev.plumbline.policy.KeyFingerprints;
import dev.plumbline.policy.Policy;
import dev.plumbline.policy.PolicyEvaluator;
import dev.plumbline.policy.PolicyException;
import dev.plumbline.policy.PolicyStep;
import dev.plumbline.sigstore.CertificateIdentity;
import dev.plumbline.sigstore.KeylessBundleVerifier;
import dev.plumbline.sigstore.SigstoreInputException;
import dev.plumbline.sigstore.TrustRoots;
import dev.plumbline.verify.Artifact;
import dev.plumbline.verify.BundleFile;
import dev.plumbline.verify.Check;
import dev.plumbline.verify.KeySignatureStep;
import dev.plumbline.verify.KeylessSignatureStep;
import dev.plumbline.verify.Verdict;
import dev.plumbline.verify.VerificationStep;
import dev.plumbline.verify.Verifier;
import dev.plumbline.verify.VerifyException;
import java.nio.file.Path;
import java.security.PublicKey;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;

/**
 * Right after the build, in the same process: checks the bundle as a downstream consumer would
 * ({@code plumbline verify}, with the policy), or an unsigned record against the policy, and
 * returns the verdict with the evidence the summary renders: the verified statement's record when
 * it verified, else the record file.
 */
public final class SelfCheck {
  private SelfCheck() {}

  /** Who must have signed: the key's public half, or a certificate identity (keyless). */
  public record ExpectedSigner(PublicKey key, String identity, String issuer, Path trustedRoot) {
    public static ExpectedSigner key(PublicKey key) {
      return new ExpectedSigner(key, null, null, null);
    }

    public static ExpectedSigner keyless(String identity, String issuer, Path trustedRoot) {
      return new ExpectedSigner(null, identity, issuer, trustedRoot);
    }
  }

  /** A subject of the statement: its name and sha256. */
  public record Subject(String name, String sha256) {}

  /**
   * What the check found. {@code verdict} is the verifier's (null when unsigned), {@code policy}
   * the policy's evaluation (null without a policy or when an earlier check failed).
   */
  public record Outcome(
      ActionVerdict verdict, String reason, Verdict verification, Evaluation policy, Evidence evidence, List<Subject> subjects) {}

  /**
   * A signed build: verifies the bundle for each artifact as {@code plumbline verify} takes it (a
   * subject file's path, or {@code sha256:HEX} for a subject given by digest; the record when it is
   * the subject).
   */
  public static Outcome signed(Path bundle, ExpectedSigner signer, Policy policy, List<String> artifacts, Evidence recordEvidence, Clock clock) {
    JsonNode bundleJson;
    List<VerificationStep> signature;
    try {
      bundleJson = BundleFile.read(bundle);
      signature = List.of(signatureStep(signer));
    } catch (VerifyException | SigstoreInputException e) {
      return new Outcome(ActionVerdict.ERROR, e.getMessage(), null, null, recordEvidence, List.of());
    }
    if (artifacts.isEmpty()) {
      return new Outcome(ActionVerdict.ERROR, "no subject to verify the bundle against", null, null, recordEvidence, List.of());
    }
    Verdict first = null;
    Evaluation evaluation = null;
    Verdict failed = null;
    for (String artifact : artifacts) {
      Verifier verifier = Verifier.standard(signature, Verifier.Options.defaults());
      PolicyStep policyStep = null;
      if (policy != null) {
        policyStep = new PolicyStep(policy, signer.key() == null ? null : KeyFingerprints.of(signer.key()), clock);
        verifier = verifier.then(policyStep);
      }
      Verdict v;
      try {
        v = verifier.verify(bundleJson, Artifact.parse(artifact));
      } catch (VerifyException e) {
        return new Outcome(ActionVerdict.ERROR, e.getMessage(), null, null, recordEvidence, List.of());
      }
      if (first == null) {
        first = v;
        evaluation = policyStep == null ? null : policyStep.evaluation();
      }
      if (!v.verified() && failed == null) {
        failed = v;
        evaluation = policyStep == null ? evaluation : policyStep.evaluation();
      }
    }
    Verdict shown = failed != null ? failed : first;
    Evidence evidence = recordEvidence;
    List<Subject> subjects = List.of();
    if (shown.statement() != null) {
      subjects = subjects(shown.statement());
      try {
        evidence = EvidenceFiles.ofVerifiedStatement(shown.statement(), signerIdentity(signer, shown), bundle.toString());
      } catch (PolicyException e) {
        evidence = recordEvidence;
      }
    }
    if (failed != null) {
      return new Outcome(ActionVerdict.REJECTED, failed.reason(), failed, evaluation, evidence, subjects);
    }
    return new Outcome(ActionVerdict.VERIFIED, first.reason(), first, evaluation, evidence, subjects);
  }

  /** An unsigned build: the record against the policy (passed or rejected), or just unsigned. */
  public static Outcome unsigned(Evidence recordEvidence, Policy policy, Clock clock) {
    if (policy == null) {
      return new Outcome(ActionVerdict.UNSIGNED, "The build was traced and recorded but not signed: nothing downstream can verify it"
          + " (signing: key or keyless signs it).", null, null, recordEvidence, List.of());
    }
    Evaluation e = new PolicyEvaluator(clock).evaluate(policy, recordEvidence);
    return new Outcome(e.passed() ? ActionVerdict.PASSED : ActionVerdict.REJECTED,
        e.passed() ? "the record passed the policy (unsigned)" : e.violations().size() + " policy violation" + (e.violations().size() == 1 ? "" : "s"),
        null, e, recordEvidence, List.of());
  }

  /** The failed checks of a verification, "name: reason" each. */
  public static List<String> failedChecks(Verdict v) {
    List<String> out = new ArrayList<>();
    if (v != null) {
      for (Check c : v.checks()) {
        if (c.failed()) {
          out.add(c.name() + ": " + c.reason());
        }
      }
    }
    return out;
  }

  private static VerificationStep signatureStep(ExpectedSigner signer) throws SigstoreInputException {
    if (signer.key() != null) {
      return new KeySignatureStep(signer.key());
    }
    return new KeylessSignatureStep(KeylessBundleVerifier.create(TrustRoots.load(signer.trustedRoot())),
        CertificateIdentity.exact(signer.identity(), signer.issuer()));
  }

  private static Evidence.SignerIdentity signerIdentity(ExpectedSigner signer, Verdict v) {
    if (signer.key() != null) {
      return new Evidence.SignerIdentity(KeyFingerprints.of(signer.key()), null, null);
    }
    return new Evidence.SignerIdentity(null, signer.identity(), signer.issuer());
  }

  private static List<Subject> subjects(JsonNode statement) {
    List<Subject> out = new ArrayList<>();
    for (JsonNode s : statement.path("subject")) {
      out.add(new Subject(s.path("name").asText(""), s.path("digest").path("sha256").asText("")));
    }
    return out;
  }
}
