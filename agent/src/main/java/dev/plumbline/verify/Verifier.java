package dev.plumbline.verify;

import com.fasterxml.jackson.databind.JsonNode;
import dev.plumbline.attest.Predicate;
import java.security.PublicKey;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Runs verification steps in order and returns a {@link Verdict}. The standard order is: bundle
 * → signature (key, or the sigstore package's certificate + transparency log steps) → payload type
 * → statement → subject → predicate type → completeness → whatever is appended (policy).
 */
public final class Verifier {
  private final List<VerificationStep> steps;

  public Verifier(List<VerificationStep> steps) {
    this.steps = List.copyOf(steps);
  }

  /**
   * The standard steps around the given signature steps.
   *
   * @param signatureSteps e.g. a {@link KeySignatureStep}, or certificate, identity and tlog steps
   */
  public static Verifier standard(List<VerificationStep> signatureSteps, Options options) {
    List<VerificationStep> all = new ArrayList<>();
    all.add(new BundleStep());
    all.addAll(signatureSteps);
    all.addAll(StatementSteps.all(options.predicateTypes(), options.allowIncomplete()));
    return new Verifier(all);
  }

  public static Verifier withKey(PublicKey key, Options options) {
    return standard(List.of(new KeySignatureStep(key)), options);
  }

  /** A verifier with one more step at the end, e.g. policy evaluation. */
  public Verifier then(VerificationStep step) {
    List<VerificationStep> all = new ArrayList<>(steps);
    all.add(step);
    return new Verifier(all);
  }

  public Verdict verify(JsonNode bundle, Artifact artifact) {
    VerificationContext ctx = new VerificationContext(bundle, artifact);
    for (VerificationStep step : steps) {
      step.apply(ctx);
      if (ctx.anyFailed()) {
        break;
      }
    }
    return Verdict.of(ctx);
  }

  /**
   * {@code allowIncomplete}: accept a record marked incomplete; {@code predicateTypes}: accepted
   * predicate types, empty for any (verifying other tools' attestations, e.g. the Sigstore
   * conformance suite: then in-toto Statement v0.1 is accepted too).
   */
  public record Options(boolean allowIncomplete, Set<String> predicateTypes) {
    public static Options defaults() {
      return new Options(false, Set.of(Predicate.TYPE));
    }

    public static Options anyPredicateType() {
      return new Options(false, Set.of());
    }

    public Options allowingIncomplete(boolean allow) {
      return new Options(allow, predicateTypes);
    }
  }
}
