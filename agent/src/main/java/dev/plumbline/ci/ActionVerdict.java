package dev.plumbline.ci;

/** The action's {@code verdict} output: what a downstream {@code plumbline verify} would say, checked right away. */
public enum ActionVerdict {
  /** The bundle verified for every subject (signature, signer, subjects, completeness) and the policy passed. */
  VERIFIED("verified"),
  /** Not signed, but the record passed the policy. */
  PASSED("passed"),
  /** A check or a policy rule failed. */
  REJECTED("rejected"),
  /** The check could not be done (e.g. the bundle was not written). */
  ERROR("error"),
  /** Not signed and no policy. */
  UNSIGNED("unsigned"),
  /** The build was not traced to the end: no record. */
  NO_RECORD("no-record");

  private final String output;

  ActionVerdict(String output) {
    this.output = output;
  }

  public String output() {
    return output;
  }

  /** Whether the step fails because of the verdict (the build's own failure aside). */
  public boolean failsStep() {
    return this == REJECTED || this == ERROR || this == NO_RECORD;
  }
}
