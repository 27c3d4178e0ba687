package dev.plumbline.sigstore.fake;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.math.BigInteger;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PublicKey;
import java.security.Signature;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.X509EncodedKeySpec;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Date;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import okhttp3.mockwebserver.Dispatcher;
import okhttp3.mockwebserver.MockResponse;
import okhttp3.mockwebserver.MockWebServer;
import okhttp3.mockwebserver.RecordedRequest;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.DEROctetString;
import org.bouncycastle.asn1.DERUTF8String;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * Fulcio, Rekor and a GitHub Actions token service on 127.0.0.1, speaking their real HTTP APIs
 * (Fulcio {@code /api/v2/signingCert}, Rekor {@code /api/v1/log/entries}), backed by a test CA with
 * a CT log that embeds real SCTs, and a Rekor log with an RFC 6962 Merkle tree, inclusion proofs,
 * signed checkpoints and signed entry timestamps. {@link #writeTrustedRoot} writes their keys as a
 * trusted_root.json. Tokens are ES256 JWTs from a test OIDC key; Fulcio checks their signature.
 */
public final class FakeSigstore implements Closeable {
  public static final String ISSUER = "https://token.actions.githubusercontent.com";
  private static final ObjectMapper JSON = new ObjectMapper();

  private final KeyPair caKey = ecKey();
  private final KeyPair ctKey = ecKey();
  private final KeyPair rekorKey = ecKey();
  private final KeyPair oidcKey = ecKey();
  private final X509Certificate caCert;
  private final MerkleTree tree = new MerkleTree();
  private final List<String> bodies = new CopyOnWriteArrayList<>();
  private final AtomicLong serial = new AtomicLong(1000);
  public final List<RecordedCall> calls = new CopyOnWriteArrayList<>();
  public final MockWebServer fulcio = new MockWebServer();
  public final MockWebServer rekor = new MockWebServer();
  public final MockWebServer tokenService = new MockWebServer();
  /** When set, Fulcio puts this identity in the certificate instead of the token's (a lying CA). */
  public volatile String overrideIdentity;
  /** When set, the next Rekor entry's checkpoint is signed over a different root (a lying log). */
  public volatile boolean corruptCheckpoint;

  public record RecordedCall(String server, String method, String path, String authorization) {}

  public FakeSigstore() throws IOException {
    try {
      caCert = selfSignedCa();
    } catch (GeneralSecurityException | org.bouncycastle.operator.OperatorCreationException e) {
      throw new IOException(e);
    }
    fulcio.setDispatcher(dispatcher("fulcio", this::fulcio));
    rekor.setDispatcher(dispatcher("rekor", this::rekor));
    tokenService.setDispatcher(dispatcher("token", this::token));
    InetAddress loopback = InetAddress.getByName("127.0.0.1");
    fulcio.start(loopback, 0);
    rekor.start(loopback, 0);
    tokenService.start(loopback, 0);
  }

  interface Handler {
    MockResponse handle(RecordedRequest r) throws Exception;
  }

  private Dispatcher dispatcher(String name, Handler h) {
    return new Dispatcher() {
      @Override
      public MockResponse dispatch(RecordedRequest r) {
        calls.add(new RecordedCall(name, r.getMethod(), r.getPath(), r.getHeader("Authorization")));
        try {
          return h.handle(r);
        } catch (Exception e) {
          return new MockResponse().setResponseCode(400).setBody("{\"message\":\"" + e.getMessage() + "\"}");
        }
      }
    };
  }

  public String fulcioUrl() {
    return "http://127.0.0.1:" + fulcio.getPort();
  }

  public String rekorUrl() {
    return "http://127.0.0.1:" + rekor.getPort();
  }

  /** ACTIONS_ID_TOKEN_REQUEST_URL as GitHub sets it (already carries a query). */
  public String tokenRequestUrl() {
    return "http://127.0.0.1:" + tokenService.getPort() + "/token?api-version=2.0";
  }

  public static final String TOKEN_REQUEST_BEARER = "test-request-bearer";

  // ---------------------------------------------------------------- OIDC

  /** A GitHub-Actions-like ID token for acme/app's build workflow, signed by the test OIDC key. */
  public String mintToken(String audience) {
    Map<String, Object> claims = new TreeMap<>();
    long now = Instant.now().getEpochSecond();
    claims.put("iss", ISSUER);
    claims.put("aud", audience);
    claims.put("sub", "repo:acme/app:ref:refs/heads/main");
    claims.put("repository", "acme/app");
    claims.put("ref", "refs/heads/main");
    claims.put("sha", "0123456789abcdef0123456789abcdef01234567");
    claims.put("job_workflow_ref", "acme/app/.github/workflows/build.yml@refs/heads/main");
    claims.put("event_name", "push");
    claims.put("iat", now);
    claims.put("exp", now + 600);
    return jwt(claims, oidcKey);
  }

  public static String workflowIdentity() {
    return "https://github.com/acme/app/.github/workflows/build.yml@refs/heads/main";
  }

  private static String jwt(Map<String, Object> claims, KeyPair key) {
    try {
      Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
      String head = b64.encodeToString("{\"alg\":\"ES256\",\"typ\":\"JWT\"}".getBytes(StandardCharsets.UTF_8));
      String body = b64.encodeToString(JSON.writeValueAsBytes(claims));
      Signature s = Signature.getInstance("SHA256withECDSAinP1363Format");
      s.initSign(key.getPrivate());
      s.update((head + "." + body).getBytes(StandardCharsets.US_ASCII));
      return head + "." + body + "." + b64.encodeToString(s.sign());
    } catch (GeneralSecurityException | IOException e) {
      throw new IllegalStateException(e);
    }
  }

  private JsonNode checkedClaims(String jwt) throws Exception {
    String[] p = jwt.split("\\.");
    Signature s = Signature.getInstance("SHA256withECDSAinP1363Format");
    s.initVerify(oidcKey.getPublic());
    s.update((p[0] + "." + p[1]).getBytes(StandardCharsets.US_ASCII));
    if (!s.verify(Base64.getUrlDecoder().decode(p[2]))) {
      throw new IllegalArgumentException("token signature invalid");
    }
    JsonNode claims = JSON.readTree(Base64.getUrlDecoder().decode(p[1]));
    if (!"sigstore".equals(claims.path("aud").asText())) {
      throw new IllegalArgumentException("token audience is not sigstore");
    }
    return claims;
  }

  private MockResponse token(RecordedRequest r) {
    if (!("Bearer " + TOKEN_REQUEST_BEARER).equals(r.getHeader("Authorization"))) {
      return new MockResponse().setResponseCode(401);
    }
    String audience = r.getRequestUrl().queryParameter("audience");
    return json(200, "{\"value\":\"" + mintToken(audience) + "\"}");
  }

  // ---------------------------------------------------------------- Fulcio

  private MockResponse fulcio(RecordedRequest r) throws Exception {
    if (!r.getMethod().equals("POST") || !r.getPath().equals("/api/v2/signingCert")) {
      return new MockResponse().setResponseCode(404);
    }
    JsonNode req = JSON.readTree(r.getBody().readUtf8());
    JsonNode claims = checkedClaims(req.path("credentials").path("oidcIdentityToken").asText());
    PublicKey key = publicKeyFromPem(req.path("publicKeyRequest").path("publicKey").path("content").asText());
    Signature pop = Signature.getInstance("SHA256withECDSA");
    pop.initVerify(key);
    pop.update(claims.path("sub").asText().getBytes(StandardCharsets.UTF_8));
    if (!pop.verify(Base64.getDecoder().decode(req.path("publicKeyRequest").path("proofOfPossession").asText()))) {
      return json(400, "{\"message\":\"proof of possession invalid\"}");
    }
    X509Certificate leaf = issueLeaf(key, claims);
    String chain = JSON.writeValueAsString(List.of(pem(leaf), pem(caCert)));
    return json(201, "{\"signedCertificateEmbeddedSct\":{\"chain\":{\"certificates\":" + chain + "}}}");
  }

  private X509Certificate issueLeaf(PublicKey key, JsonNode claims) throws Exception {
    String identity = overrideIdentity != null ? overrideIdentity : "https://github.com/" + claims.path("job_workflow_ref").asText();
    String repo = "https://github.com/" + claims.path("repository").asText();
    Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
    BigInteger sn = BigInteger.valueOf(serial.incrementAndGet());
    List<Object[]> ext = new ArrayList<>();
    ext.add(new Object[] {Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature)});
    ext.add(new Object[] {Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_codeSigning)});
    ext.add(new Object[] {Extension.subjectAlternativeName, true, new GeneralNames(new GeneralName(GeneralName.uniformResourceIdentifier, identity))});
    ext.add(new Object[] {oid("1.3.6.1.4.1.57264.1.8"), false, new DERUTF8String(claims.path("iss").asText())});
    ext.add(new Object[] {oid("1.3.6.1.4.1.57264.1.9"), false, new DERUTF8String(identity)});
    ext.add(new Object[] {oid("1.3.6.1.4.1.57264.1.12"), false, new DERUTF8String(repo)});
    ext.add(new Object[] {oid("1.3.6.1.4.1.57264.1.13"), false, new DERUTF8String(claims.path("sha").asText())});
    ext.add(new Object[] {oid("1.3.6.1.4.1.57264.1.14"), false, new DERUTF8String(claims.path("ref").asText())});
    ext.add(new Object[] {oid("1.3.6.1.4.1.57264.1.18"), false, new DERUTF8String(identity)});
    ext.add(new Object[] {oid("1.3.6.1.4.1.57264.1.20"), false, new DERUTF8String(claims.path("event_name").asText())});

    // the precertificate's TBS is the final TBS without the SCT extension (RFC 6962 3.2)
    X509CertificateHolder pre = build(sn, now, key, ext);
    byte[] tbs = pre.toASN1Structure().getTBSCertificate().getEncoded("DER");
    byte[] sctList = sctList(tbs, now.toEpochMilli());
    ext.add(new Object[] {oid("1.3.6.1.4.1.11129.2.4.2"), false, new DEROctetString(sctList)});
    return toX509(build(sn, now, key, ext));
  }

  private X509CertificateHolder build(BigInteger sn, Instant now, PublicKey key, List<Object[]> ext) throws Exception {
    X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(
        caCert, sn, Date.from(now), Date.from(now.plus(10, ChronoUnit.MINUTES)), new X500Name(new org.bouncycastle.asn1.x500.RDN[0]), key);
    for (Object[] e : ext) {
      b.addExtension((ASN1ObjectIdentifier) e[0], (Boolean) e[1], (org.bouncycastle.asn1.ASN1Encodable) e[2]);
    }
    return b.build(signer(caKey));
  }

  /** A TLS-encoded SignedCertificateTimestampList with one v1 SCT from the test CT log. */
  private byte[] sctList(byte[] tbs, long timestamp) throws Exception {
    byte[] logId = MerkleTree.sha256(ctKey.getPublic().getEncoded());
    byte[] issuerKeyHash = MerkleTree.sha256(caCert.getPublicKey().getEncoded());
    ByteArrayOutputStream signed = new ByteArrayOutputStream();
    signed.write(0); // sct_version v1
    signed.write(0); // signature_type certificate_timestamp
    signed.write(ByteBuffer.allocate(8).putLong(timestamp).array());
    signed.write(new byte[] {0, 1}); // entry_type precert_entry
    signed.write(issuerKeyHash);
    signed.write(new byte[] {(byte) (tbs.length >> 16), (byte) (tbs.length >> 8), (byte) tbs.length});
    signed.write(tbs);
    signed.write(new byte[] {0, 0}); // no extensions
    Signature s = Signature.getInstance("SHA256withECDSA");
    s.initSign(ctKey.getPrivate());
    s.update(signed.toByteArray());
    byte[] sig = s.sign();

    ByteArrayOutputStream sct = new ByteArrayOutputStream();
    sct.write(0);
    sct.write(logId);
    sct.write(ByteBuffer.allocate(8).putLong(timestamp).array());
    sct.write(new byte[] {0, 0});
    sct.write(4); // sha256
    sct.write(3); // ecdsa
    sct.write(new byte[] {(byte) (sig.length >> 8), (byte) sig.length});
    sct.write(sig);
    byte[] one = sct.toByteArray();
    ByteArrayOutputStream list = new ByteArrayOutputStream();
    int total = one.length + 2;
    list.write(new byte[] {(byte) (total >> 8), (byte) total, (byte) (one.length >> 8), (byte) one.length});
    list.write(one);
    return list.toByteArray();
  }

  // ---------------------------------------------------------------- Rekor

  private MockResponse rekor(RecordedRequest r) throws Exception {
    if (!r.getMethod().equals("POST") || !r.getPath().equals("/api/v1/log/entries")) {
      return new MockResponse().setResponseCode(404);
    }
    String proposedText = r.getBody().readUtf8();
    JsonNode proposed = JSON.readTree(proposedText);
    String kind = proposed.path("kind").asText();
    String body;
    if (kind.equals("hashedrekord")) {
      JsonNode spec = proposed.path("spec");
      X509Certificate cert = certFromPem(new String(Base64.getDecoder().decode(spec.path("signature").path("publicKey").path("content").asText()), StandardCharsets.US_ASCII));
      Signature s = Signature.getInstance("NONEwithECDSA");
      s.initVerify(cert.getPublicKey());
      s.update(HexFormat.of().parseHex(spec.path("data").path("hash").path("value").asText()));
      if (!s.verify(Base64.getDecoder().decode(spec.path("signature").path("content").asText()))) {
        return json(400, "{\"message\":\"signature invalid\"}");
      }
      body = proposedText; // the client sends the canonical form
    } else if (kind.equals("dsse")) {
      JsonNode content = proposed.path("spec").path("proposedContent");
      String envelopeText = content.path("envelope").asText();
      JsonNode env = JSON.readTree(envelopeText);
      String verifier = content.path("verifiers").get(0).asText();
      X509Certificate cert = certFromPem(new String(Base64.getDecoder().decode(verifier), StandardCharsets.US_ASCII));
      byte[] payload = Base64.getDecoder().decode(env.path("payload").asText());
      String type = env.path("payloadType").asText();
      byte[] sig = Base64.getDecoder().decode(env.path("signatures").get(0).path("sig").asText());
      Signature s = Signature.getInstance("SHA256withECDSA");
      s.initVerify(cert.getPublicKey());
      s.update(pae(type, payload));
      if (!s.verify(sig)) {
        return json(400, "{\"message\":\"DSSE signature invalid\"}");
      }
      HexFormat hex = HexFormat.of();
      body = "{\"apiVersion\":\"0.0.1\",\"kind\":\"dsse\",\"spec\":{"
          + "\"envelopeHash\":{\"algorithm\":\"sha256\",\"value\":\"" + hex.formatHex(MerkleTree.sha256(envelopeText.getBytes(StandardCharsets.UTF_8))) + "\"},"
          + "\"payloadHash\":{\"algorithm\":\"sha256\",\"value\":\"" + hex.formatHex(MerkleTree.sha256(payload)) + "\"},"
          + "\"signatures\":[{\"signature\":\"" + Base64.getEncoder().encodeToString(sig) + "\",\"verifier\":\"" + verifier + "\"}]}}";
    } else {
      return json(400, "{\"message\":\"unsupported kind " + kind + "\"}");
    }
    return json(201, logEntry(body.getBytes(StandardCharsets.UTF_8)));
  }

  private synchronized String logEntry(byte[] body) throws Exception {
    int index = tree.append(body);
    bodies.add(Base64.getEncoder().encodeToString(body));
    int size = tree.size();
    HexFormat hex = HexFormat.of();
    String logId = hex.formatHex(MerkleTree.sha256(rekorKey.getPublic().getEncoded()));
    long integrated = Instant.now().getEpochSecond();
    String b64Body = Base64.getEncoder().encodeToString(body);
    // the SET signs the canonical JSON of these four fields
    String signable = "{\"body\":\"" + b64Body + "\",\"integratedTime\":" + integrated + ",\"logID\":\"" + logId + "\",\"logIndex\":" + index + "}";
    String set = Base64.getEncoder().encodeToString(sign(rekorKey, signable.getBytes(StandardCharsets.UTF_8)));
    byte[] root = tree.root(size);
    byte[] signedRoot = corruptCheckpoint ? MerkleTree.sha256(root) : root;
    String header = "127.0.0.1 - 4242\n" + size + "\n" + Base64.getEncoder().encodeToString(signedRoot) + "\n";
    byte[] keyHint = java.util.Arrays.copyOf(MerkleTree.sha256(rekorKey.getPublic().getEncoded()), 4);
    byte[] sig = sign(rekorKey, header.getBytes(StandardCharsets.UTF_8));
    byte[] hintAndSig = new byte[4 + sig.length];
    System.arraycopy(keyHint, 0, hintAndSig, 0, 4);
    System.arraycopy(sig, 0, hintAndSig, 4, sig.length);
    String checkpoint = header + "\n\u2014 127.0.0.1 " + Base64.getEncoder().encodeToString(hintAndSig) + "\n";

    ObjectNode entry = JSON.createObjectNode();
    ObjectNode v = entry.putObject(UUID.randomUUID().toString().replace("-", ""));
    v.put("body", b64Body);
    v.put("integratedTime", integrated);
    v.put("logID", logId);
    v.put("logIndex", index);
    ObjectNode ver = v.putObject("verification");
    ObjectNode proof = ver.putObject("inclusionProof");
    proof.put("checkpoint", checkpoint);
    var hashes = proof.putArray("hashes");
    for (byte[] h : tree.path(index, size)) {
      hashes.add(hex.formatHex(h));
    }
    proof.put("logIndex", index);
    proof.put("rootHash", hex.formatHex(root));
    proof.put("treeSize", size);
    ver.put("signedEntryTimestamp", set);
    return entry.toString();
  }

  public int logSize() {
    return tree.size();
  }

  // ---------------------------------------------------------------- trust material

  /** A trusted_root.json naming this CA, CT log and Rekor log. */
  public Path writeTrustedRoot(Path dir) throws Exception {
    Base64.Encoder b64 = Base64.getEncoder();
    String start = "2020-01-01T00:00:00Z";
    String json = "{\"mediaType\":\"application/vnd.dev.sigstore.trustedroot+json;version=0.1\","
        + "\"tlogs\":[" + log(rekorUrl(), rekorKey, start) + "],"
        + "\"certificateAuthorities\":[{\"subject\":{\"organization\":\"plumbline-test\",\"commonName\":\"plumbline test fulcio\"},"
        + "\"uri\":\"" + fulcioUrl() + "\",\"certChain\":{\"certificates\":[{\"rawBytes\":\"" + b64.encodeToString(caCert.getEncoded()) + "\"}]},"
        + "\"validFor\":{\"start\":\"" + start + "\"}}],"
        + "\"ctlogs\":[" + log("http://127.0.0.1:1/ct", ctKey, start) + "],"
        + "\"timestampAuthorities\":[]}";
    Path p = dir.resolve("trusted_root.json");
    Files.writeString(p, json);
    return p;
  }

  private static String log(String url, KeyPair key, String start) {
    Base64.Encoder b64 = Base64.getEncoder();
    return "{\"baseUrl\":\"" + url + "\",\"hashAlgorithm\":\"SHA2_256\",\"publicKey\":{\"rawBytes\":\""
        + b64.encodeToString(key.getPublic().getEncoded()) + "\",\"keyDetails\":\"PKIX_ECDSA_P256_SHA_256\",\"validFor\":{\"start\":\"" + start + "\"}},"
        + "\"logId\":{\"keyId\":\"" + b64.encodeToString(MerkleTree.sha256(key.getPublic().getEncoded())) + "\"}}";
  }

  /** A signing_config v0.2 pointing at these servers. */
  public Path writeSigningConfig(Path dir) throws IOException {
    String json = "{\"mediaType\":\"application/vnd.dev.sigstore.signingconfig.v0.2+json\","
        + "\"caUrls\":[{\"url\":\"" + fulcioUrl() + "\",\"majorApiVersion\":1,\"validFor\":{\"start\":\"2020-01-01T00:00:00Z\"}}],"
        + "\"oidcUrls\":[],"
        + "\"rekorTlogUrls\":[{\"url\":\"" + rekorUrl() + "\",\"majorApiVersion\":1,\"validFor\":{\"start\":\"2020-01-01T00:00:00Z\"}}],"
        + "\"tsaUrls\":[],\"rekorTlogConfig\":{\"selector\":\"ANY\"},\"tsaConfig\":{\"selector\":\"ANY\"}}";
    Path p = dir.resolve("signing_config.json");
    Files.writeString(p, json);
    return p;
  }

  // ---------------------------------------------------------------- helpers

  private X509Certificate selfSignedCa() throws GeneralSecurityException, org.bouncycastle.operator.OperatorCreationException {
    try {
      Instant now = Instant.now();
      X500Name name = new X500Name("O=plumbline-test,CN=plumbline test fulcio");
      X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(
          name, BigInteger.ONE, Date.from(now.minus(1, ChronoUnit.DAYS)), Date.from(now.plus(30, ChronoUnit.DAYS)), name, caKey.getPublic());
      b.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
      b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
      return toX509(b.build(signer(caKey)));
    } catch (IOException e) {
      throw new GeneralSecurityException(e);
    }
  }

  private static ContentSigner signer(KeyPair key) throws org.bouncycastle.operator.OperatorCreationException {
    return new JcaContentSignerBuilder("SHA256withECDSA").build(key.getPrivate());
  }

  private static X509Certificate toX509(X509CertificateHolder h) throws GeneralSecurityException {
    try {
      return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(new ByteArrayInputStream(h.getEncoded()));
    } catch (IOException e) {
      throw new GeneralSecurityException(e);
    }
  }

  private static ASN1ObjectIdentifier oid(String s) {
    return new ASN1ObjectIdentifier(s);
  }

  static KeyPair ecKey() {
    try {
      KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
      g.initialize(new ECGenParameterSpec("secp256r1"));
      return g.generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  static byte[] sign(KeyPair key, byte[] data) throws GeneralSecurityException {
    Signature s = Signature.getInstance("SHA256withECDSA");
    s.initSign(key.getPrivate());
    s.update(data);
    return s.sign();
  }

  static byte[] pae(String type, byte[] payload) {
    byte[] head = ("DSSEv1 " + type.getBytes(StandardCharsets.UTF_8).length + " " + type + " " + payload.length + " ").getBytes(StandardCharsets.UTF_8);
    byte[] out = java.util.Arrays.copyOf(head, head.length + payload.length);
    System.arraycopy(payload, 0, out, head.length, payload.length);
    return out;
  }

  static String pem(X509Certificate c) throws GeneralSecurityException {
    return "-----BEGIN CERTIFICATE-----\n" + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(c.getEncoded()) + "\n-----END CERTIFICATE-----\n";
  }

  static X509Certificate certFromPem(String pem) throws GeneralSecurityException {
    return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(new ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII)));
  }

  static PublicKey publicKeyFromPem(String pem) throws GeneralSecurityException {
    String b64 = pem.replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
    return KeyFactory.getInstance("EC").generatePublic(new X509EncodedKeySpec(Base64.getDecoder().decode(b64)));
  }

  private static MockResponse json(int code, String body) {
    return new MockResponse().setResponseCode(code).setHeader("Content-Type", "application/json").setBody(body);
  }

  @Override
  public void close() throws IOException {
    fulcio.shutdown();
    rekor.shutdown();
    tokenService.shutdown();
  }
}
