package dev.plumbline.sigstore;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sigstore.rekor.client.HashedRekordRequest;
import dev.sigstore.trustroot.SigstoreTrustedRoot;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Clock;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import okhttp3.OkHttpClient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keyless signing: an ephemeral P-256 key, a Fulcio certificate binding it to the OIDC identity,
 * the signature, a Rekor v1 entry ({@code dsse} for envelopes, {@code hashedrekord} for artifacts),
 * and a Sigstore bundle v0.3 with the certificate and the entry's inclusion proof, checkpoint and
 * signed entry timestamp. The key lives only in memory for the duration of one call.
 *
 * <p>Rekor v1 rather than sigstore-java's {@code KeylessSigner.attest}, which only logs DSSE to a
 * Rekor v2 log and then needs an RFC 3161 timestamp authority: a Rekor v1 entry carries a signed
 * integrated time, so one service fewer must be up, and the public-good Rekor v1 accepts
 * {@code dsse} entries. Before the bundle is returned it is verified like any other bundle.
 */
public final class KeylessSigner {
  private static final Logger log = LoggerFactory.getLogger(KeylessSigner.class);
  static final String BUNDLE_V03 = "application/vnd.dev.sigstore.bundle.v0.3+json";
  private static final ObjectMapper JSON = new ObjectMapper().configure(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS, true);

  private final SigningConfig services;
  private final KeylessBundleVerifier verifier;
  private final FulcioClient fulcio;
  private final RekorClient rekor;

  private KeylessSigner(SigningConfig services, KeylessBundleVerifier verifier, OkHttpClient http) {
    this.services = services;
    this.verifier = verifier;
    this.fulcio = new FulcioClient(http);
    this.rekor = new RekorClient(http);
  }

  public static KeylessSigner create(SigningConfig services, SigstoreTrustedRoot trustedRoot, OkHttpClient http, Clock clock)
      throws SigstoreInputException {
    return new KeylessSigner(services, KeylessBundleVerifier.create(trustedRoot, clock), http);
  }

  /** A signed bundle (JSON, v0.3, also as a tree), and who it names as signer. */
  public record SignedBundle(String json, ObjectNode tree, SignerInfo signer, long logIndex) {}

  /** Signs a DSSE envelope over {@code payload}; for in-toto statements the first subject is self-checked. */
  public SignedBundle signDsse(IdentityToken token, String payloadType, byte[] payload) throws SigstoreException {
    Session s = open(token);
    byte[] sig = s.sign(DsseLogEntries.pae(payloadType, payload));
    return logDsse(s, payloadType, payload, sig);
  }

  /**
   * Logs a DSSE envelope signed in {@code session} and returns the verified bundle. Split from
   * {@link #signDsse} for signers that are handed the PAE and build the envelope themselves.
   */
  public SignedBundle logDsse(Session session, String payloadType, byte[] payload, byte[] sig) throws SigstoreException {
    ObjectNode envelope = JSON.createObjectNode();
    envelope.put("payload", Base64.getEncoder().encodeToString(payload));
    envelope.put("payloadType", payloadType);
    envelope.putArray("signatures").addObject().put("keyid", "").put("sig", Base64.getEncoder().encodeToString(sig));

    ObjectNode proposed = JSON.createObjectNode();
    proposed.put("apiVersion", "0.0.1").put("kind", "dsse");
    ObjectNode content = proposed.putObject("spec").putObject("proposedContent");
    content.put("envelope", envelope.toString());
    content.putArray("verifiers").add(Base64.getEncoder().encodeToString(Pem.certificate(session.leaf()).getBytes(StandardCharsets.US_ASCII)));
    RekorClient.LoggedEntry entry = rekor.create(services.rekor(), proposed.toString());

    ObjectNode bundle = bundle(session.leaf(), entry, "dsse");
    bundle.set("dsseEnvelope", envelope);
    return selfCheck(bundle, firstSubject(payloadType, payload), entry);
  }

  /** Signs an artifact's sha256 as a message signature (Rekor {@code hashedrekord}). */
  public SignedBundle signArtifact(IdentityToken token, ArtifactDigest artifact) throws SigstoreException {
    Session s = open(token);
    byte[] sig = s.signDigest(artifact.sha256());
    String proposed;
    try {
      proposed = HashedRekordRequest.newHashedRekordRequest(
              artifact.sha256(), Pem.certificate(s.leaf()).getBytes(StandardCharsets.US_ASCII), sig)
          .toJsonPayload();
    } catch (RuntimeException e) {
      throw new SigstoreException("could not build the hashedrekord entry: " + e.getMessage(), e);
    }
    RekorClient.LoggedEntry entry = rekor.create(services.rekor(), proposed);
    ObjectNode bundle = bundle(s.leaf(), entry, "hashedrekord");
    ObjectNode ms = bundle.putObject("messageSignature");
    ms.putObject("messageDigest").put("algorithm", "SHA2_256").put("digest", Base64.getEncoder().encodeToString(artifact.sha256()));
    ms.put("signature", Base64.getEncoder().encodeToString(sig));
    return selfCheck(bundle, artifact, entry);
  }

