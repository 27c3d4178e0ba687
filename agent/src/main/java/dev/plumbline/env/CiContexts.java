package dev.plumbline.env;

import dev.plumbline.env.Environment.Ci;
import dev.plumbline.redact.Redaction;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Recognizes the CI system from its environment variables and keeps the ones that describe the run. */
public final class CiContexts {
  static final List<String> GITHUB =
      List.of(
          "GITHUB_REPOSITORY", "GITHUB_SHA", "GITHUB_REF", "GITHUB_WORKFLOW_REF", "GITHUB_RUN_ID",
          "GITHUB_RUN_ATTEMPT", "RUNNER_OS", "RUNNER_ARCH", "RUNNER_ENVIRONMENT", "ImageOS", "ImageVersion",
          "GITHUB_SERVER_URL", "GITHUB_EVENT_NAME", "GITHUB_WORKFLOW", "GITHUB_JOB", "GITHUB_ACTOR",
          "GITHUB_REPOSITORY_ID", "GITHUB_REPOSITORY_OWNER_ID");
  static final List<String> GITLAB =
      List.of(
          "CI_SERVER_URL", "CI_PROJECT_PATH", "CI_PROJECT_ID", "CI_COMMIT_SHA", "CI_COMMIT_REF_NAME",
          "CI_PIPELINE_ID", "CI_PIPELINE_SOURCE", "CI_JOB_ID", "CI_JOB_NAME", "CI_RUNNER_ID",
          "CI_RUNNER_DESCRIPTION", "CI_CONFIG_PATH");
  static final List<String> JENKINS = List.of("JENKINS_URL", "JOB_NAME", "BUILD_NUMBER", "BUILD_URL", "GIT_COMMIT", "GIT_BRANCH");
  static final List<String> GENERIC = List.of("CI", "BUILD_ID", "BUILD_NUMBER", "BUILD_URL");

  private CiContexts() {}

  public static Ci detect(Map<String, String> env) {
    return detect(env, Redaction.builtIn().maskingValuesOf(env));
  }

  /** The CI context, leaving out every variable {@code redaction} calls sensitive. */
  public static Ci detect(Map<String, String> env, Redaction redaction) {
    if ("true".equalsIgnoreCase(env.get("GITHUB_ACTIONS"))) {
      return new Ci("github-actions", pick(env, GITHUB, redaction));
    }
    if ("true".equalsIgnoreCase(env.get("GITLAB_CI"))) {
      return new Ci("gitlab-ci", pick(env, GITLAB, redaction));
    }
    if (env.containsKey("JENKINS_URL")) {
      return new Ci("jenkins", pick(env, JENKINS, redaction));
    }
    String ci = env.get("CI");
    if (ci != null && !ci.isBlank() && !ci.equalsIgnoreCase("false") && !ci.equals("0")) {
      return new Ci("generic", pick(env, GENERIC, redaction));
    }
    return new Ci("none", Map.of());
  }

  /** The named variables that are set, except any whose name or value looks sensitive. */
  private static Map<String, String> pick(Map<String, String> env, List<String> names, Redaction redaction) {
    Map<String, String> out = new TreeMap<>();
    for (String name : names) {
      String value = env.get(name);
      if (value != null && !redaction.isSensitiveVariable(name, value)) {
        out.put(name, value);
      }
    }
    return out;
  }
}
