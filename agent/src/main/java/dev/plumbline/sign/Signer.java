package dev.plumbline.sign;

/**
 * Signs the DSSE pre-authentication encoding of an attestation.
 *
 * <p>The flow, as {@code attest.Attestor} drives it: {@link #sign} gets the PAE bytes and returns
 * the raw signature, the key id hint for the envelope and the verification material known at
 * signing time (a key hint, or a Fulcio certificate). Then, with the finished envelope in hand,
 * {@link #complete} may add what needs the signed envelope itself, such as a Rekor entry and
 * timestamps; a key signer adds nothing.
 */
public interface Signer {
  /** Signs {@code pae} (the bytes DSSE signs: payload type and payload, length-prefixed). */
  Signed sign(byte[] pae) throws SigningException;

  /** After signing: the material to write in the bundle, given the envelope as it will be written. */
  default VerificationMaterial complete(SignedEnvelope envelope, Signed signed) throws SigningException {
    return signed.material();
  }

  /** A raw signature (DER ECDSA for our keys), the envelope's keyid hint, and the material so far. */
  record Signed(byte[] signature, String keyid, VerificationMaterial material) {}

  /** The envelope as signed: what a transparency log entry for it is made of. */
  record SignedEnvelope(String payloadType, byte[] payload, byte[] signature) {}
}
