package dev.plumbline.ci;

import java.util.regex.Pattern;

/**
 * The certificate identity of a GitHub Actions workflow, for {@code verify --github-repository
 * OWNER/REPO [--github-workflow PATH] [--github-ref REF]}: GitHub's Fulcio certificates name the
 * workflow file that ran ({@code https://github.com/OWNER/REPO/.github/workflows/FILE@REF}; for a
 * reusable workflow, the called one, which is what {@code OWNER/REPO} then names).
 */
public final class GithubIdentity {
  private GithubIdentity() {}

  /** A whole-match regular expression for the identity; thrown messages name the option. */
  public static String regexp(String serverUrl, String repository, String workflow, String ref) {
    if (repository == null || !repository.matches("[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+")) {
      throw new IllegalArgumentException("--github-repository must be OWNER/REPO, not '" + repository + "'");
    }
    String path;
    if (workflow == null) {
      path = Pattern.quote("/.github/workflows/") + "[^@]+";
    } else {
      String w = workflow.startsWith(".github/workflows/") ? workflow : ".github/workflows/" + workflow;
      if (w.contains("@") || w.contains("..") || !(w.endsWith(".yml") || w.endsWith(".yaml"))) {
        throw new IllegalArgumentException("--github-workflow must be a workflow file (build.yml or .github/workflows/build.yml), not '" + workflow + "'");
      }
      path = Pattern.quote("/" + w);
    }
    String refPart;
    if (ref == null) {
      refPart = ".+";
    } else {
      if (!ref.startsWith("refs/")) {
        throw new IllegalArgumentException("--github-ref must be a full ref (refs/heads/main, refs/tags/v1.0), not '" + ref + "'");
      }
      refPart = Pattern.quote(ref);
    }
    String server = serverUrl == null ? "https://github.com" : serverUrl.replaceAll("/+$", "");
    return Pattern.quote(server + "/" + repository) + path + "@" + refPart;
  }
}
