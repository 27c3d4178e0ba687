package dev.plumbline.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import picocli.CommandLine;

/**
 * Every case of the Sigstore conformance suite's bundle-verify assets, driven through the same
 * {@code sigstore-conformance verify-bundle} command the conformance script calls. The expected
 * outcome comes from the case's name alone: {@code _fail} must be rejected, every other verified.
 * Writes the case-by-case table to target/conformance.md (copied into docs/conformance.md).
 */
class SigstoreConformanceTest {
  static final String IDENTITY =
      "https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main";
  static final String ISSUER = "https://token.actions.githubusercontent.com";
  static final Map<String, String> RESULTS = new TreeMap<>();

  static Path resources() throws URISyntaxException {
    return Path.of(SigstoreConformanceTest.class.getResource("/dev/plumbline/sigstore").toURI());
  }

  static Stream<String> cases() throws Exception {
    Path dir = resources().resolve("conformance/bundle-verify");
    try (Stream<Path> s = Files.list(dir)) {
      return s.filter(Files::isDirectory).map(p -> p.getFileName().toString()).sorted().toList().stream();
    }
  }

  record Outcome(int exit, String err) {}

  static Outcome run(String... args) {
    StringWriter err = new StringWriter();
    CommandLine cl = Main.commandLine();
    cl.setErr(new PrintWriter(err, true));
    cl.setOut(new PrintWriter(new StringWriter(), true));
    int exit = cl.execute(args);
    return new Outcome(exit, err.toString().strip());
  }

  static String read(Path p) throws IOException {
    return Files.readString(p, StandardCharsets.UTF_8).strip();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void bundleVerify(String name) throws Exception {
    Path dir = resources().resolve("conformance/bundle-verify").resolve(name);
    Path artifact = Files.exists(dir.resolve("artifact")) ? dir.resolve("artifact") : dir.resolveSibling("a.txt");
    List<String> args = new ArrayList<>(List.of("sigstore-conformance", "verify-bundle", "--bundle", dir.resolve("bundle.sigstore.json").toString()));
    if (Files.exists(dir.resolve("key.pub"))) {
      args.addAll(List.of("--key", dir.resolve("key.pub").toString()));
    } else {
      String identity = Files.exists(dir.resolve("identity")) ? read(dir.resolve("identity")) : IDENTITY;
      String issuer = Files.exists(dir.resolve("issuer")) ? read(dir.resolve("issuer")) : ISSUER;
      args.addAll(List.of("--certificate-identity", identity, "--certificate-oidc-issuer", issuer));
    }
    if (Files.exists(dir.resolve("trusted_root.json"))) {
      args.addAll(List.of("--trusted-root", dir.resolve("trusted_root.json").toString()));
    }
    args.add(artifact.toString());
    Outcome o = run(args.toArray(String[]::new));
    boolean mustFail = name.endsWith("_fail");
    boolean pass = mustFail ? o.exit != 0 : o.exit == 0;
    String said = o.err.replace(dir.getParent().toString() + "/", "").replace("|", "\\|").replace("\n", " ");
    RESULTS.put(name, (mustFail ? "reject" : "verify") + "|" + (pass ? "pass" : "**FAIL**") + "|" + o.exit + "|" + said);
    // one line, never a stack trace
    assertFalse(o.err.contains("\tat "), o.err);
    assertTrue(o.err.lines().count() <= 1, o.err);
    if (mustFail) {
      assertNotEquals(0, o.exit, name + " must be rejected: " + o.err);
    } else {
      assertEquals(0, o.exit, name + " must verify: " + o.err);
    }
  }

  @ParameterizedTest(name = "in-toto={0}")
  @org.junit.jupiter.params.provider.ValueSource(booleans = {false, true})
  void signBundleThenVerifyBundleAgainstLoopbackSigstore(boolean inToto, @org.junit.jupiter.api.io.TempDir Path tmp) throws Exception {
    try (var fake = new dev.plumbline.sigstore.fake.FakeSigstore()) {
      Path root = fake.writeTrustedRoot(tmp);
      Path config = fake.writeSigningConfig(tmp);
      Path artifact = tmp.resolve("artifact.txt");
      Files.writeString(artifact, "hello conformance\n");
      Path input = artifact;
      if (inToto) {
        var digest = dev.plumbline.sigstore.ArtifactDigest.ofFile(artifact).hex();
        input = tmp.resolve("statement.json");
        Files.writeString(input, "{\"_type\":\"https://in-toto.io/Statement/v1\",\"subject\":[{\"name\":\"artifact.txt\",\"digest\":{\"sha256\":\"" + digest + "\"}}],\"predicateType\":\"https://example.com/p\",\"predicate\":{}}");
      }
      Path bundle = tmp.resolve("bundle.json");
      List<String> sign = new ArrayList<>(List.of("sigstore-conformance", "sign-bundle"));
      if (inToto) {
        sign.add("--in-toto");
      }
      sign.addAll(List.of("--identity-token", fake.mintToken("sigstore"), "--bundle", bundle.toString(),
          "--trusted-root", root.toString(), "--signing-config", config.toString(), input.toString()));
      Outcome signed = run(sign.toArray(String[]::new));
      assertEquals(0, signed.exit, signed.err);
      String identity = dev.plumbline.sigstore.fake.FakeSigstore.workflowIdentity();
      String issuer = dev.plumbline.sigstore.fake.FakeSigstore.ISSUER;
      Outcome ok = run("sigstore-conformance", "verify-bundle", "--bundle", bundle.toString(), "--certificate-identity", identity,
          "--certificate-oidc-issuer", issuer, "--trusted-root", root.toString(), artifact.toString());
      assertEquals(0, ok.exit, ok.err);
      Outcome wrongIdentity = run("sigstore-conformance", "verify-bundle", "--bundle", bundle.toString(), "--certificate-identity", identity + "x",
          "--certificate-oidc-issuer", issuer, "--trusted-root", root.toString(), artifact.toString());
      assertEquals(ExitCodes.REJECTED, wrongIdentity.exit, wrongIdentity.err);
      Outcome publicGood = run("sigstore-conformance", "verify-bundle", "--bundle", bundle.toString(), "--certificate-identity", identity,
          "--certificate-oidc-issuer", issuer, artifact.toString());
      assertEquals(ExitCodes.REJECTED, publicGood.exit, publicGood.err);
    }
  }

  @Test
  void unreadableInputIsExit2AndOneLine() throws Exception {
    Outcome o = run("sigstore-conformance", "verify-bundle", "--bundle", "/no/such/bundle.json", "--certificate-identity", IDENTITY,
        "--certificate-oidc-issuer", ISSUER, "sha256:" + "0".repeat(64));
    assertEquals(ExitCodes.USAGE, o.exit);
    assertEquals("plumbline: bundle /no/such/bundle.json does not exist", o.err);
  }

  @AfterAll
  static void writeTable() throws IOException {
    if (RESULTS.isEmpty()) {
      return;
    }
    long passed = RESULTS.values().stream().filter(v -> v.contains("|pass|")).count();
    StringBuilder sb = new StringBuilder();
    sb.append("Passed ").append(passed).append("/").append(RESULTS.size()).append(" bundle-verify cases.\n\n");
    sb.append("| case | expected | result | exit | plumbline says |\n| --- | --- | --- | --- | --- |\n");
    RESULTS.forEach((k, v) -> sb.append("| ").append(k).append(" | ").append(v.replace("|", " | ").replace("\\ | ", "\\|")).append(" |\n"));
    Path out = Path.of("target/conformance.md");
    Files.createDirectories(out.getParent());
    Files.writeString(out, sb.toString());
  }
}
