package dev.plumbline.sigstore;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.plumbline.redact.AgentSecrets;
import java.io.IOException;
import java.time.Clock;
import java.util.Map;
import okhttp3.HttpUrl;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;

/**
 * Finds the OIDC identity token for keyless signing, in this order: the one given explicitly
 * ({@code --identity-token}), {@code SIGSTORE_ID_TOKEN}, then GitHub Actions' token service
 * ({@code ACTIONS_ID_TOKEN_REQUEST_URL} + {@code ACTIONS_ID_TOKEN_REQUEST_TOKEN}, audience
 * {@code sigstore}). The environment is a parameter so tests feed their own.
 */
public final class IdentityTokens {
  public static final String ENV_TOKEN = AgentSecrets.SIGSTORE_ID_TOKEN;
  public static final String GH_URL = AgentSecrets.GITHUB_TOKEN_REQUEST_URL;
  public static final String GH_BEARER = AgentSecrets.GITHUB_TOKEN_REQUEST_TOKEN;
  public static final String AUDIENCE = "sigstore";

  private IdentityTokens() {}

  public static IdentityToken resolve(String explicit, Map<String, String> env, OkHttpClient http, Clock clock)
      throws SigstoreException {
    IdentityToken token;
    if (explicit != null && !explicit.isBlank()) {
      token = IdentityToken.parse(explicit);
    } else if (nonEmpty(env.get(ENV_TOKEN))) {
      token = IdentityToken.parse(env.get(ENV_TOKEN));
    } else if (nonEmpty(env.get(GH_URL)) && nonEmpty(env.get(GH_BEARER))) {
      token = IdentityToken.parse(fromGithubActions(env.get(GH_URL), env.get(GH_BEARER), http));
    } else if (nonEmpty(env.get("GITHUB_ACTIONS"))) {
      throw new SigstoreInputException(
          "no OIDC token: this GitHub Actions job lacks 'permissions: id-token: write' (ACTIONS_ID_TOKEN_REQUEST_URL is unset)");
    } else {
      throw new SigstoreInputException(
          "no OIDC identity token: pass --identity-token, set " + ENV_TOKEN + ", or run in GitHub Actions with 'permissions: id-token: write'");
    }
    if (token.expiry() != null && !token.expiry().isAfter(clock.instant())) {
      throw new SigstoreInputException("identity token from " + token.issuer() + " expired at " + token.expiry());
    }
    return token;
  }

  /**
   * The environment to give a build that the agent signs keyless: without the token sources, so
   * nothing in the traced tree can obtain the identity the attestation will be signed with (a
   * GitHub Actions request token lets any process mint an OIDC token for the workflow).
   */
  public static Map<String, String> withoutTokenSources(Map<String, String> env) {
    Map<String, String> out = new java.util.HashMap<>(env);
    out.keySet().removeAll(java.util.Set.of(ENV_TOKEN, GH_URL, GH_BEARER));
    return java.util.Collections.unmodifiableMap(out);
  }

  /** Fails now, before a build runs, when no token source is there at all or the given token is unusable. */
  public static void requireSource(String explicit, Map<String, String> env, Clock clock) throws SigstoreInputException {
    String given = explicit != null && !explicit.isBlank() ? explicit : nonEmpty(env.get(ENV_TOKEN)) ? env.get(ENV_TOKEN) : null;
    if (given != null) {
      // a token given up front is checked up front: a malformed or expired one fails before the build
      IdentityToken token = IdentityToken.parse(given);
      if (token.expiry() != null && !token.expiry().isAfter(clock.instant())) {
        throw new SigstoreInputException("identity token from " + token.issuer() + " expired at " + token.expiry());
      }
      return;
    }
    if (nonEmpty(env.get(GH_URL)) && nonEmpty(env.get(GH_BEARER))) {
      return;
    }
    if (nonEmpty(env.get("GITHUB_ACTIONS"))) {
      throw new SigstoreInputException(
          "no OIDC token: this GitHub Actions job lacks 'permissions: id-token: write' (ACTIONS_ID_TOKEN_REQUEST_URL is unset)");
    }
    throw new SigstoreInputException(
        "no OIDC identity token: pass --identity-token, set " + ENV_TOKEN + ", or run in GitHub Actions with 'permissions: id-token: write'");
  }

  static String fromGithubActions(String requestUrl, String bearer, OkHttpClient http) throws SigstoreException {
    HttpUrl url = HttpUrl.parse(requestUrl);
    if (url == null) {
      throw new SigstoreInputException(GH_URL + " is not a URL");
    }
    Request request = new Request.Builder()
        .url(url.newBuilder().setQueryParameter("audience", AUDIENCE).build())
        .header("Authorization", "Bearer " + bearer)
        .header("Accept", "application/json; api-version=2.0")
        .build();
    try (Response response = http.newCall(request).execute()) {
      if (!response.isSuccessful()) {
        throw new SigstoreException("GitHub Actions token service answered HTTP " + response.code());
      }
      JsonNode json = new ObjectMapper().readTree(response.body().byteStream());
      String value = json.path("value").asText("");
      if (value.isEmpty()) {
        throw new SigstoreException("GitHub Actions token service returned no token ('value')");
      }
      return value;
    } catch (IOException e) {
      throw new SigstoreException("could not reach the GitHub Actions token service: " + e.getMessage(), e);
    }
  }

  private static boolean nonEmpty(String s) {
    return s != null && !s.isBlank();
  }
}
