package dev.plumbline.sigstore;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** A build signed keyless must not see the sources of the identity it is signed with. */
class IdentityTokenIsolationTest {
  @Test
  void tokenSourcesAreRemovedAndNothingElse() {
    Map<String, String> env = Map.of(
        "ACTIONS_ID_TOKEN_REQUEST_URL", "https://example.invalid/token",
        "ACTIONS_ID_TOKEN_REQUEST_TOKEN", "bearer-secret",
        "SIGSTORE_ID_TOKEN", "eyJ.a.b",
        "PATH", "/usr/bin:/bin",
        "GITHUB_TOKEN", "ghp_keep_for_the_build");
    assertEquals(
        Map.of("PATH", "/usr/bin:/bin", "GITHUB_TOKEN", "ghp_keep_for_the_build"),
        IdentityTokens.withoutTokenSources(env));
  }
}
