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
    RESULTS.put(name, (mustFail ? "reject" : "verify") + "|" + (pass ? "pass" : "**FAIL**") + "|" + o.exit + "|" + o.err.replace("|", "\\|").replace("\n", " "));
    // one line, never a stack trace
    assertFalse(o.err.contains("\tat "), o.err);
    assertTrue(o.err.lines().count() <= 1, o.err);
    if (mustFail) {
      assertNotEquals(0, o.exit, name + " must be rejected: " + o.err);
    } else {
      assertEquals(0, o.exit, name + " must verify: " + o.err);
    }
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
