package dev.plumbline.ci;

import java.util.Map;

/**
 * How the job signs, from the {@code signing} input. {@code auto} signs keyless only for a public
 * repository: a keyless signature puts the workflow's identity (repository, workflow path, ref)
 * into the public Rekor log, which a private repository may not want published; it then signs
 * with the key when one is given, else not at all, and says why in {@link #notice}.
 */
public record Signing(Mode mode, String notice) {
  public enum Mode {
    KEY,
    KEYLESS,
    NONE
  }

  public static Signing choose(ActionInputs in, GithubContext ctx, Map<String, String> env) throws ActionInputs.InputException {
    boolean tokenSource = nonEmpty(env.get("SIGSTORE_ID_TOKEN")) || nonEmpty(env.get("ACTIONS_ID_TOKEN_REQUEST_URL"));
    switch (in.signing()) {
      case "key":
        return new Signing(Mode.KEY, null);
      case "none":
        return new Signing(Mode.NONE, null);
      case "keyless":
        if (!tokenSource) {
          throw new ActionInputs.InputException("signing: keyless needs an OIDC token: give the job 'permissions: id-token: write'");
        }
        return new Signing(Mode.KEYLESS, null);
      default: // auto
        if (!in.key().isBlank()) {
          return new Signing(Mode.KEY, null);
        }
        if (ctx.visibility() != GithubContext.Visibility.PUBLIC) {
          return new Signing(Mode.NONE, "signing: auto did not sign: keyless signing would publish this "
              + (ctx.visibility() == GithubContext.Visibility.PRIVATE ? "private" : "repository's (visibility unknown)")
              + (ctx.visibility() == GithubContext.Visibility.PRIVATE ? " repository's" : "")
              + " workflow identity in the public Rekor log; set signing: keyless to accept that, or signing: key with a key");
        }
        if (!tokenSource) {
          return new Signing(Mode.NONE, "signing: auto did not sign: keyless signing needs 'permissions: id-token: write' on the job");
        }
        return new Signing(Mode.KEYLESS, null);
    }
  }

  private static boolean nonEmpty(String s) {
    return s != null && !s.isBlank();
  }
}