  private SignedBundle selfCheck(ObjectNode bundle, ArtifactDigest artifact, RekorClient.LoggedEntry entry) throws SigstoreException {
    String json;
    try {
      json = JSON.writerWithDefaultPrettyPrinter().writeValueAsString(bundle) + "\n";
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    var parsed = Bundles.parse(json, "just signed");
    X509Certificate leaf = dev.sigstore.encryption.certificates.Certificates.getLeaf(parsed.getCertPath());
    SignerInfo signer = SignerInfo.of(leaf);
    try {
      verifier.verify(parsed, artifact, CertificateIdentity.exact(signer.identity(), signer.issuer()));
    } catch (SigstoreVerificationException e) {
      throw new SigstoreException("the bundle just signed does not verify (" + e.getMessage() + ")", e);
    }
    log.debug("logged entry {} at index {}", entry.uuid(), entry.logIndex());
    return new SignedBundle(json, bundle, signer, entry.logIndex());
  }

  private static ArtifactDigest firstSubject(String payloadType, byte[] payload) throws SigstoreException {
    try {
      JsonNode statement = JSON.readTree(payload);
      for (JsonNode s : statement.path("subject")) {
        String hex = s.path("digest").path("sha256").asText("");
        if (hex.matches("[0-9a-fA-F]{64}")) {
          return new ArtifactDigest(HexFormat.of().parseHex(hex.toLowerCase()), "subject " + s.path("name").asText());
        }
      }
    } catch (IOException e) {
      throw new SigstoreException("the " + payloadType + " payload is not JSON", e);
    }
    throw new SigstoreException("the statement has no subject with a sha256 digest");
  }

  private ObjectNode bundle(X509Certificate leaf, RekorClient.LoggedEntry e, String kind) throws SigstoreException {
    HexFormat hex = HexFormat.of();
    Base64.Encoder b64 = Base64.getEncoder();
    ObjectNode bundle = JSON.createObjectNode();
    bundle.put("mediaType", BUNDLE_V03);
    ObjectNode vm = bundle.putObject("verificationMaterial");
    try {
      vm.putObject("certificate").put("rawBytes", b64.encodeToString(leaf.getEncoded()));
    } catch (CertificateEncodingException ex) {
      throw new IllegalStateException(ex);
    }
    ArrayNode entries = vm.putArray("tlogEntries");
    ObjectNode t = entries.addObject();
    t.put("logIndex", Long.toString(e.logIndex()));
    try {
      t.putObject("logId").put("keyId", b64.encodeToString(hex.parseHex(e.logIdHex())));
      t.putObject("kindVersion").put("kind", kind).put("version", "0.0.1");
      t.put("integratedTime", Long.toString(e.integratedTime()));
      t.putObject("inclusionPromise").put("signedEntryTimestamp", e.signedEntryTimestamp());
      ObjectNode proof = t.putObject("inclusionProof");
      proof.put("logIndex", Long.toString(e.proofLogIndex()));
      proof.put("rootHash", b64.encodeToString(hex.parseHex(e.rootHashHex())));
      proof.put("treeSize", Long.toString(e.treeSize()));
      ArrayNode hashes = proof.putArray("hashes");
      for (String h : e.hashesHex()) {
        hashes.add(b64.encodeToString(hex.parseHex(h)));
      }
      proof.putObject("checkpoint").put("envelope", e.checkpoint());
    } catch (IllegalArgumentException ex) {
      throw new SigstoreException("Rekor returned a malformed hex field: " + ex.getMessage(), ex);
    }
    t.put("canonicalizedBody", e.body());
    vm.putObject("timestampVerificationData").putArray("rfc3161Timestamps");
    return bundle;
  }

  /** An ephemeral key and its Fulcio certificate; the private key never leaves memory. */
  public record Session(KeyPair keys, X509Certificate leaf) {
    @Override
    public String toString() {
      return "Session[" + (leaf == null ? "no certificate" : leaf.getSubjectX500Principal()) + "]";
    }

    public byte[] sign(byte[] data) throws SigstoreException {
      try {
        Signature s = Signature.getInstance("SHA256withECDSA");
        s.initSign(keys.getPrivate());
        s.update(data);
        return s.sign();
      } catch (GeneralSecurityException e) {
        throw new SigstoreException("signing failed: " + e.getMessage(), e);
      }
    }

    byte[] signDigest(byte[] sha256) throws SigstoreException {
      try {
        Signature s = Signature.getInstance("NONEwithECDSA");
        s.initSign(keys.getPrivate());
        s.update(sha256);
        return s.sign();
      } catch (GeneralSecurityException e) {
        throw new SigstoreException("signing failed: " + e.getMessage(), e);
      }
    }
  }

  /** Makes an ephemeral P-256 key and has Fulcio certify it for the token's identity. */
  public Session open(IdentityToken token) throws SigstoreException {
    KeyPair keys;
    try {
      KeyPairGenerator gen = KeyPairGenerator.getInstance("EC");
      gen.initialize(new ECGenParameterSpec("secp256r1"));
      keys = gen.generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("the JDK cannot make P-256 keys", e);
    }
    Session unsigned = new Session(keys, null);
    byte[] proof = unsigned.sign(token.proofSubject().getBytes(StandardCharsets.UTF_8));
    List<X509Certificate> chain = fulcio.signingCert(services.fulcio(), token, keys.getPublic(), proof);
    return new Session(keys, chain.get(0));
  }
}
