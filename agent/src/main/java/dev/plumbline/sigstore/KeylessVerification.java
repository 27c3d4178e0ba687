package dev.plumbline.sigstore;

import java.time.Instant;
import java.util.List;

/**
 * A verified keyless bundle: who signed, when (the times the log and timestamp authorities vouch
 * for), the checks that passed in order, and for a DSSE bundle its payload (the in-toto statement)
 * so callers can go on to check subjects and the predicate.
 *
 * @param payloadType the DSSE payload type, or null for a message-signature bundle
 * @param payload the DSSE payload bytes, or null for a message-signature bundle
 */
public record KeylessVerification(
    SignerInfo signer,
    List<Instant> signingTimes,
    List<Check> checks,
    String mediaType,
    String payloadType,
    byte[] payload) {

  public KeylessVerification {
    signingTimes = List.copyOf(signingTimes);
    checks = List.copyOf(checks);
  }

  /** One passed check: its name and what was established. */
  public record Check(String name, String detail) {}
}
