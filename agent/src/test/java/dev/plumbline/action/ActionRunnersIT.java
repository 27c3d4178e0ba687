package dev.plumbline.action;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.plumbline.testing.Processes;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The action on the runners it meets besides a plain one (scripts/test-action, as root): a
 * container job whose image has no Java, installing the built tarball as a pinned release; a
 * hosted runner whose user has passwordless sudo (separate-user mode), also against a build that
 * attacks the root-owned agent; an Alpine (musl) image.
 * Integration tests: they need the tarball {@code mvn package} makes.
 */
@Tag("needs-root")
@Tag("needs-ptrace")
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class ActionRunnersIT {
  private static final Path ROOT = Path.of(System.getProperty("plumbline.root", "..")).toAbsolutePath().normalize();

  private static String scenario(String name) throws Exception {
    // the runner's own variables would make test-action write into a real job; it creates its own
    Processes.Result r = Processes.run(List.of(ROOT.resolve("scripts/test-action").toString(), "--scenario", name), ROOT,
        Duration.ofMinutes(8), env -> {
          for (String v : List.of("GITHUB_WORKSPACE", "RUNNER_TEMP", "GITHUB_OUTPUT", "GITHUB_STEP_SUMMARY", "GITHUB_ENV", "GITHUB_PATH")) {
            env.remove(v);
          }
        });
    assertEquals(0, r.exit(), () -> "scripts/test-action --scenario " + name + " failed:\n" + Processes.tail(r.output()));
    assertTrue(r.output().matches("(?s).*test-action: all \\d+ checks passed.*"), () -> Processes.tail(r.output()));
    return r.output();
  }

  private static void has(String output, String... checks) {
    for (String check : checks) {
      assertTrue(output.contains("ok   " + check), () -> "missing 'ok   " + check + "' in\n" + Processes.tail(output));
    }
  }

  @Test
  void aContainerJobWithoutJavaInstallsThePinnedReleaseAndVerifies() throws Exception {
    has(scenario("container"),
        "the container's root filesystem has no java",
        "in a root filesystem without Java the released tarball installs, traces, signs and verifies",
        "the release was downloaded once, from the pinned URL",
        "plumbline verify (outside) accepts the container job's bundle",
        "a cached release is used without downloading it again",
        "the cached agent also runs without its CDS archive (PLUMBLINE_CDS=0)",
        "a release whose sha256 is not the pinned one is refused in one line and not unpacked");
  }

  @Test
  void onARunnerWithSudoTheBuildRunsAsTheRunnerUserAndCannotReadTheKey() throws Exception {
    has(scenario("sudo"),
        "on a runner with sudo the action traces, signs and verifies with the agent as root",
        "sudo works inside the build, which runs as the runner user",
        "the build, as the runner user, could not read the key",
        "the record's trust level is separate-user",
        "the record marks the privilege gain by sudo",
        "the summary states the separate user, the trust level and the privilege gain",
        "with version: source and sudo, the checkout's launcher, jar, class lists and JNA library are copied root-owned, named by their digest",
        "with sudo, job: start's plumbline-shell runs the root-owned copy");
  }

  /**
   * Issue 10 item 5 in separate-user mode: the build (the runner's user) overwrites, renames,
   * removes, links and re-modes every file and folder of the root-owned agent and plants
   * class-data archives in ~/.cache/plumbline and the tool cache (with a stub release there); its
   * own step and a later step of the job still run the genuine agent. docs/threat-model.md cites this.
   */
  @Test
  void onARunnerWithSudoABuildCannotChangeTheAgentThatSignsItOrLaterSteps() throws Exception {
    has(scenario("sudo-attack"),
        "separate-user mode: the honest build is traced by the root-owned agent and rejected by the policy",
        "the agent is installed root-owned with no group or other write (a folder per tarball sha256)",
        "the root agent made its class-data archive in the root-owned copy",
        "the attack ran as the runner's user over every file of the installed agent and planted two archives",
        "no write, rename, removal, link or mode change of the installed agent succeeded",
        "the installed agent and its archive are unchanged after the attack",
        "no stub ran after the build",
        "the attacked step's outputs are the honest run's (rejected)",
        "the attacked step's summary opens with the honest verdict; the build's lines follow under their own heading",
        "no process mapped a file planted in ~/.cache/plumbline or the tool cache",
        "a later step runs the genuine agent: outputs as in the honest run",
        "a later step's summary equals the honest run's (digests, times and counts aside)",
        "a later step's agent maps the root-owned archive, none planted");
  }

  @Test
  void anAlpineImageGetsOneLineSayingWhatToDo() throws Exception {
    has(scenario("musl"), "an Alpine (musl) image gets one line saying what to do");
  }
}
