package dev.plumbline.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class PolicyLoaderTest {
  static final String FULL = """
      apiVersion: plumbline.dev/v1
      kind: BuildPolicy
      metadata:
        name: hello-c
      signer:
        keyFingerprints: ["sha256:%s"]
      trace:
        requireComplete: true
        requireEgressBlock: true
        noBlockedAttempts: true
        noSourceWrites: true
        allowedSourceWrites: ["docs/*.md"]
      tools:
        allowed:
          - path: /usr/bin/make
            sha256: [%s]
          - path: "/usr/bin/x86_64-linux-gnu-*"
        forbidden:
          - path: /usr/bin/curl
          - sha256: ["sha256:%s"]
      egress:
        allowLoopback: false
        allowed:
          - deb.debian.org:443
          - "*.github.com"
          - 10.0.0.0/8
          - "[2001:db8::/32]:443"
        forbiddenUnixSockets: [/var/run/docker.sock]
      ci:
        repository: octo/hello
        ref: refs/heads/main
        runnerEnvironment: github-hosted
      maxAge: 30d
      """.formatted("a".repeat(64), TestRecords.MAKE, TestRecords.CURL);

  static String error(String text) {
    return assertThrows(PolicyException.class, () -> PolicyLoader.parse(text, "p.yaml", false)).getMessage();
  }

  @Test
  void readsEverySection() throws Exception {
    Policy p = PolicyLoader.parse(FULL, "p.yaml", false);
    assertEquals("hello-c", p.name());
    assertEquals(new Sha256("a".repeat(64)), p.signer().keyFingerprints().get(0));
    assertTrue(p.trace().noSourceWrites());
    assertFalse(p.egress().loopbackAllowed());
    assertEquals(2, p.tools().allowed().size());
    assertEquals(4, p.egress().allowed().size());
    assertEquals(Duration.ofDays(30), p.maxAge().duration());
    assertTrue(p.ci().ref().matches("refs/heads/main"));
    assertFalse(p.ci().ref().matches("refs/heads/mainx"));
  }

  @Test
  void jsonPoliciesWork() throws Exception {
    Policy p = PolicyLoader.parse("{\"apiVersion\":\"plumbline.dev/v1\",\"kind\":\"BuildPolicy\",\"maxAge\":\"12h\"}", "p.json", true);
    assertEquals(Duration.ofHours(12), p.maxAge().duration());
  }

  @Test
  void unknownFieldNamesFieldAndLine() {
    String msg = error(FULL.replace("  noSourceWrites: true", "  noSourceWrite: true"));
    assertEquals("p.yaml:11: unknown field 'noSourceWrite' in trace (known: allowedSourceWrites, noBlockedAttempts,"
        + " noPrivilegeGain, noSourceWrites, requireComplete, requireEgressBlock, requireTrust)", msg);
    String top = error("apiVersion: plumbline.dev/v1\nkind: BuildPolicy\negres: {}\n");
    assertTrue(top.startsWith("p.yaml:3: unknown field 'egres' (known: apiVersion, ci, egress,"), top);
  }

  @Test
  void wrongTypesNameFieldAndLine() {
    assertEquals("p.yaml:8: trace.requireComplete: expected true or false, got a string",
        error(FULL.replace("requireComplete: true", "requireComplete: \"yes\"")));
    assertEquals("p.yaml:16: tools.allowed[0].sha256: expected a list, got a string",
        error(FULL.replace("sha256: [" + TestRecords.MAKE + "]", "sha256: " + TestRecords.MAKE)));
    assertEquals("p.yaml:8: trace.requireComplete: expected true or false, got a number",
        error(FULL.replace("requireComplete: true", "requireComplete: 1")));
    String tools = error("apiVersion: plumbline.dev/v1\nkind: BuildPolicy\ntools: [a, b]\n");
    assertEquals("p.yaml:3: tools: expected a mapping (key: value), got a list", tools);
  }

  @Test
  void badValuesNameFieldAndLine() {
    assertEquals("p.yaml:16: tools.allowed[0].sha256[0]: not a sha256 digest: 'abc' (expected sha256:HEX with 64 hex digits)",
        error(FULL.replace("sha256: [" + TestRecords.MAKE + "]", "sha256: [abc]")));
    assertTrue(error(FULL.replace("10.0.0.0/8", "10.0.0.0/33")).startsWith("p.yaml:26: egress.allowed[2]: bad destination '10.0.0.0/33'"));
    assertTrue(error(FULL.replace("maxAge: 30d", "maxAge: soon")).startsWith("p.yaml:33: maxAge: not a duration: 'soon'"));
    assertTrue(error(FULL.replace("deb.debian.org:443", "deb.debian.org:http")).contains("port must be a number"));
    assertTrue(error(FULL.replace("apiVersion: plumbline.dev/v1", "apiVersion: v2")).startsWith("p.yaml:1: apiVersion: unsupported apiVersion 'v2'"));
  }

  @Test
  void yamlSyntaxErrorIsOneLineWithLine() {
    String msg = error("apiVersion: plumbline.dev/v1\nkind: BuildPolicy\nmetadata:\n  name: a: b\n");
    assertTrue(msg.startsWith("p.yaml:"), msg);
    assertEquals("p.yaml:4: YAML syntax error: mapping values are not allowed here", msg);
    assertFalse(msg.contains("\n"), msg);
    String tab = error("apiVersion: plumbline.dev/v1\nkind: BuildPolicy\ntrace:\n\trequireComplete: true\n");
    assertTrue(tab.startsWith("p.yaml:4: YAML syntax error: found character '\\t(TAB)' that cannot start any token"), tab);
  }

  @Test
  void unquotedNumericDigestGetsAHint() {
    String msg = error("apiVersion: plumbline.dev/v1\nkind: BuildPolicy\ntools:\n  forbidden:\n    - sha256: [" + "1".repeat(64) + "]\n");
    assertEquals("p.yaml:5: tools.forbidden[0].sha256[0]: expected a string, got a number (quote it: \"...\")", msg);
  }

  @Test
  void duplicateKeysAreErrors() {
    String msg = error("apiVersion: plumbline.dev/v1\nkind: BuildPolicy\nmaxAge: 1d\nmaxAge: 300d\n");
    assertTrue(msg.startsWith("p.yaml:4: duplicate field 'maxAge'"), msg);
  }

  @Test
  void missingOrEmptyHeaderIsAnError() {
    assertEquals("p.yaml: empty policy (expected apiVersion: plumbline.dev/v1, kind: BuildPolicy)", error(""));
    assertEquals("p.yaml: missing apiVersion (expected apiVersion: plumbline.dev/v1)", error("kind: BuildPolicy\n"));
    assertEquals("p.yaml: missing kind (expected kind: BuildPolicy)", error("apiVersion: plumbline.dev/v1\n"));
    assertTrue(error("kind: Deployment\napiVersion: plumbline.dev/v1\n").startsWith("p.yaml:1: kind: unsupported kind 'Deployment'"));
  }

  @Test
  void signerNeedsIssuerWithIdentity() {
    String msg = error("apiVersion: plumbline.dev/v1\nkind: BuildPolicy\nsigner:\n  identity: https://github.com/o/r/.github/workflows/ci.yml@refs/heads/main\n");
    assertTrue(msg.startsWith("p.yaml:"), msg);
    assertTrue(msg.contains("signer: identity/identityRegexp needs an issuer"), msg);
  }

  @Test
  void jsonErrorsHaveLinesToo() {
    PolicyException e = assertThrows(PolicyException.class,
        () -> PolicyLoader.parse("{\n\"apiVersion\": \"plumbline.dev/v1\",\n\"kind\": \"BuildPolicy\",\n\"trace\": {\"nope\": 1}\n}", "p.json", true));
    assertTrue(e.getMessage().startsWith("p.json:4: unknown field 'nope' in trace"), e.getMessage());
    PolicyException syntax = assertThrows(PolicyException.class,
        () -> PolicyLoader.parse("{\n\"apiVersion\": \"plumbline.dev/v1\",\n\"kind\" \"BuildPolicy\"\n}", "p.json", true));
    assertTrue(syntax.getMessage().startsWith("p.json:3: JSON syntax error"), syntax.getMessage());
  }
}
