package dev.plumbline.redact;

import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;

/**
 * What the agent keeps to itself: its signing secrets (the key password, OIDC tokens and the
 * credentials to request one) and its own settings ({@code PLUMBLINE_*}). The build's environment
 * never contains them: any process of the build could read them there, and with the token request
 * credentials mint an identity token for the workflow and sign something else under its name.
 */
public final class AgentSecrets {
  /** The private key's password ({@code keygen}, {@code run --key}). */
  public static final String KEY_PASSWORD = "PLUMBLINE_KEY_PASSWORD";
  /** An OIDC token for keyless signing. */
  public static final String SIGSTORE_ID_TOKEN = "SIGSTORE_ID_TOKEN";
  /** GitHub Actions' token service: its URL and the bearer token that lets anyone holding it mint OIDC tokens. */
  public static final String GITHUB_TOKEN_REQUEST_URL = "ACTIONS_ID_TOKEN_REQUEST_URL";
  public static final String GITHUB_TOKEN_REQUEST_TOKEN = "ACTIONS_ID_TOKEN_REQUEST_TOKEN";

  private AgentSecrets() {}

  /** Whether the variable belongs to the agent alone. */
  public static boolean isAgentOnly(String name) {
    return name.startsWith("PLUMBLINE_")
        || name.startsWith("ACTIONS_ID_TOKEN_REQUEST_")
        || name.equals(SIGSTORE_ID_TOKEN);
  }

  /** {@code env} without the agent's own variables: the environment a traced build gets. */
  public static Map<String, String> buildEnvironment(Map<String, String> env) {
    Map<String, String> out = new TreeMap<>();
    env.forEach((name, value) -> {
      if (!isAgentOnly(name)) {
        out.put(name, value);
      }
    });
    return Collections.unmodifiableMap(out);
  }
}
