package dev.plumbline.verify;

import com.fasterxml.jackson.databind.JsonNode;
import dev.plumbline.record.BuildRecord;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;

/**
 * What one verification knows so far, handed from step to step. The payload of a DSSE envelope
 * becomes readable through {@link #verifiedPayload()} only after a signature step has vouched for
 * it, so no step can act on claims nobody signed.
 */
public final class VerificationContext {
  /** The two kinds of signed content a Sigstore bundle holds. */
  public enum Content {
    DSSE,
    MESSAGE_SIGNATURE
  }

  private final JsonNode bundle;
  private final Artifact artifact;
  private final List<Check> checks = new ArrayList<>();
  private Content content;
  private byte[] verifiedPayload;
  private VerifiedSigner signer;
  private JsonNode statement;
  private JsonNode predicate;
  private BuildRecord record;

  public VerificationContext(JsonNode bundle, Artifact artifact) {
    this.bundle = bundle;
    this.artifact = artifact;
  }

  public JsonNode bundle() {
    return bundle;
  }

  public Artifact artifact() {
    return artifact;
  }

  public Content content() {
    return content;
  }

  void content(Content content) {
    this.content = content;
  }

  /** {@code bundle.dsseEnvelope}, present once the bundle step accepted a DSSE bundle. */
  public JsonNode envelope() {
    return bundle.get("dsseEnvelope");
  }

  /** {@code bundle.messageSignature}, present once the bundle step accepted a message-signature bundle. */
  public JsonNode messageSignature() {
    return bundle.get("messageSignature");
  }

  /** The envelope's payload bytes as they were signed (only meaningful for DSSE bundles). */
  public byte[] envelopePayload() {
    return Base64.getDecoder().decode(envelope().get("payload").asText());
  }

  /**
   * Called by a signature step once the signature verified: DSSE payload (or null for a message
   * signature) and who signed.
   */
  public void signatureVerified(byte[] payload, VerifiedSigner signer) {
    this.verifiedPayload = payload;
    this.signer = signer;
  }

  public boolean isSignatureVerified() {
    return signer != null;
  }

  public Optional<byte[]> verifiedPayload() {
    return Optional.ofNullable(verifiedPayload);
  }

  /** Who signed, for people; null until a signature verified. */
  public String signer() {
    return signer == null ? null : signer.describe();
  }

  /** Who signed, for matching; null until a signature verified. */
  public VerifiedSigner verifiedSigner() {
    return signer;
  }

  public JsonNode statement() {
    return statement;
  }

  public void statement(JsonNode statement) {
    this.statement = statement;
  }

  public JsonNode predicate() {
    return predicate;
  }

  public void predicate(JsonNode predicate) {
    this.predicate = predicate;
  }

  /** The predicate as a BuildRecord, once the predicate step read it (for policy and report steps). */
  public BuildRecord record() {
    return record;
  }

  public void record(BuildRecord record) {
    this.record = record;
  }

  public void add(Check check) {
    checks.add(check);
  }

  public List<Check> checks() {
    return List.copyOf(checks);
  }

  public boolean anyFailed() {
    return checks.stream().anyMatch(Check::failed);
  }
}
