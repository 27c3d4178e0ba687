package dev.plumbline.sigstore;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sigstore.bundle.Bundle;
import dev.sigstore.encryption.signers.Verifiers;
import dev.sigstore.rekor.client.RekorEntry;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.cert.CertificateEncodingException;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;

/**
 * DSSE bundles whose log entry sigstore-java 2.0.0 does not match against the envelope: the legacy
 * Rekor {@code intoto:0.0.2} kind and Rekor v2's hashedrekord-over-DSSE ({@code hashedrekord:0.0.2}
 * storing sha256(PAE)). Checks the envelope (payload type, subject, signature over the PAE with
 * byte lengths) and that the entry records exactly this envelope, signature and certificate.
 */
final class DsseLogEntries {
  static final String IN_TOTO = "application/vnd.in-toto+json";
  private static final ObjectMapper JSON = new ObjectMapper();

  private DsseLogEntries() {}

  /** The entry's kind:version when this class handles it for a DSSE bundle, else null. */
  static String handledKind(Bundle bundle) {
    if (bundle.getDsseEnvelope().isEmpty() || bundle.getEntries().isEmpty()) {
      return null;
    }
    JsonNode body = body(bundle.getEntries().get(0));
    if (body == null) {
      return null;
    }
    String kv = body.path("kind").asText() + ":" + body.path("apiVersion").asText();
    if (kv.equals("dsse:0.0.1") && !isAscii(bundle.getDsseEnvelope().get().getPayload())) {
      return kv; // sigstore-java 2.0.0 builds the PAE with character counts, wrong for non-ASCII payloads
    }
    return kv.equals("intoto:0.0.2") || kv.equals("hashedrekord:0.0.2") ? kv : null;
  }

  static boolean isAscii(byte[] b) {
    for (byte x : b) {
      if (x < 0) {
        return false;
      }
    }
    return true;
  }

  static JsonNode body(RekorEntry entry) {
    try {
      return JSON.readTree(Base64.getDecoder().decode(entry.getBody()));
    } catch (IOException | IllegalArgumentException e) {
      return null;
    }
  }

  /** DSSE pre-authentication encoding, with lengths in bytes as the DSSE spec says. */
  static byte[] pae(String payloadType, byte[] payload) {
    byte[] type = payloadType.getBytes(StandardCharsets.UTF_8);
    byte[] head = ("DSSEv1 " + type.length + " " + payloadType + " " + payload.length + " ").getBytes(StandardCharsets.UTF_8);
    byte[] out = Arrays.copyOf(head, head.length + payload.length);
    System.arraycopy(payload, 0, out, head.length, payload.length);
    return out;
  }

  /** Checks the envelope against the artifact and the leaf key. */
  static void checkEnvelope(Bundle.DsseEnvelope env, ArtifactDigest artifact, X509Certificate leaf)
      throws SigstoreVerificationException {
    if (!IN_TOTO.equals(env.getPayloadType())) {
      throw new SigstoreVerificationException("signature", "DSSE payload type is '" + env.getPayloadType() + "', not " + IN_TOTO);
    }
    if (env.getSignatures().size() != 1) {
      throw new SigstoreVerificationException("signature", "DSSE envelope must have exactly 1 signature, it has " + env.getSignatures().size());
    }
    JsonNode statement;
    try {
      statement = JSON.readTree(env.getPayload());
    } catch (IOException e) {
      throw new SigstoreVerificationException("signature", "DSSE payload is not JSON", e);
    }
    boolean subject = false;
    for (JsonNode s : statement.path("subject")) {
      subject |= s.path("digest").path("sha256").asText("").equalsIgnoreCase(artifact.hex());
    }
    if (!subject) {
      throw new SigstoreVerificationException("signature", "artifact sha256 " + artifact.hex() + " is not a subject of the statement");
    }
    try {
      if (!Verifiers.newVerifier(leaf.getPublicKey()).verify(pae(env.getPayloadType(), env.getPayload()), env.getSignature())) {
        throw new SigstoreVerificationException("signature", "DSSE signature was not valid");
      }
    } catch (GeneralSecurityException e) {
      throw new SigstoreVerificationException("signature", "DSSE signature could not be checked: " + e.getMessage(), e);
    }
  }

