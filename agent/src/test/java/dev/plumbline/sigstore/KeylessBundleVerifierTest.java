package dev.plumbline.sigstore;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sigstore.trustroot.SigstoreTrustedRoot;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/** The sigstore-java sample bundles: real public-good and staging bundles, verified offline. */
class KeylessBundleVerifierTest {
  static final String GH_IDENTITY = "https://github.com/loosebazooka/aa-test/.github/workflows/provenance.yaml@refs/heads/main";
  static final String GH_ISSUER = "https://token.actions.githubusercontent.com";
  static final String GOOGLE = "https://accounts.google.com";

  static Path sample(String name) throws Exception {
    return Path.of(KeylessBundleVerifierTest.class.getResource("/dev/plumbline/sigstore/sigstore-java/" + name).toURI());
  }

  static KeylessVerification verify(String bundle, String root, CertificateIdentity id) throws Exception {
    SigstoreTrustedRoot trusted = root == null ? TrustRoots.publicGood() : TrustRoots.fromFile(sample(root));
    return KeylessBundleVerifier.create(trusted).verify(Bundles.read(sample(bundle)), ArtifactDigest.ofFile(sample("artifact.txt")), id);
  }

  @Test
  void githubActionsProvenanceVerifiesAgainstThePinnedRootAndNamesTheWorkflow() throws Exception {
    KeylessVerification v = verify("bundle.dsse.sigstore", null, CertificateIdentity.exact(GH_IDENTITY, GH_ISSUER));
    SignerInfo s = v.signer();
    assertEquals(GH_IDENTITY, s.identity());
    assertEquals(GH_ISSUER, s.issuer());
    assertEquals("https://github.com/loosebazooka/aa-test", s.repository());
    assertEquals(GH_IDENTITY, s.workflowRef());
    assertEquals("refs/heads/main", s.ref());
    assertTrue(s.commit().matches("[0-9a-f]{40}"), s.commit());
    assertEquals("application/vnd.in-toto+json", v.payloadType());
    assertTrue(new String(v.payload(), StandardCharsets.UTF_8).contains("https://in-toto.io/Statement/v1"));
    assertEquals(List.of("certificate chain", "identity", "signature", "transparency log", "signing time"),
        v.checks().stream().map(KeylessVerification.Check::name).toList());
    // the signing time is the log's integrated time, inside the 10-minute certificate
    Instant t = v.signingTimes().get(0);
    assertTrue(!t.isBefore(s.notBefore()) && !t.isAfter(s.notAfter()), t.toString());
  }

  @Test
  void identityRegexpMustMatchTheWholeIdentity() throws Exception {
    verify("bundle.dsse.sigstore", null, CertificateIdentity.regexp("https://github\\.com/loosebazooka/.*", GH_ISSUER));
    var e = assertThrows(SigstoreVerificationException.class,
        () -> verify("bundle.dsse.sigstore", null, CertificateIdentity.regexp("https://github\\.com/loosebazooka", GH_ISSUER)));
    assertEquals("identity", e.check());
  }

  @Test
  void badSignatureIsRejected() {
    var e = assertThrows(SigstoreVerificationException.class,
        () -> verify("bundle.dsse.bad-signature.sigstore", null, CertificateIdentity.exact(GH_IDENTITY, GH_ISSUER)));
    assertEquals("signature", e.check(), e.getMessage());
  }

  @ParameterizedTest
  @CsvSource({
    "https://github.com/loosebazooka/aa-test/.github/workflows/other.yaml@refs/heads/main, https://token.actions.githubusercontent.com",
    "https://github.com/loosebazooka/aa-test/.github/workflows/provenance.yaml@refs/heads/main, https://accounts.google.com",
  })
  void wrongIdentityOrIssuerIsRejected(String identity, String issuer) {
    var e = assertThrows(SigstoreVerificationException.class,
        () -> verify("bundle.dsse.sigstore", null, CertificateIdentity.exact(identity, issuer)));
    assertEquals("identity", e.check());
    assertTrue(e.getMessage().contains(GH_IDENTITY), e.getMessage());
  }

  @Test
  void wrongArtifactIsRejected() throws Exception {
    var other = ArtifactDigest.ofBytes("not the artifact".getBytes(StandardCharsets.UTF_8), "x");
    var e = assertThrows(SigstoreVerificationException.class,
        () -> KeylessBundleVerifier.create(TrustRoots.publicGood())
            .verify(Bundles.read(sample("bundle.dsse.sigstore")), other, CertificateIdentity.exact(GH_IDENTITY, GH_ISSUER)));
    assertEquals("signature", e.check());
  }

  @ParameterizedTest
  @CsvSource({
    "bundle.v1.sigstore, trusted_root.test.json, appu@google.com",
    "bundle.v2.sigstore, trusted_root.test.json, appu@google.com",
    "bundle.v3_1.sigstore, trusted_root.test.json, appu@google.com",
    "bundle.dsse.rekor-v2.sigstore, staging_trusted_root.test.json, aaronlew@google.com",
    "bundle-with-timestamp.sigstore, staging_trusted_root.test.json, aaronlew@google.com",
  })
  void messageSignatureAndRekorV2SamplesVerify(String bundle, String root, String email) throws Exception {
    KeylessVerification v = verify(bundle, root, CertificateIdentity.exact(email, GOOGLE));
    assertEquals(email, v.signer().identity());
  }

  @Test
  void aLogTimeInTheFutureIsRejected() throws Exception {
    // the clock says the bundle was logged more than the tolerated skew after "now"
    Clock past = Clock.fixed(Instant.parse("2024-11-20T20:30:00Z"), ZoneOffset.UTC);
    var e = assertThrows(SigstoreVerificationException.class,
        () -> KeylessBundleVerifier.create(TrustRoots.publicGood(), past)
            .verify(Bundles.read(sample("bundle.dsse.sigstore")), ArtifactDigest.ofFile(sample("artifact.txt")),
                CertificateIdentity.exact(GH_IDENTITY, GH_ISSUER)));
    assertEquals("signing time", e.check());
    assertTrue(e.getMessage().contains("in the future"), e.getMessage());
  }

  @Test
  void digestArgumentIsParsedOrRefused() throws Exception {
    assertEquals("a0cfc71271d6e278e57cd332ff957c3f7043fdda354c4cbb190a30d56efa01bf",
        ArtifactDigest.parse("sha256:A0CFC71271D6E278E57CD332FF957C3F7043FDDA354C4CBB190A30D56EFA01BF").hex());
    assertEquals("a0cfc71271d6e278e57cd332ff957c3f7043fdda354c4cbb190a30d56efa01bf",
        ArtifactDigest.parse(sample("artifact.txt").toString()).hex());
    assertThrows(SigstoreInputException.class, () -> ArtifactDigest.parse("sha256:abc"));
    assertThrows(SigstoreInputException.class, () -> ArtifactDigest.parse("/no/such/file"));
  }
}
