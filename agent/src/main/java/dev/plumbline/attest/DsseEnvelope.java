package dev.plumbline.attest;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.Base64;
import java.util.List;

/** A DSSE envelope as JSON carries it: payload and signatures in standard base64. */
public record DsseEnvelope(String payload, String payloadType, List<Signature> signatures) {

  /**
   * One signature over the PAE; {@code keyid} is an unauthenticated hint, never trusted. Written
   * as the signer gave it, "" included (a keyless signer logs the envelope with "" in Rekor, and
   * the bundle must carry the envelope that was logged); omitted only when null.
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Signature(String sig, String keyid) {}

  public static DsseEnvelope of(String payloadType, byte[] payload, byte[] signature, String keyid) {
    Base64.Encoder b64 = Base64.getEncoder();
    return new DsseEnvelope(
        b64.encodeToString(payload), payloadType, List.of(new Signature(b64.encodeToString(signature), keyid)));
  }

  @JsonIgnore
  public byte[] payloadBytes() {
    return Base64.getDecoder().decode(payload);
  }
}
