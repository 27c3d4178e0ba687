package dev.plumbline.trust;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.plumbline.testing.Trees;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The GitHub Action against a hostile build, as a hosted runner runs it: everything as one
 * unprivileged user (nobody), the agent a pinned release installed into a tool cache that user
 * owns (so the build can write the launcher, the jar, the Java runtime and the class-data archive),
 * the action's own folder owned by that user too, the signing key given as the {@code key} input
 * and {@code ACTIONS_ID_TOKEN_REQUEST_*} in every step's environment. The runner is
 * scripts/test-action's interpreter of action.yml; like the real runner it holds the secrets in
 * its memory, not in its own environment.
 *
 * <p>The policy rejects every build (a signer key nobody has), so a spoofed verdict would show.
 * The attack (a) scans /proc/*&#47;{environ,cmdline,fd/*} of every process it can see and copies
 * every file named on a command line, under the action, the tool cache and RUNNER_TEMP; (b)
 * overwrites in place every file of those it can write with a stub that prints VERIFIED and writes
 * {@code verdict=verified}, and appends a verified verdict to the step's output and summary files.
 * Nothing secret is found; the step's outputs are those of the honest run, and its summary opens
 * with the honest verdict. docs/threat-model.md cites this.
 */
@Tag("needs-ptrace")
@Tag("needs-root")
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class ActionSpoofIT {
  static final Path ROOT = TrustBoundaryIT.ROOT;
  static final ObjectMapper JSON = new ObjectMapper();
  static Path dir;

  @BeforeAll
  static void workDirectory() throws Exception {
    TrustBoundaryIT.requireRoot();
    dir = Files.createTempDirectory("plumbline-spoof-");
    Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
  }

  @AfterAll
  static void cleanUp() throws IOException {
    Trees.delete(dir);
  }

  /** The runner: scripts/test-action's interpreter, with the secrets read from a file it deletes (held in memory only). */
  static final String DRIVER = String.join("\n",
      "import importlib.machinery, importlib.util, json, os, sys",
      "spec = importlib.util.spec_from_loader('ta', importlib.machinery.SourceFileLoader('ta', sys.argv[1]))",
      "ta = importlib.util.module_from_spec(spec); spec.loader.exec_module(ta)",
      "action, workspace, temp, summary, secrets_file, inputs_file, result = sys.argv[2:9]",
      "secrets = json.load(open(secrets_file)); os.unlink(secrets_file)",
      "inputs = json.load(open(inputs_file))",
      "inputs['key'] = secrets.pop('key')",
      "env = dict(os.environ); env.update(secrets)",
      "runner = ta.Runner(action, workspace, temp, summary, env)",
      "status, outputs = runner.run(inputs)",
      "json.dump({'status': status, 'outputs': outputs, 'transcript': runner.transcript}, open(result, 'w'))",
      "");

  /** (a) the scan and the copies, (b) the stubs, in place, over every file it can write. */
  static final String ATTACK = String.join("\n",
      "set +e +o pipefail",
      "loot=$HOME/loot; mkdir -p \"$loot\"",
      "for p in /proc/[0-9]*; do",
      "  pid=${p#/proc/}",
      "  cat \"$p/environ\" > \"$loot/$pid.environ\" 2>/dev/null || rm -f \"$loot/$pid.environ\"",
      "  cat \"$p/cmdline\" > \"$loot/$pid.cmdline\" 2>/dev/null || rm -f \"$loot/$pid.cmdline\"",
      "  for f in \"$p\"/fd/*; do",
      "    [ -f \"$f\" ] || continue",
      "    timeout 1 cat \"$f\" > \"$loot/$pid.fd.${f##*/}\" 2>/dev/null",
      "  done",
      "  tr '\\0' '\\n' < \"$p/cmdline\" 2>/dev/null | while IFS= read -r a; do",
      "    case \"$a\" in /*) [ -f \"$a\" ] && cp \"$a\" \"$loot/$pid.file$(echo \"$a\" | tr / _)\" 2>/dev/null ;; esac",
      "  done",
      "done",
      "env > \"$loot/self.env\"",
      "mkdir -p \"$loot/files\"",
      "find \"$GITHUB_ACTION_PATH\" \"$RUNNER_TEMP\" -type f -size -2M 2>/dev/null | while IFS= read -r f; do",
      "  cp \"$f\" \"$loot/files/$(echo \"$f\" | tr / _)\" 2>/dev/null",
      "done",
      "stub='#!/bin/sh\necho VERIFIED\n[ -n \"$GITHUB_OUTPUT\" ] && echo verdict=verified >> \"$GITHUB_OUTPUT\"\nexit 0\n'",
      "n=0",
      "for top in \"$GITHUB_ACTION_PATH\" \"$RUNNER_TOOL_CACHE\" \"$RUNNER_TEMP\"; do",
      "  find \"$top\" -type f \\( -writable -o -user \"$(id -u)\" \\) 2>/dev/null | while IFS= read -r f; do",
      "    case \"$f\" in \"$GITHUB_OUTPUT\"|\"$GITHUB_STEP_SUMMARY\"|\"$GITHUB_ENV\"|\"$GITHUB_PATH\") continue ;; esac",
      "    chmod u+w \"$f\" 2>/dev/null",
      "    printf \"$stub\" > \"$f\" && echo \"$f\" >> \"$loot/overwritten\"",
      "  done",
      "done",
      "printf 'verdict=verified\\nbundle-path=/dev/null\\n' >> \"$GITHUB_OUTPUT\"",
      "printf '## ✅ Plumbline: verified\\n\\nspoofed by the build\\n' >> \"$GITHUB_STEP_SUMMARY\"",
      "echo overwritten: $(wc -l < \"$loot/overwritten\")",
      "exit 0");

  record ActionRun(int status, Map<String, String> outputs, List<String> transcript, String summary, Path temp, Path toolCache) {}

  static Path nobodyDir(Path d) throws IOException {
    Files.createDirectories(d);
    Files.setAttribute(d, "unix:uid", TrustBoundaryIT.NOBODY);
    Files.setAttribute(d, "unix:gid", TrustBoundaryIT.NOBODY);
    return d;
  }

  static void chownTree(Path top) throws IOException {
    try (Stream<Path> walk = Files.walk(top)) {
      for (Path p : walk.toList()) {
        Files.setAttribute(p, "unix:uid", TrustBoundaryIT.NOBODY, java.nio.file.LinkOption.NOFOLLOW_LINKS);
        Files.setAttribute(p, "unix:gid", TrustBoundaryIT.NOBODY, java.nio.file.LinkOption.NOFOLLOW_LINKS);
      }
    }
  }

  static void rootTree(Path top) throws IOException {
    try (Stream<Path> walk = Files.walk(top)) {
      for (Path p : walk.toList()) {
        Files.setAttribute(p, "unix:uid", 0, java.nio.file.LinkOption.NOFOLLOW_LINKS);
        Files.setAttribute(p, "unix:gid", 0, java.nio.file.LinkOption.NOFOLLOW_LINKS);
      }
    }
  }

  static Path releaseTarball() throws IOException {
    try (Stream<Path> files = Files.list(ROOT.resolve("agent/target"))) {
      return files.filter(f -> f.getFileName().toString().matches("plumbline-.*-linux-x86_64\\.tar\\.gz")).findFirst()
          .orElseThrow(() -> new AssertionError("agent/target has no release tarball: run mvn package first"));
    }
  }

  /** One run of the action, as nobody, with its own runner temp, summary, and tool cache. */
  static ActionRun runAction(String name, Map<String, String> inputs, Map<String, String> secrets, Path sharedToolCache)
      throws Exception {
    Path tarball = releaseTarball();
    String sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(tarball)));
    Path base = nobodyDir(dir.resolve(name));
    Path action = base.resolve("action");
    copyTree(ROOT.resolve("action"), action);
    Files.writeString(action.resolve("releases.txt"), "9.9.9-test file://" + tarball + " " + sha + "\n",
        java.nio.file.StandardOpenOption.APPEND);
    Path home = nobodyDir(base.resolve("home"));
    Path temp = nobodyDir(base.resolve("runner-temp"));
    Path toolCache = sharedToolCache != null ? sharedToolCache : nobodyDir(base.resolve("tool-cache"));
    Path workspace = nobodyDir(base.resolve("workspace"));
    Files.writeString(workspace.resolve("policy.yaml"), String.join("\n",
        "apiVersion: plumbline.dev/v1",
        "kind: BuildPolicy",
        "metadata:",
        "  name: nobody-signs",
        "signer:",
        "  keyFingerprints:",
        "    - 'sha256:" + "0".repeat(64) + "'",
        ""));
    Path summary = temp.resolve("step-summary.md");
    Files.writeString(summary, "");
    Path driver = base.resolve("driver.py");
    Files.writeString(driver, DRIVER);
    Path secretsFile = base.resolve("secrets.json");
    Files.writeString(secretsFile, JSON.writeValueAsString(secrets));
    Path inputsFile = base.resolve("inputs.json");
    Files.writeString(inputsFile, JSON.writeValueAsString(inputs));
    Path result = base.resolve("result.json");
    chownTree(base);
    if (sharedToolCache != null) { // the agent and the action where the build cannot write: root's
      rootTree(sharedToolCache);
      rootTree(action);
    }

    List<String> cmd = new ArrayList<>(List.of("setpriv", "--reuid=" + TrustBoundaryIT.NOBODY, "--regid=" + TrustBoundaryIT.NOBODY,
        "--clear-groups", "--", "/usr/bin/python3", driver.toString(), ROOT.resolve("scripts/test-action").toString(),
        action.toString(), workspace.toString(), temp.toString(), summary.toString(), secretsFile.toString(),
        inputsFile.toString(), result.toString()));
    ProcessBuilder pb = new ProcessBuilder(cmd).directory(workspace.toFile()).redirectErrorStream(true)
        .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
    pb.environment().clear();
    pb.environment().putAll(Map.of("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "HOME", home.toString(), "LANG", "C.UTF-8",
        "CI", "true", "GITHUB_ACTIONS", "true", "RUNNER_TOOL_CACHE", toolCache.toString()));
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(8, TimeUnit.MINUTES), out);
    assertTrue(Files.isRegularFile(result), "the runner finished: exit " + p.exitValue() + "\n" + out);
    JsonNode r = JSON.readTree(result.toFile());
    Map<String, String> outputs = new java.util.TreeMap<>();
    r.path("outputs").fields().forEachRemaining(e -> outputs.put(e.getKey(), e.getValue().asText()));
    List<String> transcript = new ArrayList<>();
    r.path("transcript").forEach(l -> transcript.add(l.asText()));
    return new ActionRun(r.path("status").asInt(), outputs, transcript, Files.readString(summary), temp, toolCache);
  }

  static void copyTree(Path from, Path to) throws IOException {
    try (Stream<Path> walk = Files.walk(from)) {
      for (Path p : walk.toList()) {
        Path target = to.resolve(from.relativize(p).toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(target);
        } else {
          Files.copy(p, target, java.nio.file.StandardCopyOption.COPY_ATTRIBUTES);
        }
      }
    }
  }

  static final String STUB_RAN = "VERIFIED";

  @Test
  void aBuildThatOverwritesTheActionAndTheAgentDoesNotChangeTheVerdict() throws Exception {
    Path keys = Files.createDirectories(dir.resolve("keys"));
    Process kg = new ProcessBuilder(ROOT.resolve("scripts/plumbline").toString(), "keygen", "--prefix", keys.resolve("k").toString())
        .redirectErrorStream(true).start();
    String kgOut = new String(kg.getInputStream().readAllBytes());
    assertEquals(0, kg.waitFor(), kgOut);
    String pem = Files.readString(keys.resolve("k.key"));
    String requestToken = "request-token-" + UUID.randomUUID();
    String requestUrl = "http://127.0.0.1:9/token-" + UUID.randomUUID();
    Map<String, String> secrets = Map.of("key", pem, "ACTIONS_ID_TOKEN_REQUEST_TOKEN", requestToken,
        "ACTIONS_ID_TOKEN_REQUEST_URL", requestUrl);
    Map<String, String> inputs = new java.util.HashMap<>(Map.of("version", "9.9.9-test", "signing", "key",
        "policy", "policy.yaml", "egress-policy", "block", "subject-path", "out.txt"));
    List<String> forbidden = new ArrayList<>(List.of(requestToken, requestUrl));
    pem.lines().filter(l -> !l.startsWith("-----") && !l.isBlank()).forEach(forbidden::add);

    inputs.put("run", "echo product > out.txt");
    ActionRun honest = runAction("honest", inputs, secrets, null);
    assertEquals("rejected", honest.outputs().get("verdict"), honest.outputs() + "\n" + String.join("\n", honest.transcript()));
    assertEquals(1, honest.status(), String.join("\n", honest.transcript()));
    String honestFirst = honest.summary().lines().filter(l -> !l.isBlank()).findFirst().orElse("");
    assertTrue(honestFirst.contains("REJECTED") || honestFirst.toLowerCase(java.util.Locale.ROOT).contains("rejected"), honest.summary());

    // 1. the agent and the action installed where the build cannot write (root's, as separate-user mode
    // installs them): the build can only write RUNNER_TEMP and the step's own files; the result is the honest one
    inputs.put("run", "echo product > out.txt\n" + ATTACK);
    ActionRun guarded = runAction("guarded", inputs, secrets, honest.toolCache());
    String transcript = String.join("\n", guarded.transcript());
    Path loot = attacked("guarded", transcript);
    noSecretIn(loot, forbidden);
    assertFalse(transcript.lines().anyMatch(l -> l.strip().equals(STUB_RAN)), "a stub ran after the build:\n" + transcript);
    assertEquals(honest.status(), guarded.status(), transcript);
    assertEquals(normalized(honest), normalized(guarded), transcript);
    List<String> lines = guarded.summary().lines().filter(l -> !l.isBlank()).toList();
    assertEquals(honestFirst, lines.isEmpty() ? "" : lines.get(0), "the summary opens with the honest verdict:\n" + guarded.summary());
    assertTrue(guarded.summary().contains("Written to this step's summary by the build, not by Plumbline"), guarded.summary());

    // 2. everything the runner's user owns (a tool cache of the same user): the build overwrites the launcher,
    // the jar and the Java runtime under the running agent. It can make the agent fail (no verdict), never say verified.
    ActionRun same = runAction("same-user", inputs, secrets, null);
    String sameTranscript = String.join("\n", same.transcript());
    Path sameLoot = attacked("same-user", sameTranscript);
    noSecretIn(sameLoot, forbidden);
    assertFalse(sameTranscript.lines().anyMatch(l -> l.strip().equals(STUB_RAN)), "a stub ran after the build:\n" + sameTranscript);
    assertTrue(same.status() != 0, sameTranscript);
    String verdict = same.outputs().getOrDefault("verdict", "");
    assertTrue(verdict.isEmpty() || verdict.equals("error"), "no verdict or error, not " + verdict + "\n" + sameTranscript);
    assertFalse(same.summary().toLowerCase(java.util.Locale.ROOT).contains("plumbline: verified"), same.summary());
    if (verdict.equals("error")) {
      assertTrue(same.summary().contains("modified the agent's own files"), same.summary());
    }
  }

  /** The attack ran and overwrote what it could; its loot folder. */
  static Path attacked(String name, String transcript) throws IOException {
    Path loot = dir.resolve(name).resolve("home/loot");
    assertTrue(Files.isRegularFile(loot.resolve("self.env")) && Files.readString(loot.resolve("self.env")).contains("RUNNER_TEMP="),
        "the attack ran:\n" + transcript);
    assertTrue(Files.isRegularFile(loot.resolve("overwritten")), "the attack overwrote files:\n" + transcript);
    return loot;
  }

  static void noSecretIn(Path loot, List<String> forbidden) throws IOException {
    try (Stream<Path> files = Files.walk(loot)) {
      for (Path f : files.filter(Files::isRegularFile).toList()) {
        String content = new String(Files.readAllBytes(f), StandardCharsets.ISO_8859_1);
        for (String secret : forbidden) {
          assertFalse(content.contains(secret), "the build found a secret in " + f.getFileName());
        }
      }
    }
  }

  /** The outputs as the runner sees them, with the run's own folder replaced by a placeholder. */
  static Map<String, String> normalized(ActionRun run) {
    Map<String, String> out = new java.util.TreeMap<>();
    run.outputs().forEach((k, v) -> out.put(k, v.replace(run.temp().getParent().toString(), "<run>")));
    return out;
  }
}
