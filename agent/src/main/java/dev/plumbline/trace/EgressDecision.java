package dev.plumbline.trace;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

/**
 * What became of one attempt to reach a destination (or of one DNS question), from the gate to
 * the record and every report. The labels are the record's JSON values and never change.
 */
public enum EgressDecision {
  /** Block mode, and the allowlist allows it. */
  ALLOWED("allowed"),
  /** Audit mode: let through and recorded, whatever the allowlist says. */
  AUDITED("audited"),
  /** Refused (the call failed with an errno, the DNS question got NXDOMAIN/REFUSED). */
  BLOCKED("blocked"),
  /** Sent elsewhere: a DNS query to the system resolver went to the agent's capture resolver. */
  REDIRECTED("redirected");

  private final String label;

  EgressDecision(String label) {
    this.label = label;
  }

  /** How something the gate let through is labelled: a policy allowed it, or an audit watched it. */
  public static EgressDecision passed(boolean enforcing) {
    return enforcing ? ALLOWED : AUDITED;
  }

  @JsonValue
  public String label() {
    return label;
  }

  /** The decision a record's label names; a record with any other label is malformed. */
  @JsonCreator
  public static EgressDecision ofLabel(String label) {
    for (EgressDecision d : values()) {
      if (d.label.equals(label)) {
        return d;
      }
    }
    throw new IllegalArgumentException("unknown egress decision '" + label + "' (allowed, audited, blocked or redirected)");
  }

  @Override
  public String toString() {
    return label;
  }
}
