package dev.plumbline.ci;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.plumbline.sign.Keys;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Clock;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GithubActionTest {
  @TempDir Path dir;

  private Map<String, String> env(String... inputs) throws Exception {
    Map<String, String> env = new HashMap<>(ActionInputsTest.env(inputs));
    Files.createDirectories(dir.resolve("ws"));
    env.put("GITHUB_WORKSPACE", dir.resolve("ws").toString());
    env.put("RUNNER_TEMP", dir.resolve("temp").toString());
    env.put("GITHUB_OUTPUT", dir.resolve("output").toString());
    env.put("GITHUB_STEP_SUMMARY", dir.resolve("summary.md").toString());
    env.put("PATH", "/usr/bin:/bin");
    return env;
  }

  @Test
  void aKeySecretIsLoadedBeforeTheBuildAndNeverReachesItsEnvironmentOrArguments() throws Exception {
    KeyPair pair = Keys.generateP256();
    String pem = Keys.privateKeyPem(pair.getPrivate(), null);
    GithubAction.Plan plan = GithubAction.prepare(env("run", "make", "signing", "key", "key", pem,
        "egress-policy", "block", "allowed-endpoints", "deb.debian.org:443", "subject-path", "dist/*", "deny-unix", "/var/run/docker.sock",
        "allow-unix", "/run/nscd/socket"));
    assertNotNull(plan.presetSigner());
    assertTrue(plan.buildEnvironment().keySet().stream().noneMatch(k -> k.startsWith("PLUMBLINE_INPUT_")), plan.buildEnvironment().toString());
    assertFalse(plan.buildEnvironment().values().stream().anyMatch(v -> v.contains("PRIVATE KEY")));
    assertFalse(String.join(" ", plan.runArguments()).contains("PRIVATE KEY"));
    Path temp = dir.resolve("temp/plumbline");
    assertEquals(List.of("run", "--record", temp.resolve("build.json").toString(), "--egress", "block",
        "--allow", "deb.debian.org:443", "--deny-unix", "/var/run/docker.sock", "--allow-unix", "/run/nscd/socket", "--subject", "dist/*",
        "--bundle", temp.resolve("plumbline.sigstore.json").toString(), "--", "bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", "make"),
        plan.runArguments());
  }

  @Test
  void withABuildUserTheBuildRunsAsThatUserAndTheSummarySaysSo() throws Exception {
    GithubAction.Plan plan = GithubAction.prepare(env("run", "make", "signing", "none"), "runner");
    int at = plan.runArguments().indexOf("--user");
    assertTrue(at > 0 && plan.runArguments().get(at + 1).equals("runner") && at < plan.runArguments().indexOf("--"), plan.runArguments().toString());
    assertTrue(GithubAction.facts(plan).buildUser().startsWith("runner, separate from the agent"));
    GithubAction.Plan same = GithubAction.prepare(env("run", "make", "signing", "none"));
    assertFalse(same.runArguments().contains("--user"));
    assertTrue(GithubAction.facts(same).buildUser().startsWith("same user as the agent"));
  }

  @Test
  void problemsKnowableBeforeTheBuildAreReportedBeforeIt() throws Exception {
    assertTrue(assertThrows(ActionInputs.InputException.class,
        () -> GithubAction.prepare(env("run", "make", "working-directory", "nope"))).getMessage().startsWith("working-directory 'nope' does not exist"));
    assertTrue(assertThrows(ActionInputs.InputException.class,
        () -> GithubAction.prepare(env("run", "make", "policy", "missing.yaml"))).getMessage().startsWith("policy: "));
    assertTrue(assertThrows(ActionInputs.InputException.class,
        () -> GithubAction.prepare(env("run", "make", "signing", "key", "key", "-----BEGIN PRIVATE KEY-----\nnot a key\n-----END PRIVATE KEY-----\n")))
        .getMessage().startsWith("key: "));
  }

  @Test
  void withoutARecordTheVerdictIsNoRecordAndTheStepFails() throws Exception {
    GithubAction.Plan plan = GithubAction.prepare(env("run", "make", "signing", "none"));
    GithubAction.Result r = GithubAction.finish(plan, 0, Clock.systemUTC());
    assertEquals(ActionVerdict.NO_RECORD, r.verdict());
    assertEquals(1, r.exitCode());
    String outputs = Files.readString(dir.resolve("output"));
    assertTrue(outputs.contains("verdict<<PLUMBLINE_") && outputs.contains("\nno-record\n"), outputs);
    assertTrue(Files.readString(dir.resolve("summary.md")).startsWith("## ❌ Plumbline: no build record"));
  }

  @Test
  void aSubjectByNameAndDigestIsPassedToRunAndIgnoredWithANoticeWhenUnsigned() throws Exception {
    KeyPair pair = Keys.generateP256();
    String digest = "sha256:" + "ab".repeat(32);
    GithubAction.Plan plan = GithubAction.prepare(env("run", "make", "signing", "key", "key", Keys.privateKeyPem(pair.getPrivate(), null),
        "subject-name", "ghcr.io/acme/app", "subject-digest", digest));
    int at = plan.runArguments().indexOf("--subject-digest");
    assertTrue(at > 0 && at < plan.runArguments().indexOf("--"), plan.runArguments().toString());
    assertEquals("ghcr.io/acme/app@" + digest, plan.runArguments().get(at + 1));
    assertFalse(plan.runArguments().contains("--subject"));
    GithubAction.Plan unsigned = GithubAction.prepare(env("run", "make", "signing", "none", "subject-name", "app", "subject-digest", digest));
    assertFalse(unsigned.runArguments().contains("--subject-digest"));
    assertEquals(List.of("subject-digest is ignored: the build is not signed"), unsigned.notices());
  }
}
