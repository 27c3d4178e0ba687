package dev.plumbline.sigstore;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.plumbline.sigstore.fake.FakeSigstore;
import dev.sigstore.KeylessVerificationException;
import dev.sigstore.KeylessVerifier;
import dev.sigstore.TrustedRootProvider;
import dev.sigstore.VerificationOptions;
import dev.sigstore.bundle.Bundle;
import dev.sigstore.strings.StringMatcher;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import okhttp3.OkHttpClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Keyless signing end to end against Fulcio, Rekor and a GitHub token service on 127.0.0.1; the
 * bundles are verified by our verifier and independently by sigstore-java's KeylessVerifier.
 */
class KeylessSignerTest {
  static final String IN_TOTO = "application/vnd.in-toto+json";
  @TempDir Path tmp;
  FakeSigstore fake;
  Path trustedRoot;
  KeylessSigner signer;
  final OkHttpClient http = new OkHttpClient();

  @BeforeEach
  void start() throws Exception {
    fake = new FakeSigstore();
    trustedRoot = fake.writeTrustedRoot(tmp);
    signer = KeylessSigner.create(
        SigningConfig.fromFile(fake.writeSigningConfig(tmp), java.time.Instant.now()),
        TrustRoots.fromFile(trustedRoot), http, Clock.systemUTC());
  }

  @AfterEach
  void stop() throws Exception {
    fake.close();
  }

  Map<String, String> githubEnv() {
    return Map.of(
        "GITHUB_ACTIONS", "true",
        IdentityTokens.GH_URL, fake.tokenRequestUrl(),
        IdentityTokens.GH_BEARER, FakeSigstore.TOKEN_REQUEST_BEARER);
  }

  static byte[] statement(ArtifactDigest subject) {
    return ("{\"_type\":\"https://in-toto.io/Statement/v1\",\"subject\":[{\"name\":\"app.tar.gz\",\"digest\":{\"sha256\":\""
            + subject.hex() + "\"}}],\"predicateType\":\"https://plumbline.dev/test/v1\",\"predicate\":{}}")
        .getBytes(StandardCharsets.UTF_8);
  }

  void verifyWithSigstoreJava(String bundleJson, ArtifactDigest artifact, String identity) throws Exception {
    KeylessVerifier v = KeylessVerifier.builder().trustedRootProvider(TrustedRootProvider.from(trustedRoot)).build();
    var options = VerificationOptions.builder()
        .addCertificateMatchers(VerificationOptions.CertificateMatcher.fulcio()
            .subjectAlternativeName(StringMatcher.string(identity))
            .issuer(StringMatcher.string(FakeSigstore.ISSUER))
            .build())
        .build();
    v.verify(artifact.sha256(), Bundle.from(new StringReader(bundleJson)), options);
  }

