package dev.plumbline.verify;

/**
 * One step of {@code plumbline verify}. A step reads the context, may record what it learned
 * (signature verified, statement, predicate) and adds one or more {@link Check}s. The verifier
 * stops at the first step that adds a failing check: later steps would reason about content an
 * earlier step could not vouch for.
 */
@FunctionalInterface
public interface VerificationStep {
  void apply(VerificationContext context);
}
