package dev.plumbline.attest;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.plumbline.sign.VerificationMaterial;

/**
 * A Sigstore bundle v0.3 holding a DSSE envelope: the file {@code plumbline run} writes and
 * {@code plumbline verify} (and cosign, sigstore-python, gh attestation) read.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Bundle(String mediaType, VerificationMaterial verificationMaterial, DsseEnvelope dsseEnvelope) {
  public static final String MEDIA_TYPE = "application/vnd.dev.sigstore.bundle.v0.3+json";

  public static Bundle of(VerificationMaterial material, DsseEnvelope envelope) {
    return new Bundle(MEDIA_TYPE, material, envelope);
  }
}
