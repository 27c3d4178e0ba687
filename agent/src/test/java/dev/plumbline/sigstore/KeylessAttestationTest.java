package dev.plumbline.sigstore;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.plumbline.attest.AttestationRun;
import dev.plumbline.sign.SigningException;
import dev.plumbline.sigstore.fake.FakeSigstore;
import dev.plumbline.testing.Attestations;
import dev.plumbline.testing.Cli;
import dev.plumbline.testing.Records;
import dev.sigstore.KeylessVerifier;
import dev.sigstore.TrustedRootProvider;
import dev.sigstore.VerificationOptions;
import dev.sigstore.bundle.Bundle;
import dev.sigstore.strings.StringMatcher;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code run --keyless}'s signer through the attest area's AttestationRun, then {@code plumbline
 * verify} with a certificate identity, against loopback Fulcio and Rekor; sigstore-java's
 * KeylessVerifier checks the same bundle independently.
 */
class KeylessAttestationTest {
  @TempDir Path dir;
  FakeSigstore fake;
  Path root;
  Path config;

  @BeforeEach
  void start() throws Exception {
    fake = new FakeSigstore();
    root = fake.writeTrustedRoot(dir);
    config = fake.writeSigningConfig(dir);
  }

  @AfterEach
  void stop() throws Exception {
    fake.close();
  }

  AttestationRun.Result attest(Map<String, String> env) throws Exception {
    SigstoreSigner signer = SigstoreSigner.create(null, env, root, config, Clock.systemUTC());
    Files.writeString(dir.resolve("app.tar.gz"), "the artifact");
    AttestationRun run = AttestationRun.prepare(signer, Attestations.collector(env, dir.resolve("no-root")), dir, List.of("app.tar.gz"), null);
    return run.finish(Records.sample(true), null);
  }

  Cli.Result verify(String... identityArgs) {
    List<String> args = new java.util.ArrayList<>(List.of("verify", "--bundle", dir.resolve("plumbline.sigstore.json").toString()));
    args.addAll(List.of(identityArgs));
    args.addAll(List.of("--trusted-root", root.toString(), dir.resolve("app.tar.gz").toString()));
    return Cli.run(args.toArray(String[]::new));
  }

  @Test
  void keylessAttestationVerifiesWithPlumblineVerifyAndSigstoreJava() throws Exception {
    Map<String, String> env = Map.of("GITHUB_ACTIONS", "true", IdentityTokens.GH_URL, fake.tokenRequestUrl(),
        IdentityTokens.GH_BEARER, FakeSigstore.TOKEN_REQUEST_BEARER);
    AttestationRun.Result result = attest(env);
    String bundle = Files.readString(result.bundle());
    assertTrue(bundle.contains("\"certificate\""), bundle);
    assertTrue(bundle.contains("\"tlogEntries\""), bundle);

    Cli.Result ok = verify("--certificate-identity", FakeSigstore.workflowIdentity(), "--certificate-oidc-issuer", FakeSigstore.ISSUER).assertNoStackTrace();
    assertEquals(0, ok.code(), ok.err());
    assertTrue(ok.err().contains("repository https://github.com/acme/app"), ok.err());
    assertTrue(ok.err().contains("commit 0123456789abcdef0123456789abcdef01234567"), ok.err());
    assertTrue(ok.err().contains("transparency log"), ok.err());

    Cli.Result regexp = verify("--certificate-identity-regexp", "https://github\\.com/acme/app/.*", "--certificate-oidc-issuer", FakeSigstore.ISSUER);
    assertEquals(0, regexp.code(), regexp.err());

    KeylessVerifier.builder().trustedRootProvider(TrustedRootProvider.from(root)).build().verify(
        dir.resolve("app.tar.gz"), Bundle.from(result.bundle(), StandardCharsets.UTF_8),
        VerificationOptions.builder().addCertificateMatchers(VerificationOptions.CertificateMatcher.fulcio()
            .subjectAlternativeName(StringMatcher.string(FakeSigstore.workflowIdentity()))
            .issuer(StringMatcher.string(FakeSigstore.ISSUER)).build()).build());
  }

