package dev.plumbline.verify;

import com.fasterxml.jackson.databind.JsonNode;
import dev.plumbline.attest.Dsse;
import dev.plumbline.linux.NativeEcdsa;
import dev.plumbline.sign.Keys;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.security.GeneralSecurityException;
import java.security.PublicKey;
import java.security.Signature;
import java.security.SignatureException;
import java.util.Base64;
import java.util.HexFormat;

/**
 * The signature verifies with the given ECDSA P-256 public key: over the DSSE PAE of the
 * envelope, or, for a message-signature bundle, over the artifact itself. A DSSE envelope must
 * carry exactly one signature, as Sigstore bundles do: none is unsigned, and extra ones are
 * refused rather than ignored, so what was verified is all there is.
 */
public final class KeySignatureStep implements VerificationStep {
  private final PublicKey key;
  private final String fingerprint;
  /** The same key in libcrypto, for callers that verify many bundles; null: the JDK verifies. */
  private final NativeEcdsa.PublicKey nativeKey;

  public KeySignatureStep(PublicKey key) {
    this(key, null);
  }

  private KeySignatureStep(PublicKey key, NativeEcdsa.PublicKey nativeKey) {
    this.key = key;
    this.fingerprint = Keys.fingerprint(key);
    this.nativeKey = nativeKey;
  }

  /**
   * For verifying thousands of bundles ({@code plumbline query}): DSSE signatures are checked by
   * libcrypto when the system has it (same DER-only rule, about 30 times less CPU than the JDK's
   * P-256 code), otherwise by the JDK. The native key lives as long as the process.
   */
  public static KeySignatureStep forMany(PublicKey key) {
    if (!NativeEcdsa.available() || !"EC".equals(key.getAlgorithm())) {
      return new KeySignatureStep(key);
    }
    try {
      return new KeySignatureStep(key, new NativeEcdsa.PublicKey(key.getEncoded()));
    } catch (IllegalArgumentException | UnsatisfiedLinkError e) {
      return new KeySignatureStep(key);
    }
  }

  @Override
  public void apply(VerificationContext ctx) {
    if (ctx.content() == VerificationContext.Content.DSSE) {
      dsse(ctx);
    } else if (ctx.content() == VerificationContext.Content.MESSAGE_SIGNATURE) {
      message(ctx);
    } else {
      ctx.add(Check.fail("signature", "nothing signed in this bundle"));
    }
  }

  private void dsse(VerificationContext ctx) {
    JsonNode env = ctx.envelope();
    JsonNode sigs = env.get("signatures");
    if (sigs.isEmpty()) {
      ctx.add(Check.fail("signature", "the envelope has no signature"));
      return;
    }
    if (sigs.size() > 1) {
      ctx.add(Check.fail("signature", "the envelope has " + sigs.size() + " signatures; a Sigstore bundle carries exactly one"));
      return;
    }
    JsonNode sig = sigs.get(0).path("sig");
    if (!sig.isTextual() || sig.asText().isEmpty()) {
      ctx.add(Check.fail("signature", "the envelope's signature is empty"));
      return;
    }
    byte[] signature;
    try {
      signature = Base64.getDecoder().decode(sig.asText());
    } catch (IllegalArgumentException e) {
      ctx.add(Check.fail("signature", "the envelope's signature is not valid base64"));
      return;
    }
    byte[] payload = ctx.envelopePayload();
    String payloadType = env.get("payloadType").asText();
    if (verify("SHA256withECDSA", Dsse.pae(payloadType, payload), signature)) {
      ctx.signatureVerified(payload, VerifiedSigner.key(fingerprint));
      ctx.add(Check.pass("signature", "DSSE signature verifies with key " + fingerprint));
    } else {
      ctx.add(Check.fail("signature", "the DSSE signature does not verify with key " + fingerprint));
    }
  }

  private void message(VerificationContext ctx) {
    JsonNode ms = ctx.messageSignature();
    byte[] signature;
    try {
      signature = Base64.getDecoder().decode(ms.get("signature").asText());
    } catch (IllegalArgumentException e) {
      ctx.add(Check.fail("signature", "the message signature is not valid base64"));
      return;
    }
    Artifact artifact = ctx.artifact();
    JsonNode digest = ms.path("messageDigest");
    if (digest.isObject()) {
      String alg = digest.path("algorithm").asText("");
      if (!alg.equals("SHA2_256")) {
        ctx.add(Check.fail("signature", "unsupported message digest algorithm '" + alg + "'"));
        return;
      }
      String hex;
      try {
        hex = HexFormat.of().formatHex(Base64.getDecoder().decode(digest.path("digest").asText("")));
      } catch (IllegalArgumentException e) {
        ctx.add(Check.fail("signature", "the message digest is not valid base64"));
        return;
      }
      if (!hex.equals(artifact.sha256())) {
        ctx.add(Check.fail("subject", "the bundle signs sha256:" + hex + ", not the artifact " + artifact.display()));
        return;
      }
    }
    boolean ok;
    if (artifact.file() != null) {
      ok = verifyFile(signature, artifact);
    } else {
      // ECDSA signs the message's hash: with only the digest, verify over the digest itself.
      ok = verify("NONEwithECDSA", HexFormat.of().parseHex(artifact.sha256()), signature);
    }
    if (ok) {
      ctx.signatureVerified(null, VerifiedSigner.key(fingerprint));
      ctx.add(Check.pass("signature", "message signature over the artifact verifies with key " + fingerprint));
      ctx.add(Check.pass("subject", "the signed message is the artifact " + artifact.display()));
    } else {
      ctx.add(Check.fail("signature", "the message signature does not verify with key " + fingerprint + " over " + artifact.display()));
    }
  }

  private boolean verifyFile(byte[] signature, Artifact artifact) {
    try (InputStream in = Files.newInputStream(artifact.file())) {
      Signature s = Signature.getInstance("SHA256withECDSA");
      s.initVerify(key);
      byte[] buf = new byte[65536];
      for (int n; (n = in.read(buf)) > 0; ) {
        s.update(buf, 0, n);
      }
      return s.verify(signature);
    } catch (SignatureException e) {
      return false;
    } catch (IOException | GeneralSecurityException e) {
      return false;
    }
  }

  private boolean verify(String algorithm, byte[] data, byte[] signature) {
    if (nativeKey != null && algorithm.equals("SHA256withECDSA")) {
      return nativeKey.verifySha256(data, signature);
    }
    try {
      Signature s = Signature.getInstance(algorithm);
      s.initVerify(key);
      s.update(data);
      return s.verify(signature);
    } catch (SignatureException e) {
      // a malformed DER signature is as bad as a wrong one
      return false;
    } catch (GeneralSecurityException e) {
      return false;
    }
  }
}