  /** Checks that the log entry records this envelope, signature and certificate. */
  static void checkEntryMatches(String kind, RekorEntry entry, Bundle.DsseEnvelope env, X509Certificate leaf)
      throws SigstoreVerificationException {
    JsonNode body = body(entry);
    byte[] sig = env.getSignature();
    byte[] leafDer;
    try {
      leafDer = leaf.getEncoded();
    } catch (CertificateEncodingException e) {
      throw new SigstoreVerificationException("transparency log", "leaf certificate cannot be encoded", e);
    }
    try {
      if (kind.equals("dsse:0.0.1")) {
        JsonNode spec = body.path("spec");
        if (!"sha256".equals(spec.path("payloadHash").path("algorithm").asText())
            || !spec.path("payloadHash").path("value").asText().equalsIgnoreCase(HexFormat.of().formatHex(sha256(env.getPayload())))) {
          throw mismatch("the entry's payload hash is not the sha256 of the envelope's payload");
        }
        JsonNode sigs = spec.path("signatures");
        if (sigs.size() != 1) {
          throw mismatch("the entry has " + sigs.size() + " signatures, expected 1");
        }
        if (!Arrays.equals(Base64.getDecoder().decode(sigs.get(0).path("signature").asText()), sig)) {
          throw mismatch("the entry's signature is not the envelope's");
        }
        checkDsseV001Verifier(entry, leaf);
      } else if (kind.equals("hashedrekord:0.0.2")) {
        JsonNode spec = body.path("spec").path("hashedRekordV002");
        if (!"SHA2_256".equals(spec.path("data").path("algorithm").asText())) {
          throw mismatch("digest algorithm is " + spec.path("data").path("algorithm").asText());
        }
        byte[] digest = Base64.getDecoder().decode(spec.path("data").path("digest").asText());
        if (!Arrays.equals(digest, sha256(pae(env.getPayloadType(), env.getPayload())))) {
          throw mismatch("the entry's digest is not sha256(PAE) of the bundle's envelope");
        }
        if (!Arrays.equals(Base64.getDecoder().decode(spec.path("signature").path("content").asText()), sig)) {
          throw mismatch("the entry's signature is not the envelope's");
        }
        byte[] cert = Base64.getDecoder().decode(spec.path("signature").path("verifier").path("x509Certificate").path("rawBytes").asText());
        if (!Arrays.equals(cert, leafDer)) {
          throw mismatch("the entry's certificate is not the bundle's");
        }
      } else { // intoto:0.0.2: envelope fields are base64 once more inside the entry
        JsonNode content = body.path("spec").path("content");
        String payloadHash = content.path("payloadHash").path("value").asText();
        if (!"sha256".equals(content.path("payloadHash").path("algorithm").asText())
            || !payloadHash.equalsIgnoreCase(HexFormat.of().formatHex(sha256(env.getPayload())))) {
          throw mismatch("the entry's payload hash is not the sha256 of the envelope's payload");
        }
        JsonNode sigs = content.path("envelope").path("signatures");
        if (sigs.size() != 1) {
          throw mismatch("the entry has " + sigs.size() + " signatures, expected 1");
        }
        if (!sameSignature(sigs.get(0).path("sig").asText(), sig)) {
          throw mismatch("the entry's signature is not the envelope's");
        }
        byte[] pem = Base64.getDecoder().decode(sigs.get(0).path("publicKey").asText());
        X509Certificate logged = (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(new ByteArrayInputStream(pem));
        if (!Arrays.equals(logged.getEncoded(), leafDer)) {
          throw mismatch("the entry's certificate is not the bundle's");
        }
      }
    } catch (IllegalArgumentException | CertificateException e) {
      throw new SigstoreVerificationException("transparency log", "log entry body is malformed: " + TrustRoots.describe(e), e);
    }
  }

  /**
   * sigstore-java matches a {@code dsse:0.0.1} entry's payload hash and signature but not whose
   * certificate it names: the entry must name the bundle's leaf.
   */
  static void checkDsseV001Verifier(RekorEntry entry, X509Certificate leaf) throws SigstoreVerificationException {
    JsonNode body = body(entry);
    if (body == null || !"dsse".equals(body.path("kind").asText()) || !"0.0.1".equals(body.path("apiVersion").asText())) {
      return;
    }
    JsonNode sigs = body.path("spec").path("signatures");
    try {
      if (sigs.size() != 1) {
        throw mismatch("the entry has " + sigs.size() + " signatures, expected 1");
      }
      byte[] pem = Base64.getDecoder().decode(sigs.get(0).path("verifier").asText());
      X509Certificate logged = (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(new ByteArrayInputStream(pem));
      if (!Arrays.equals(logged.getEncoded(), leaf.getEncoded())) {
        throw mismatch("the entry's certificate is not the bundle's");
      }
    } catch (IllegalArgumentException | CertificateException e) {
      throw new SigstoreVerificationException("transparency log", "log entry verifier is malformed: " + TrustRoots.describe(e), e);
    }
  }

  /** Rekor has stored intoto signatures base64-encoded once or twice; either must decode to sig. */
  static boolean sameSignature(String logged, byte[] sig) {
    byte[] once = Base64.getDecoder().decode(logged);
    if (Arrays.equals(once, sig)) {
      return true;
    }
    try {
      return Arrays.equals(Base64.getDecoder().decode(new String(once, StandardCharsets.US_ASCII)), sig);
    } catch (IllegalArgumentException notBase64) {
      return false;
    }
  }

  private static SigstoreVerificationException mismatch(String what) {
    return new SigstoreVerificationException("transparency log", "log entry does not match the bundle: " + what);
  }

  static byte[] sha256(byte[] data) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(data);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }
}