  @Test
  void wrongSignerIsRejectedAndBadUsageIsExit2() throws Exception {
    attest(Map.of(IdentityTokens.ENV_TOKEN, fake.mintToken("sigstore")));
    Cli.Result other = verify("--certificate-identity", FakeSigstore.workflowIdentity().replace("build.yml", "release.yml"),
        "--certificate-oidc-issuer", FakeSigstore.ISSUER).assertNoStackTrace();
    assertEquals(1, other.code(), other.err());
    assertTrue(other.err().contains("identity"), other.err());
    // the regexp must match the whole identity
    Cli.Result prefix = verify("--certificate-identity-regexp", "https://github\\.com/acme", "--certificate-oidc-issuer", FakeSigstore.ISSUER);
    assertEquals(1, prefix.code(), prefix.err());
    Cli.Result issuer = verify("--certificate-identity", FakeSigstore.workflowIdentity(), "--certificate-oidc-issuer", "https://accounts.google.com");
    assertEquals(1, issuer.code(), issuer.err());
    Cli.Result publicGood = Cli.run("verify", "--bundle", dir.resolve("plumbline.sigstore.json").toString(),
        "--certificate-identity", FakeSigstore.workflowIdentity(), "--certificate-oidc-issuer", FakeSigstore.ISSUER, dir.resolve("app.tar.gz").toString());
    assertEquals(1, publicGood.code(), publicGood.err());
    assertTrue(publicGood.err().contains("certificate chain"), publicGood.err());

    Cli.Result noIssuer = verify("--certificate-identity", FakeSigstore.workflowIdentity()).assertNoStackTrace();
    assertEquals(2, noIssuer.code(), noIssuer.err());
    assertEquals(1, noIssuer.errorLines(), noIssuer.err());
    Cli.Result badRegexp = verify("--certificate-identity-regexp", "(", "--certificate-oidc-issuer", FakeSigstore.ISSUER).assertNoStackTrace();
    assertEquals(2, badRegexp.code(), badRegexp.err());
    Cli.Result badRoot = Cli.run("verify", "--bundle", dir.resolve("plumbline.sigstore.json").toString(),
        "--certificate-identity", FakeSigstore.workflowIdentity(), "--certificate-oidc-issuer", FakeSigstore.ISSUER,
        "--trusted-root", dir.resolve("app.tar.gz").toString(), dir.resolve("app.tar.gz").toString()).assertNoStackTrace();
    assertEquals(2, badRoot.code(), badRoot.err());
  }

  @Test
  void noTokenSourceFailsBeforeTheBuild() {
    var e = assertThrows(SigningException.class, () -> SigstoreSigner.create(null, Map.of(), root, config, Clock.systemUTC()));
    assertTrue(e.getMessage().contains("--identity-token"), e.getMessage());
    assertTrue(fake.calls.isEmpty());
  }

  @Test
  void theGithubProvenanceSampleVerifiesThroughPlumblineVerifyUpToThePredicate() throws Exception {
    Path sample = Path.of(getClass().getResource("/dev/plumbline/sigstore/sigstore-java/bundle.dsse.sigstore").toURI());
    Path artifact = Path.of(getClass().getResource("/dev/plumbline/sigstore/sigstore-java/artifact.txt").toURI());
    Cli.Result r = Cli.run("verify", "--bundle", sample.toString(), "--certificate-identity", KeylessBundleVerifierTest.GH_IDENTITY,
        "--certificate-oidc-issuer", KeylessBundleVerifierTest.GH_ISSUER, artifact.toString()).assertNoStackTrace();
    // a SLSA provenance, not a plumbline attestation: signature and signer pass, the predicate type is refused
    assertTrue(r.err().contains("ok   signer: " + KeylessBundleVerifierTest.GH_IDENTITY), r.err());
    assertTrue(r.err().contains("repository https://github.com/loosebazooka/aa-test"), r.err());
    assertEquals(1, r.code(), r.err());
  }

  @Test
  void theGithubShorthandAndAnIssuerRegexpSelectTheWorkflow() throws Exception {
    attest(Map.of("GITHUB_ACTIONS", "true", IdentityTokens.GH_URL, fake.tokenRequestUrl(),
        IdentityTokens.GH_BEARER, FakeSigstore.TOKEN_REQUEST_BEARER));
    // the fake certifies acme/app/.github/workflows/build.yml@refs/heads/main
    for (String[] accepted : List.of(
        new String[] {"--github-repository", "acme/app"},
        new String[] {"--github-repository", "acme/app", "--github-workflow", "build.yml", "--github-ref", "refs/heads/main"},
        new String[] {"--github-repository", "acme/app", "--github-workflow", ".github/workflows/build.yml"},
        new String[] {"--certificate-identity", FakeSigstore.workflowIdentity(), "--certificate-oidc-issuer-regexp", "https://token\\.actions\\.githubusercontent\\.com"})) {
      Cli.Result r = verify(accepted).assertNoStackTrace();
      assertEquals(0, r.code(), String.join(" ", accepted) + ": " + r.err());
    }
    for (String[] rejected : List.of(
        new String[] {"--github-repository", "acme/app2"},
        new String[] {"--github-repository", "acme/ap"},
        new String[] {"--github-repository", "acme/app", "--github-workflow", "release.yml"},
        new String[] {"--github-repository", "acme/app", "--github-ref", "refs/heads/mainx"},
        new String[] {"--certificate-identity", FakeSigstore.workflowIdentity(), "--certificate-oidc-issuer-regexp", "https://accounts\\.google\\.com"})) {
      Cli.Result r = verify(rejected).assertNoStackTrace();
      assertEquals(1, r.code(), String.join(" ", rejected) + ": " + r.err());
    }
    Cli.Result bad = verify("--github-repository", "acme/app", "--github-ref", "main").assertNoStackTrace();
    assertEquals(2, bad.code(), bad.err());
    assertTrue(bad.err().contains("--github-ref must be a full ref"), bad.err());
  }
}
