package dev.plumbline.redact;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** The build's environment lacks exactly the agent's own variables. */
class AgentSecretsTest {
  @Test
  void signingSecretsTokenSourcesAndPlumblineSettingsAreRemovedAndNothingElse() {
    Map<String, String> env = Map.of(
        "PLUMBLINE_KEY_PASSWORD", "pw",
        "PLUMBLINE_JAVA_OPTS", "-Xmx1g",
        "ACTIONS_ID_TOKEN_REQUEST_URL", "https://example.invalid/token",
        "ACTIONS_ID_TOKEN_REQUEST_TOKEN", "bearer",
        "SIGSTORE_ID_TOKEN", "eyJ.a.b",
        "PATH", "/usr/bin:/bin",
        "GITHUB_TOKEN", "ghp_the_build_may_need_this",
        "MY_PLUMBLINE_NOTE", "kept: only the prefix is ours");
    assertEquals(Map.of("PATH", "/usr/bin:/bin", "GITHUB_TOKEN", "ghp_the_build_may_need_this",
        "MY_PLUMBLINE_NOTE", "kept: only the prefix is ours"), AgentSecrets.buildEnvironment(env));
  }
}