  @Test
  void dsseSignedWithTheGithubActionsTokenVerifiesWithOursAndWithSigstoreJava() throws Exception {
    IdentityToken token = IdentityTokens.resolve(null, githubEnv(), http, Clock.systemUTC());
    assertEquals("repo:acme/app:ref:refs/heads/main", token.subject());
    ArtifactDigest artifact = ArtifactDigest.ofBytes("app".getBytes(StandardCharsets.UTF_8), "app");

    // several entries so the inclusion proofs have real audit paths
    KeylessSigner.SignedBundle first = signer.signDsse(token, IN_TOTO, statement(ArtifactDigest.ofBytes(new byte[] {1}, "x")));
    signer.signDsse(token, IN_TOTO, statement(ArtifactDigest.ofBytes(new byte[] {2}, "y")));
    KeylessSigner.SignedBundle signed = signer.signDsse(token, IN_TOTO, statement(artifact));
    assertEquals(3, fake.logSize());

    JsonNode b = new ObjectMapper().readTree(signed.json());
    assertEquals("application/vnd.dev.sigstore.bundle.v0.3+json", b.path("mediaType").asText());
    assertTrue(b.path("verificationMaterial").path("certificate").has("rawBytes"));
    JsonNode entry = b.path("verificationMaterial").path("tlogEntries").get(0);
    assertEquals("dsse", entry.path("kindVersion").path("kind").asText());
    assertEquals("2", entry.path("logIndex").asText());
    // leaf 2 of a 3-leaf tree: its audit path is the hash of the first two leaves (RFC 6962 PATH)
    assertEquals(1, entry.path("inclusionProof").path("hashes").size());
    assertTrue(entry.path("inclusionProof").path("checkpoint").path("envelope").asText().contains("\n3\n"));
    assertFalse(entry.path("inclusionPromise").path("signedEntryTimestamp").asText().isEmpty());

    KeylessVerification ours = KeylessBundleVerifier.create(TrustRoots.fromFile(trustedRoot))
        .verify(Bundles.parse(signed.json(), "signed"), artifact, CertificateIdentity.exact(FakeSigstore.workflowIdentity(), FakeSigstore.ISSUER));
    assertEquals("https://github.com/acme/app", ours.signer().repository());
    assertEquals("0123456789abcdef0123456789abcdef01234567", ours.signer().commit());
    assertEquals("refs/heads/main", ours.signer().ref());
    assertEquals(FakeSigstore.workflowIdentity(), ours.signer().workflowRef());
    verifyWithSigstoreJava(signed.json(), artifact, FakeSigstore.workflowIdentity());
    verifyWithSigstoreJava(first.json(), ArtifactDigest.ofBytes(new byte[] {1}, "x"), FakeSigstore.workflowIdentity());

    // the token request carried the runner's bearer and asked for audience sigstore
    var tokenCall = fake.calls.stream().filter(c -> c.server().equals("token")).findFirst().orElseThrow();
    assertEquals("Bearer " + FakeSigstore.TOKEN_REQUEST_BEARER, tokenCall.authorization());
    assertTrue(tokenCall.path().contains("audience=sigstore"), tokenCall.path());
  }

  @Test
  void messageSignatureOfAnArtifactVerifiesWithOursAndWithSigstoreJava() throws Exception {
    IdentityToken token = IdentityTokens.resolve(fake.mintToken("sigstore"), Map.of(), http, Clock.systemUTC());
    ArtifactDigest artifact = ArtifactDigest.ofBytes("hello".getBytes(StandardCharsets.UTF_8), "hello");
    KeylessSigner.SignedBundle signed = signer.signArtifact(token, artifact);
    JsonNode b = new ObjectMapper().readTree(signed.json());
    assertEquals("hashedrekord", b.path("verificationMaterial").path("tlogEntries").get(0).path("kindVersion").path("kind").asText());
    KeylessBundleVerifier.create(TrustRoots.fromFile(trustedRoot))
        .verify(Bundles.parse(signed.json(), "signed"), artifact, CertificateIdentity.exact(FakeSigstore.workflowIdentity(), FakeSigstore.ISSUER));
    verifyWithSigstoreJava(signed.json(), artifact, FakeSigstore.workflowIdentity());
    // and another artifact is refused by both
    ArtifactDigest other = ArtifactDigest.ofBytes("other".getBytes(StandardCharsets.UTF_8), "other");
    assertThrows(KeylessVerificationException.class, () -> verifyWithSigstoreJava(signed.json(), other, FakeSigstore.workflowIdentity()));
    assertThrows(SigstoreVerificationException.class, () -> KeylessBundleVerifier.create(TrustRoots.fromFile(trustedRoot))
        .verify(Bundles.parse(signed.json(), "signed"), other, CertificateIdentity.exact(FakeSigstore.workflowIdentity(), FakeSigstore.ISSUER)));
  }

