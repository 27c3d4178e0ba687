package dev.plumbline.action;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.plumbline.testing.Processes;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The GitHub Action as a runner would run it (scripts/test-action) and its metadata and example
 * workflows against the published schemas and actionlint (scripts/lint-action). Integration tests:
 * they run after {@code package}, on the shaded jar.
 */
@Tag("needs-ptrace")
@Tag("needs-npm")
// test-action builds the agent with Maven as a runner would: minutes on a loaded machine
@Timeout(value = 15, unit = TimeUnit.MINUTES)
class ActionScriptsIT {
  private static final Path ROOT = Path.of(System.getProperty("plumbline.root", "..")).toAbsolutePath().normalize();

  record Result(int exit, String output) {}

  private static Result run(Path cwd, long timeoutMinutes, String... command) throws IOException, InterruptedException {
    // The runner's own variables would make test-action write into a real job; it creates its own.
    Processes.Result r =
        Processes.run(List.of(command), cwd, Duration.ofMinutes(timeoutMinutes), env -> {
          for (String v : List.of("GITHUB_WORKSPACE", "RUNNER_TEMP", "GITHUB_OUTPUT", "GITHUB_STEP_SUMMARY", "GITHUB_ENV", "GITHUB_PATH")) {
            env.remove(v);
          }
        });
    return new Result(r.exit(), r.output());
  }

  private static String tail(String output) {
    return Processes.tail(output);
  }

  @Test
  void theActionRunsOnTheExampleBuildAndItsBundleVerifies() throws Exception {
    Result r = run(ROOT, 10, ROOT.resolve("scripts/test-action").toString());
    assertEquals(0, r.exit(), () -> "scripts/test-action failed:\n" + tail(r.output()));
    assertTrue(r.output().matches("(?s).*test-action: all \\d+ checks passed.*"), () -> tail(r.output()));
    for (String check : List.of(
        "ok   output record-path names the record",
        "ok   output bundle-path names the bundle",
        "ok   output verdict is verified",
        "ok   plumbline verify accepts the bundle for build/hello",
        "ok   plumbline verify rejects a tampered build/hello",
        "ok   the job summary states the verdict first",
        "ok   the summary of a verified bundle has no 'not verified' warning",
        "ok   the summary shows the user's command, not the shell wrapper",
        "ok   a release tarball pinned by sha256 installs into the tool cache and runs",
        "ok   a release whose sha256 does not match the manifest is refused",
        "ok   the build saw no signing key (environment, RUNNER_TEMP)",
        "ok   a build that breaks the policy gets verdict rejected",
        "ok   the summary opens with REJECTED and the failed rule",
        "ok   a destination outside the allowlist is a warning in audit mode",
        "ok   the summary offers the learned allowed-endpoints block",
        "ok   the attestation has three step sections, in order",
        "ok   plumbline verify accepts the job's attestation",
        "ok   a subject given by name and digest is signed and verified",
        "ok   plumbline verify accepts the bundle for the named subject's digest",
        "ok   show-summary: false writes no job summary",
        "ok   a malformed subject-digest is one error line and the build does not run")) {
      assertTrue(r.output().contains(check), () -> "missing '" + check + "' in\n" + tail(r.output()));
    }
  }

  @Test
  void theActionAndTheExampleWorkflowsAreValid() throws Exception {
    Result r = run(ROOT, 5, ROOT.resolve("scripts/lint-action").toString());
    assertEquals(0, r.exit(), () -> "scripts/lint-action found problems:\n" + tail(r.output()));
    List<Path> expected = new ArrayList<>();
    expected.add(ROOT.resolve("action/action.yml"));
    try (var files = Files.list(ROOT.resolve("examples/workflows"))) {
      files.filter(f -> f.toString().endsWith(".yml")).forEach(expected::add);
    }
    assertTrue(expected.size() >= 5, "the action and at least four example workflows");
    for (Path f : expected) {
      assertTrue(r.output().contains("ok   " + f), () -> "not reported valid: " + f + "\n" + r.output());
    }
  }

  @Test
  void theExamplePoliciesLoadAndEvaluateARealRecord() throws Exception {
    Path record = Path.of(ActionScriptsIT.class.getResource("/action/hello-c-record.json").toURI());
    List<Path> policies;
    try (var files = Files.list(ROOT.resolve("examples/policies"))) {
      policies = files.filter(f -> f.toString().endsWith(".yaml")).sorted().toList();
    }
    assertTrue(policies.size() >= 2, "at least two example policies");
    for (Path policy : policies) {
      Result r = run(ROOT, 2, "java", "-jar", ROOT.resolve("agent/target/plumbline.jar").toString(),
          "policy", "check", "--policy", policy.toString(), "--record", record.toString());
      // 0 passed or 1 violations (signer rules cannot pass on an unsigned record); 2 = the policy did not load
      assertTrue(r.exit() == 0 || r.exit() == 1, () -> policy + ": exit " + r.exit() + "\n" + r.output());
      assertTrue(r.output().contains("trace.requireComplete"), () -> policy + " was not evaluated:\n" + r.output());
    }
  }

  @Test
  void theLintersRejectABrokenActionAndWorkflow(@TempDir Path dir) throws Exception {
    Path action = dir.resolve("action.yml");
    Files.writeString(action, Files.readString(ROOT.resolve("action/action.yml")).replace("runs:\n", "runz: 1\nruns:\n"));
    Path workflow = dir.resolve("broken.yml");
    Files.writeString(workflow, String.join("\n",
        "on: push",
        "jobs:",
        "  build:",
        "    runs-on: ubuntu-latest",
        "    steps:",
        "      - run: echo ${{ steps.nope.outputs.x }}",
        ""));
    Result r = run(ROOT, 5, ROOT.resolve("scripts/lint-action").toString(), action.toString(), workflow.toString());
    assertEquals(1, r.exit(), r.output());
    assertTrue(r.output().contains("FAIL " + action) && r.output().contains("'runz'"), r.output());
    assertTrue(r.output().contains("FAIL " + workflow) && r.output().contains("actionlint"), r.output());
  }
}
