package dev.plumbline.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.plumbline.cli.ExitCodes;
import dev.plumbline.sign.Keys;
import dev.plumbline.testing.Attestations;
import dev.plumbline.testing.Cli;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code plumbline verify --policy} end to end: key-signed bundles of build A and build B. */
class PolicyVerifyTest {
  @TempDir static Path dir;
  static Path pub;
  static Path bundleA;
  static Path bundleB;
  static final String HEADER = "apiVersion: plumbline.dev/v1\nkind: BuildPolicy\n";

  @BeforeAll
  static void signBoth() throws Exception {
    assertEquals(0, Cli.run("keygen", "--prefix", dir.resolve("k").toString()).code());
    pub = dir.resolve("k.pub");
    Map<String, String> env = Map.of("PATH", "/nonexistent", "GITHUB_ACTIONS", "true", "GITHUB_REPOSITORY", "octo/hello",
        "GITHUB_REF", "refs/heads/main", "RUNNER_ENVIRONMENT", "github-hosted");
    for (String name : List.of("a", "b")) {
      Path d = Files.createDirectories(dir.resolve(name));
      Files.writeString(d.resolve("app.tar.gz"), "the product\n");
      var record = (name.equals("a") ? TestRecords.buildA() : TestRecords.buildB()).build();
      Attestations.sign(d, dir.resolve("k.key"), env, record, List.of("app.tar.gz"));
    }
    bundleA = dir.resolve("a/plumbline.sigstore.json");
    bundleB = dir.resolve("b/plumbline.sigstore.json");
  }

  static Cli.Result verify(Path bundle, Path policy, String... extra) {
    List<String> args = new java.util.ArrayList<>(List.of("verify", "--bundle", bundle.toString(), "--key", pub.toString(),
        "--policy", policy.toString()));
    args.addAll(List.of(extra));
    args.add(bundle.getParent().resolve("app.tar.gz").toString());
    return Cli.run(args.toArray(String[]::new)).assertNoStackTrace();
  }

  @Test
  void learnedFromSignedAPassesAAndRejectsBNamingBoth() throws Exception {
    Path policy = dir.resolve("learned.yaml");
    assertEquals(0, Cli.run("policy", "init", "--bundle", bundleA.toString(), "--output", policy.toString(), "--force").code());
    String yaml = Files.readString(policy);
    assertTrue(yaml.contains("repository: \"octo/hello\""), "the CI context was learned from the predicate:\n" + yaml);

    Cli.Result a = verify(bundleA, policy);
    assertEquals(ExitCodes.OK, a.code(), a.err());
    assertTrue(a.err().contains("ok   policy tools.allowed"), a.err());

    Cli.Result b = verify(bundleB, policy);
    assertEquals(ExitCodes.REJECTED, b.code(), b.err());
    assertTrue(b.err().contains("FAIL policy tools.allowed: a tool not in the allowlist ran: /usr/bin/curl sha256:" + TestRecords.CURL), b.err());
    assertTrue(b.err().contains("FAIL policy egress.allowed: the build contacted a destination not in the allowlist: evil.example.net:443"), b.err());
    assertTrue(b.err().contains("REJECTED: policy tools.allowed"), b.err());

    Cli.Result md = verify(bundleB, policy, "--format", "markdown");
    assertEquals(ExitCodes.REJECTED, md.code());
    assertTrue(md.out().startsWith("## Plumbline verify: ❌ REJECTED"), md.out());
    assertTrue(md.out().contains("| tools.allowed | only the"), md.out());
  }

  @Test
  void signerRuleUsesTheVerifyingKeysFingerprint() throws Exception {
    String fp = KeyFingerprints.of(Keys.readPublicKey(pub));
    Path right = Files.writeString(dir.resolve("right.yaml"), HEADER + "signer:\n  keyFingerprints: ['" + fp + "']\n");
    Path wrong = Files.writeString(dir.resolve("wrong.yaml"), HEADER + "signer:\n  keyFingerprints: ['sha256:" + "0".repeat(63) + "1']\n");
    assertEquals(ExitCodes.OK, verify(bundleA, right).code());
    Cli.Result r = verify(bundleA, wrong);
    assertEquals(ExitCodes.REJECTED, r.code());
    assertTrue(r.err().contains("FAIL policy signer: signed by someone else: signer key " + fp), r.err());
  }

  @Test
  void ciRulesReadTheSignedEnvironment() throws Exception {
    Path ok = Files.writeString(dir.resolve("ci-ok.yaml"), HEADER + "ci:\n  repository: octo/hello\n  ref: 'refs/heads/*'\n  runnerEnvironment: github-hosted\n");
    Path fork = Files.writeString(dir.resolve("ci-fork.yaml"), HEADER + "ci:\n  repository: mallory/hello\n");
    assertEquals(ExitCodes.OK, verify(bundleA, ok).code(), verify(bundleA, ok).err());
    Cli.Result r = verify(bundleA, fork);
    assertEquals(ExitCodes.REJECTED, r.code());
    assertTrue(r.err().contains("FAIL policy ci.repository: the build ran elsewhere: repository octo/hello"), r.err());
  }

  @Test
  void aMalformedPolicyIsAOneLineUsageError() throws Exception {
    Path bad = Files.writeString(dir.resolve("bad.yaml"), HEADER + "egress:\n  alowed: []\n");
    Cli.Result r = verify(bundleA, bad);
    assertEquals(ExitCodes.USAGE, r.code());
    assertEquals("plumbline: " + bad + ":4: unknown field 'alowed' in egress (known: allowLoopback, allowed, forbiddenUnixSockets)", r.err().strip());
  }

  @Test
  void theFingerprintKeygenPrintsIsWhatVerifyPrintsAndAPolicyAccepts() throws Exception {
    Path keys = Files.createDirectories(dir.resolve("fp"));
    Cli.Result keygen = Cli.run("keygen", "--prefix", keys.resolve("k").toString());
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("key fingerprint (sha256:[0-9a-f]{64})").matcher(keygen.err());
    assertTrue(m.find(), keygen.err());
    String printed = m.group(1);
    Path d = Files.createDirectories(keys.resolve("build"));
    Files.writeString(d.resolve("app.tar.gz"), "the product\n");
    Attestations.sign(d, keys.resolve("k.key"), Map.of("PATH", "/nonexistent"), TestRecords.buildA().build(), List.of("app.tar.gz"));
    Path policy = Files.writeString(keys.resolve("p.yaml"), HEADER + "signer:\n  keyFingerprints: ['" + printed + "']\n");
    Cli.Result r = Cli.run("verify", "--bundle", d.resolve("plumbline.sigstore.json").toString(), "--key", keys.resolve("k.pub").toString(),
        "--policy", policy.toString(), d.resolve("app.tar.gz").toString()).assertNoStackTrace();
    assertEquals(ExitCodes.OK, r.code(), r.err());
    assertTrue(r.err().contains("signed by key " + printed), r.err());
  }

  @Test
  void policyInitCreatesTheOutputsDirectory() throws Exception {
    Path policy = dir.resolve("fresh-repo/.plumbline/policy.yaml");
    Cli.Result r = Cli.run("policy", "init", "--bundle", bundleA.toString(), "--output", policy.toString());
    assertEquals(0, r.code(), r.err());
    assertTrue(Files.readString(policy).contains("apiVersion: plumbline.dev/v1"));
  }
}
