package dev.plumbline.ci;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * What the runner tells a step through its environment: where things go (workspace, temp, output
 * and summary files) and which repository and workflow run this is. Read once; tests build one
 * from a map.
 */
public record GithubContext(
    Path workspace,
    Path runnerTemp,
    Path outputFile,
    Path summaryFile,
    Path pathFile,
    String serverUrl,
    String repository,
    String workflowRef,
    Visibility visibility,
    boolean inContainer) {

  /** Whether the repository is public, from the event payload ({@code repository.private}/{@code visibility}). */
  public enum Visibility {
    PUBLIC,
    PRIVATE,
    UNKNOWN
  }

  /** GitHub's OIDC issuer for Actions tokens: the issuer of every keyless certificate a job gets. */
  public static final String ACTIONS_ISSUER = "https://token.actions.githubusercontent.com";

  public static GithubContext of(Map<String, String> env) {
    Path workspace = Path.of(or(env.get("GITHUB_WORKSPACE"), System.getProperty("user.dir"))).toAbsolutePath();
    Path temp = Path.of(or(env.get("RUNNER_TEMP"), or(env.get("TMPDIR"), "/tmp"))).toAbsolutePath();
    return new GithubContext(
        workspace,
        temp,
        path(env.get("GITHUB_OUTPUT")),
        path(env.get("GITHUB_STEP_SUMMARY")),
        path(env.get("GITHUB_PATH")),
        or(env.get("GITHUB_SERVER_URL"), "https://github.com"),
        env.get("GITHUB_REPOSITORY"),
        env.get("GITHUB_WORKFLOW_REF"),
        visibility(path(env.get("GITHUB_EVENT_PATH"))),
        detectContainer());
  }

  /** Where the action's files go: one folder under the runner's temp (mounted into container jobs too). */
  public Path outDir() {
    return runnerTemp.resolve("plumbline");
  }

  static Visibility visibility(Path eventFile) {
    if (eventFile == null) {
      return Visibility.UNKNOWN;
    }
    try {
      JsonNode repo = new ObjectMapper().readTree(Files.readAllBytes(eventFile)).path("repository");
      String v = repo.path("visibility").asText("");
      if (v.equals("public")) {
        return Visibility.PUBLIC;
      }
      if (v.equals("private") || v.equals("internal")) {
        return Visibility.PRIVATE;
      }
      JsonNode priv = repo.get("private");
      if (priv != null && priv.isBoolean()) {
        return priv.asBoolean() ? Visibility.PRIVATE : Visibility.PUBLIC;
      }
      return Visibility.UNKNOWN;
    } catch (IOException | RuntimeException e) {
      return Visibility.UNKNOWN;
    }
  }

  /**
   * A {@code container:} job runs steps in a container; the runner tells docker about it, and the
   * kernel's cgroup path or docker's marker file shows it. Used to decide whether sudo can give the
   * agent a separate user (not in containers: the runner's sudo is on the host).
   */
  static boolean detectContainer() {
    if (Files.exists(Path.of("/.dockerenv")) || Files.exists(Path.of("/run/.containerenv"))) {
      return true;
    }
    try {
      String cgroup = Files.readString(Path.of("/proc/1/cgroup"));
      return cgroup.contains("/docker/") || cgroup.contains("/kubepods") || cgroup.contains("/lxc/");
    } catch (IOException | RuntimeException e) {
      return false;
    }
  }

  private static Path path(String s) {
    return s == null || s.isBlank() ? null : Path.of(s);
  }

  private static String or(String s, String dflt) {
    return s == null || s.isBlank() ? dflt : s;
  }
}
