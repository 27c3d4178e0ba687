package dev.plumbline.sign;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;

/**
 * The {@code verificationMaterial} of a Sigstore bundle v0.3: how a verifier finds the key. A
 * key signer sets {@code publicKey} (a hint only: the verifier brings the key); a keyless signer
 * sets {@code certificate}, and adds {@code tlogEntries} and {@code timestampVerificationData} once
 * the envelope is logged. The JSON-shaped fields are Sigstore's protobuf JSON, passed through as is.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record VerificationMaterial(
    PublicKeyIdentifier publicKey,
    JsonNode certificate,
    JsonNode x509CertificateChain,
    List<JsonNode> tlogEntries,
    JsonNode timestampVerificationData) {

  /** {@code hint}: for our keys, standard base64 of the SHA-256 of the DER SubjectPublicKeyInfo. */
  public record PublicKeyIdentifier(String hint) {}

  public static VerificationMaterial publicKeyHint(String hint) {
    return new VerificationMaterial(new PublicKeyIdentifier(hint), null, null, List.of(), null);
  }

  public VerificationMaterial withTlogEntries(List<JsonNode> entries, JsonNode timestamps) {
    return new VerificationMaterial(publicKey, certificate, x509CertificateChain, List.copyOf(entries), timestamps);
  }
}