  @Test
  void aNonAsciiStatementVerifies() throws Exception {
    // PAE lengths count bytes: "é" is two; sigstore-java 2.0.0 counts characters, we must not
    IdentityToken token = IdentityToken.parse(fake.mintToken("sigstore"));
    ArtifactDigest artifact = ArtifactDigest.ofBytes("caf\u00e9".getBytes(StandardCharsets.UTF_8), "cafe");
    byte[] statement = new String(statement(artifact), StandardCharsets.UTF_8).replace("app.tar.gz", "caf\u00e9.tar.gz").getBytes(StandardCharsets.UTF_8);
    KeylessSigner.SignedBundle signed = signer.signDsse(token, IN_TOTO, statement);
    KeylessVerification v = KeylessBundleVerifier.create(TrustRoots.fromFile(trustedRoot))
        .verify(Bundles.parse(signed.json(), "signed"), artifact, CertificateIdentity.exact(FakeSigstore.workflowIdentity(), FakeSigstore.ISSUER));
    assertTrue(new String(v.payload(), StandardCharsets.UTF_8).contains("caf\u00e9.tar.gz"));
  }

  @Test
  void aBundleFromTheTestInstanceDoesNotVerifyAgainstPublicGood() throws Exception {
    IdentityToken token = IdentityTokens.resolve(null, Map.of(IdentityTokens.ENV_TOKEN, fake.mintToken("sigstore")), http, Clock.systemUTC());
    ArtifactDigest artifact = ArtifactDigest.ofBytes("app".getBytes(StandardCharsets.UTF_8), "app");
    KeylessSigner.SignedBundle signed = signer.signDsse(token, IN_TOTO, statement(artifact));
    var e = assertThrows(SigstoreVerificationException.class, () -> KeylessBundleVerifier.create(TrustRoots.publicGood())
        .verify(Bundles.parse(signed.json(), "signed"), artifact, CertificateIdentity.exact(FakeSigstore.workflowIdentity(), FakeSigstore.ISSUER)));
    assertEquals("certificate chain", e.check());
  }

  @Test
  void aLogWhoseCheckpointDoesNotMatchItsProofIsRefusedBeforeTheBundleIsWritten() throws Exception {
    fake.corruptCheckpoint = true;
    IdentityToken token = IdentityToken.parse(fake.mintToken("sigstore"));
    var e = assertThrows(SigstoreException.class,
        () -> signer.signDsse(token, IN_TOTO, statement(ArtifactDigest.ofBytes(new byte[] {3}, "z"))));
    assertTrue(e.getMessage().contains("does not verify"), e.getMessage());
  }

  @Test
  void fulcioRefusesATokenForAnotherAudience() throws Exception {
    IdentityToken token = IdentityToken.parse(fake.mintToken("not-sigstore"));
    var e = assertThrows(SigstoreException.class, () -> signer.signArtifact(token, ArtifactDigest.ofBytes(new byte[] {4}, "w")));
    assertTrue(e.getMessage().contains("HTTP 400"), e.getMessage());
  }

  @Test
  void noTokenSourceIsAOneLineInputError() {
    var e = assertThrows(SigstoreInputException.class, () -> IdentityTokens.resolve(null, Map.of(), http, Clock.systemUTC()));
    assertTrue(e.getMessage().contains("--identity-token"), e.getMessage());
    var gh = assertThrows(SigstoreInputException.class,
        () -> IdentityTokens.resolve(null, Map.of("GITHUB_ACTIONS", "true"), http, Clock.systemUTC()));
    assertTrue(gh.getMessage().contains("id-token: write"), gh.getMessage());
    assertThrows(SigstoreInputException.class, () -> IdentityToken.parse("not-a-jwt"));
  }

  @Test
  void anExpiredTokenIsRefusedBeforeAnyServiceIsCalled() throws Exception {
    String jwt = fake.mintToken("sigstore");
    Clock later = Clock.offset(Clock.systemUTC(), java.time.Duration.ofHours(2));
    var e = assertThrows(SigstoreInputException.class, () -> IdentityTokens.resolve(jwt, Map.of(), http, later));
    assertTrue(e.getMessage().contains("expired"), e.getMessage());
    assertTrue(fake.calls.isEmpty());
  }
}
