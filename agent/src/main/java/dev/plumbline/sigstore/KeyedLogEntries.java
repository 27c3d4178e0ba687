package dev.plumbline.sigstore;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sigstore.rekor.client.RekorEntry;
import dev.sigstore.rekor.client.RekorParseException;
import dev.sigstore.rekor.client.RekorVerificationException;
import dev.sigstore.rekor.client.RekorVerifier;
import dev.sigstore.trustroot.SigstoreTrustedRoot;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.spec.X509EncodedKeySpec;
import java.time.Clock;
import java.time.Instant;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;

/**
 * The transparency-log half of verifying a key-signed bundle (the signature itself is the key
 * verifier's): every entry must be in a trusted log (SET, inclusion proof, checkpoint), not logged
 * in the future, and record exactly this signature by this key over this artifact or envelope.
 * sigstore-java 2.0.0 refuses to parse bundles with a public key, so entries are read one by one.
 */
public final class KeyedLogEntries {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final SigstoreTrustedRoot trustedRoot;
  private final RekorVerifier rekorVerifier;
  private final Clock clock;

  public KeyedLogEntries(SigstoreTrustedRoot trustedRoot, Clock clock) {
    this.trustedRoot = trustedRoot;
    this.rekorVerifier = RekorVerifier.newRekorVerifier(trustedRoot);
    this.clock = clock;
  }

  /** Verifies the bundle's log entries; returns a one-line description of what was established. */
  public String verify(JsonNode bundle, PublicKey key, ArtifactDigest artifact) throws SigstoreVerificationException {
    JsonNode entries = bundle.path("verificationMaterial").path("tlogEntries");
    if (!entries.isArray() || entries.isEmpty()) {
      throw fail("bundle has no transparency log entry");
    }
    StringBuilder indexes = new StringBuilder();
    for (JsonNode e : entries) {
      RekorEntry entry;
      try {
        entry = RekorEntry.fromTLogEntryJson(e.toString());
      } catch (RekorParseException | RuntimeException ex) {
        throw fail("log entry is malformed: " + TrustRoots.describe(ex));
      }
      if (entry.getVerification().getInclusionProof() == null) {
        throw fail("log entry " + entry.getLogIndex() + " has no inclusion proof");
      }
      try {
        rekorVerifier.verifyEntry(entry);
      } catch (RekorVerificationException ex) {
        if (String.valueOf(ex.getMessage()).startsWith("No matching checkpoint signature found")) {
          Checkpoints.verify(entry, trustedRoot.getTLogs());
        } else {
          throw fail(TrustRoots.describe(ex));
        }
      } catch (RuntimeException ex) {
        throw fail(TrustRoots.describe(ex));
      }
      if (entry.getIntegratedTime() > 0
          && Instant.ofEpochSecond(entry.getIntegratedTime()).isAfter(clock.instant().plus(KeylessBundleVerifier.CLOCK_SKEW))) {
        throw fail("log integrated time " + Instant.ofEpochSecond(entry.getIntegratedTime()) + " is in the future");
      }
      matches(entry, bundle, key, artifact);
      indexes.append(indexes.length() == 0 ? "" : ", ").append(entry.getLogIndex());
    }
    return "entry " + indexes + " records this signature by this key; inclusion proof and checkpoint verified";
  }

  private static void matches(RekorEntry entry, JsonNode bundle, PublicKey key, ArtifactDigest artifact)
      throws SigstoreVerificationException {
    JsonNode body = DsseLogEntries.body(entry);
    if (body == null) {
      throw fail("log entry body is not JSON");
    }
    String kind = body.path("kind").asText() + ":" + body.path("apiVersion").asText();
    try {
      if (kind.equals("hashedrekord:0.0.1")) {
        JsonNode spec = body.path("spec");
        if (!bundle.has("messageSignature")) {
          throw mismatch("a hashedrekord entry for a bundle without a message signature");
        }
        if (!"sha256".equals(spec.path("data").path("hash").path("algorithm").asText())
            || !artifact.hex().equalsIgnoreCase(spec.path("data").path("hash").path("value").asText())) {
          throw mismatch("the entry is for another artifact");
        }
        byte[] sig = Base64.getDecoder().decode(bundle.path("messageSignature").path("signature").asText());
        if (!Arrays.equals(sig, Base64.getDecoder().decode(spec.path("signature").path("content").asText()))) {
          throw mismatch("the entry's signature is not the bundle's");
        }
        requireKey(spec.path("signature").path("publicKey").path("content").asText(), key);
      } else if (kind.equals("dsse:0.0.1")) {
        JsonNode spec = body.path("spec");
        JsonNode env = bundle.path("dsseEnvelope");
        byte[] payload = Base64.getDecoder().decode(env.path("payload").asText());
        if (!HexFormat.of().formatHex(DsseLogEntries.sha256(payload)).equalsIgnoreCase(spec.path("payloadHash").path("value").asText())) {
          throw mismatch("the entry's payload hash is not the envelope's");
        }
        JsonNode sigs = spec.path("signatures");
        if (sigs.size() != 1 || env.path("signatures").size() != 1) {
          throw mismatch("entry and envelope must each carry exactly one signature");
        }
        if (!Arrays.equals(Base64.getDecoder().decode(env.path("signatures").get(0).path("sig").asText()),
            Base64.getDecoder().decode(sigs.get(0).path("signature").asText()))) {
          throw mismatch("the entry's signature is not the envelope's");
        }
        requireKey(sigs.get(0).path("verifier").asText(), key);
      } else {
        throw fail("log entries of kind " + kind + " are not supported for key-signed bundles");
      }
    } catch (IllegalArgumentException e) {
      throw fail("log entry has malformed base64: " + e.getMessage());
    }
  }

  /** The entry's key is base64 of a PEM public key; it must be the key we verify with. */
  private static void requireKey(String b64Pem, PublicKey key) throws SigstoreVerificationException {
    String pem = new String(Base64.getDecoder().decode(b64Pem), StandardCharsets.US_ASCII);
    String der = pem.replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
    try {
      PublicKey logged = KeyFactory.getInstance(key.getAlgorithm()).generatePublic(new X509EncodedKeySpec(Base64.getDecoder().decode(der)));
      if (!Arrays.equals(logged.getEncoded(), key.getEncoded())) {
        throw mismatch("the entry names another key");
      }
    } catch (GeneralSecurityException e) {
      throw mismatch("the entry's key is not a " + key.getAlgorithm() + " public key");
    }
  }

  private static SigstoreVerificationException mismatch(String what) {
    return fail("log entry does not match the bundle: " + what);
  }

  private static SigstoreVerificationException fail(String message) {
    return new SigstoreVerificationException("transparency log", message);
  }

  static JsonNode read(String json) throws IOException {
    return JSON.readTree(json);
  }
}
