package dev.plumbline.policy;

import dev.plumbline.record.BuildRecord;
import java.time.Instant;

/**
 * What a policy is evaluated against: the build record, the CI context from the attestation's
 * environment section, who signed it and when. {@code ci}, {@code signer} and {@code signedAt} are
 * null when unknown (a bare record has none of them); rules that need them then fail, never pass.
 * {@code verified} says whether the signature was checked before this was built.
 */
public record Evidence(
    BuildRecord record, CiContext ci, SignerIdentity signer, Instant signedAt, String source, boolean verified) {

  /** The CI run the build belonged to (GitHub Actions names; other CIs map onto them). */
  public record CiContext(
      String provider, String repository, String ref, String sha, String workflowRef, String runnerEnvironment) {}

  /**
   * Who signed: {@code keyFingerprint} ({@code sha256:HEX} of the public key's DER
   * SubjectPublicKeyInfo) for key signing, {@code identity} + {@code issuer} for keyless.
   */
  public record SignerIdentity(String keyFingerprint, String identity, String issuer) {
    public String describe() {
      if (identity != null) {
        return identity + " (issuer " + issuer + ")";
      }
      return keyFingerprint == null ? "unknown signer" : "key " + keyFingerprint;
    }
  }

  public static Evidence ofRecord(BuildRecord record, String source) {
    return new Evidence(record, null, null, null, source, false);
  }

  /**
   * When the build happened for the age rule: the signature's trusted time when there is one,
   * otherwise the build's own finish (or start) time; null when none is known.
   */
  public Instant time() {
    if (signedAt != null) {
      return signedAt;
    }
    if (record == null || record.invocation() == null) {
      return null;
    }
    Instant t = BuildRecord.time(record.invocation().finishedAt());
    return t != null ? t : BuildRecord.time(record.invocation().startedAt());
  }
}
