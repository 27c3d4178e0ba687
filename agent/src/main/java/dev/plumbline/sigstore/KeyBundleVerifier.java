package dev.plumbline.sigstore;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.X509EncodedKeySpec;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import dev.sigstore.trustroot.SigstoreTrustedRoot;

/**
 * Key mode of the conformance client: a bundle signed with a managed ECDSA key (verification
 * material {@code publicKey}), checked with that key and its transparency log entries against a
 * trusted root. {@code plumbline verify --key} is the attest area's; this serves the conformance
 * protocol, where a key-signed bundle must also be in a trusted log.
 */
public final class KeyBundleVerifier {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final KeyedLogEntries logEntries;

  public KeyBundleVerifier(SigstoreTrustedRoot trustedRoot, Clock clock) {
    this.logEntries = new KeyedLogEntries(trustedRoot, clock);
  }

  /** Reads an ECDSA public key in PEM (SubjectPublicKeyInfo). */
  public static PublicKey readKey(Path pem) throws SigstoreInputException {
    String text;
    try {
      text = Files.readString(pem);
    } catch (NoSuchFileException e) {
      throw new SigstoreInputException("key " + pem + " does not exist", e);
    } catch (IOException e) {
      throw new SigstoreInputException("key " + pem + " is unreadable: " + e.getMessage(), e);
    }
    if (!text.contains("-----BEGIN PUBLIC KEY-----")) {
      throw new SigstoreInputException("key " + pem + " is not a PEM public key (BEGIN PUBLIC KEY)");
    }
    try {
      String b64 = text.replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
      return KeyFactory.getInstance("EC").generatePublic(new X509EncodedKeySpec(Base64.getDecoder().decode(b64)));
    } catch (GeneralSecurityException | IllegalArgumentException e) {
      throw new SigstoreInputException("key " + pem + " is not an ECDSA public key", e);
    }
  }

  public static JsonNode readBundle(Path file) throws SigstoreInputException {
    String text = Bundles.readText(file);
    try {
      JsonNode json = JSON.readTree(text);
      if (json == null || !json.isObject()) {
        throw new SigstoreInputException("bundle " + file + " is not a JSON object");
      }
      return json;
    } catch (IOException e) {
      throw new SigstoreInputException("bundle " + file + " is not JSON: " + SigstoreException.oneLine(e.getMessage()), e);
    }
  }

  /** Returns the passed checks as one-liners; throws on the first failed one. */
  public List<String> verify(JsonNode bundle, PublicKey key, ArtifactDigest artifact) throws SigstoreVerificationException {
    JsonNode vm = bundle.path("verificationMaterial");
    if (!vm.has("publicKey")) {
      throw new SigstoreVerificationException("signature", "bundle carries a certificate, not a key hint: verify it with --certificate-identity");
    }
    List<String> passed = new ArrayList<>();
    try {
      if (bundle.has("messageSignature")) {
        JsonNode ms = bundle.get("messageSignature");
        JsonNode md = ms.path("messageDigest");
        if (md.isObject()) {
          if (!"SHA2_256".equals(md.path("algorithm").asText())) {
            throw new SigstoreVerificationException("signature", "message digest algorithm " + md.path("algorithm").asText() + " is not SHA2_256");
          }
          if (!HexFormat.of().formatHex(Base64.getDecoder().decode(md.path("digest").asText())).equals(artifact.hex())) {
            throw new SigstoreVerificationException("signature", "the bundle signs another artifact than " + artifact.source());
          }
        }
        // ECDSA over SHA-256(file) is ECDSA over the digest with no further hashing
        if (!verify("NONEwithECDSA", key, artifact.sha256(), Base64.getDecoder().decode(ms.path("signature").asText()))) {
          throw new SigstoreVerificationException("signature", "message signature does not verify with the key over " + artifact.source());
        }
        passed.add("message signature over " + artifact.source() + " verifies with the key");
      } else if (bundle.has("dsseEnvelope")) {
        JsonNode env = bundle.get("dsseEnvelope");
        if (env.path("signatures").size() != 1) {
          throw new SigstoreVerificationException("signature", "DSSE envelope must have exactly 1 signature");
        }
        byte[] payload = Base64.getDecoder().decode(env.path("payload").asText());
        String type = env.path("payloadType").asText();
        if (!verify("SHA256withECDSA", key, DsseLogEntries.pae(type, payload), Base64.getDecoder().decode(env.path("signatures").get(0).path("sig").asText()))) {
          throw new SigstoreVerificationException("signature", "DSSE signature does not verify with the key");
        }
        boolean subject = false;
        for (JsonNode s : JSON.readTree(payload).path("subject")) {
          subject |= s.path("digest").path("sha256").asText("").equalsIgnoreCase(artifact.hex());
        }
        if (!subject) {
          throw new SigstoreVerificationException("signature", "artifact sha256 " + artifact.hex() + " is not a subject of the statement");
        }
        passed.add("DSSE envelope verifies with the key; the artifact is a subject");
      } else {
        throw new SigstoreVerificationException("signature", "bundle has neither a message signature nor a DSSE envelope");
      }
    } catch (IllegalArgumentException | IOException e) {
      throw new SigstoreVerificationException("signature", "malformed signature content: " + SigstoreException.oneLine(e.getMessage()), e);
    }
    passed.add(logEntries.verify(bundle, key, artifact));
    return passed;
  }

  private static boolean verify(String alg, PublicKey key, byte[] data, byte[] sig) {
    try {
      Signature s = Signature.getInstance(alg);
      s.initVerify(key);
      s.update(data);
      return s.verify(sig);
    } catch (GeneralSecurityException e) {
      return false;
    }
  }
}
