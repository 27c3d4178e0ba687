package dev.plumbline.ci;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ActionInputsTest {
  @TempDir Path dir;

  static Map<String, String> env(String... kv) {
    Map<String, String> m = new HashMap<>();
    for (int i = 0; i < kv.length; i += 2) {
      m.put(ActionInputs.envName(kv[i]), kv[i + 1]);
    }
    return m;
  }

  @Test
  void listInputsSplitOnNewlinesSpacesAndCommasAndDropComments() throws Exception {
    ActionInputs in = ActionInputs.of(env("run", "make", "allowed-endpoints",
        "deb.debian.org:443, *.npmjs.org:443\n# a comment\n  198.51.100.0/24  # trailing comment\n"), true);
    assertEquals(List.of("deb.debian.org:443", "*.npmjs.org:443", "198.51.100.0/24"), in.allowedEndpoints());
    assertEquals(dev.plumbline.egress.EgressMode.AUDIT, in.egressPolicy());
    assertEquals("auto", in.signing());
    assertTrue(in.showSummary());
  }

  @Test
  void badInputsAreNamedBeforeTheBuild() {
    assertEquals("the 'run' input is empty: give the build command(s) to trace",
        assertThrows(ActionInputs.InputException.class, () -> ActionInputs.of(env("run", "  "), true)).getMessage());
    assertTrue(assertThrows(ActionInputs.InputException.class,
        () -> ActionInputs.of(env("run", "make", "egress-policy", "deny"), true)).getMessage().startsWith("egress-policy must be"));
    assertTrue(assertThrows(ActionInputs.InputException.class,
        () -> ActionInputs.of(env("run", "make", "signing", "key"), true)).getMessage().contains("needs the 'key' input"));
    assertTrue(assertThrows(ActionInputs.InputException.class,
        () -> ActionInputs.of(env("run", "make", "show-summary", "maybe"), true)).getMessage().startsWith("show-summary must be true or false"));
    assertEquals("subject-digest/subject-name: 'sha256:abc' is not a sha256 digest (sha256: and 64 hex digits)",
        assertThrows(ActionInputs.InputException.class,
            () -> ActionInputs.of(env("run", "make", "subject-digest", "sha256:abc", "subject-name", "x"), true)).getMessage());
    assertTrue(assertThrows(ActionInputs.InputException.class,
        () -> ActionInputs.of(env("run", "make", "subject-digest", "sha256:" + "a".repeat(64)), true)).getMessage().startsWith("subject-digest needs subject-name"));
    assertTrue(assertThrows(ActionInputs.InputException.class,
        () -> ActionInputs.of(env("run", "make", "subject-name", "app"), true)).getMessage().startsWith("subject-name needs subject-digest"));
    assertEquals("egress-policy must be audit or block, not 'deny'", assertThrows(ActionInputs.InputException.class,
        () -> ActionInputs.of(env("run", "make", "egress-policy", "deny"), true)).getMessage());
  }

  @Test
  void aSubjectByNameAndDigestIsParsedOnceAndLowerCased() throws Exception {
    ActionInputs in = ActionInputs.of(env("run", "make", "egress-policy", " Block ", "subject-name", "ghcr.io/acme/app",
        "subject-digest", "sha256:" + "AB".repeat(32)), true);
    assertEquals(dev.plumbline.egress.EgressMode.BLOCK, in.egressPolicy());
    assertEquals(List.of(dev.plumbline.attest.Statement.Subject.sha256("ghcr.io/acme/app", "ab".repeat(32))), in.subjectDigests());
  }

  private GithubContext context(String eventJson) throws Exception {
    Path event = dir.resolve("event.json");
    Files.writeString(event, eventJson);
    return GithubContext.of(Map.of("GITHUB_EVENT_PATH", event.toString(), "GITHUB_WORKSPACE", dir.toString()));
  }

  @Test
  void autoSignsKeylessOnlyForAPublicRepository() throws Exception {
    ActionInputs auto = ActionInputs.of(env("run", "make"), true);
    Map<String, String> token = Map.of("ACTIONS_ID_TOKEN_REQUEST_URL", "http://127.0.0.1:1/token");
    assertEquals(Signing.Mode.KEYLESS, Signing.choose(auto, context("{\"repository\":{\"private\":false,\"visibility\":\"public\"}}"), token).mode());
    Signing priv = Signing.choose(auto, context("{\"repository\":{\"private\":true}}"), token);
    assertEquals(Signing.Mode.NONE, priv.mode());
    assertTrue(priv.notice().contains("private repository's workflow identity in the public Rekor log"), priv.notice());
    Signing unknown = Signing.choose(auto, context("{}"), token);
    assertEquals(Signing.Mode.NONE, unknown.mode());
    assertTrue(unknown.notice().contains("visibility unknown"), unknown.notice());
    Signing noToken = Signing.choose(auto, context("{\"repository\":{\"visibility\":\"public\"}}"), Map.of());
    assertEquals(Signing.Mode.NONE, noToken.mode());
    assertTrue(noToken.notice().contains("id-token: write"), noToken.notice());
    assertEquals(Signing.Mode.KEY, Signing.choose(ActionInputs.of(env("run", "make", "key", "k.pem"), true),
        context("{\"repository\":{\"private\":true}}"), Map.of()).mode());
    // an explicit keyless is the user's choice, private or not, but needs a token source
    assertEquals(Signing.Mode.KEYLESS, Signing.choose(ActionInputs.of(env("run", "make", "signing", "keyless"), true),
        context("{\"repository\":{\"private\":true}}"), token).mode());
    assertThrows(ActionInputs.InputException.class, () -> Signing.choose(ActionInputs.of(env("run", "make", "signing", "keyless"), true),
        context("{}"), Map.of()));
  }
}
