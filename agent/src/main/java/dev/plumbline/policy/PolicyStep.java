package dev.plumbline.policy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.plumbline.verify.Check;
import dev.plumbline.verify.VerificationContext;
import dev.plumbline.verify.VerifiedSigner;
import dev.plumbline.verify.VerificationStep;
import java.time.Clock;
import java.util.stream.Collectors;

/**
 * The last step of {@code plumbline verify --policy}: runs only after the signature, statement,
 * subject and completeness steps passed (the verifier stops at the first failure), so the record it
 * evaluates is signed content. Adds one check per rule, named {@code policy <rule>}.
 */
public final class PolicyStep implements VerificationStep {

  private final Policy policy;
  private final String keyFingerprint;
  private final Clock clock;
  private Evaluation evaluation;

  /** {@code keyFingerprint}: the verifying key's fingerprint with --key, null for keyless. */
  public PolicyStep(Policy policy, String keyFingerprint, Clock clock) {
    this.policy = policy;
    this.keyFingerprint = keyFingerprint;
    this.clock = clock;
  }

  @Override
  public void apply(VerificationContext ctx) {
    if (ctx.record() == null) {
      ctx.add(Check.fail("policy", "the attestation has no build record to evaluate"));
      return;
    }
    JsonNode predicate = ctx.predicate();
    Evidence evidence = new Evidence(
        ctx.record(),
        EvidenceFiles.ciContext(predicate == null ? null : predicate.get("environment")),
        signer(ctx.verifiedSigner()),
        null,
        "bundle",
        true);
    evaluation = new PolicyEvaluator(clock).evaluate(policy, evidence);
    for (Evaluation.RuleResult r : evaluation.rules()) {
      if (r.passed()) {
        ctx.add(Check.pass("policy " + r.rule(), r.requirement()));
      } else {
        ctx.add(Check.fail("policy " + r.rule(), r.violations().stream()
            .map(v -> v.message() + (v.evidence() == null || v.evidence().isEmpty() ? "" : ": " + v.evidence()))
            .collect(Collectors.joining("; "))));
      }
    }
  }

  /** The evaluation, once {@link #apply} ran (null when an earlier step failed). */
  public Evaluation evaluation() {
    return evaluation;
  }

  private Evidence.SignerIdentity signer(VerifiedSigner verified) {
    if (verified == null) {
      return null;
    }
    if (keyFingerprint != null) {
      return new Evidence.SignerIdentity(keyFingerprint, null, null);
    }
    return new Evidence.SignerIdentity(null, verified.identity(), verified.issuer());
  }
}
