package dev.plumbline.env;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.plumbline.env.Environment.Toolchain;
import dev.plumbline.redact.SecretNames;
import dev.plumbline.redact.TokenFormats;
import dev.plumbline.testing.Records;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EnvironmentCollectorTest {
  @TempDir Path root;

  private Path file(String relative, String content) throws Exception {
    Path p = root.resolve(relative);
    Files.createDirectories(p.getParent());
    return Files.writeString(p, content);
  }

  @Test
  void readsOsKernelAndArchFromTheRoot() throws Exception {
    file("etc/os-release", "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nNAME=\"Debian GNU/Linux\"\nVERSION_ID=\"12\"\nID=debian\n# comment\n");
    file("proc/sys/kernel/osrelease", "6.1.0-28-amd64\n");
    file("proc/sys/kernel/version", "#1 SMP PREEMPT_DYNAMIC Debian 6.1.119-1\n");
    var c = new EnvironmentCollector(Map.of(), root, "amd64", (a, d, t) -> java.util.Optional.empty());
    Environment e = c.collect(root, null);
    assertEquals("debian", e.os().id());
    assertEquals("12", e.os().versionId());
    assertEquals("Debian GNU/Linux 12 (bookworm)", e.os().prettyName());
    assertEquals("6.1.0-28-amd64", e.kernel().release());
    assertEquals("x86_64", e.arch());
    assertFalse(e.container().detected());
    assertEquals("none", e.ci().provider());
  }

  @Test
  void detectsDockerWithItsIdFromCgroupV1() throws Exception {
    String id = "3f4e2c1d".repeat(8);
    file(".dockerenv", "");
    file("proc/1/cgroup", "12:pids:/docker/" + id + "\n11:cpu:/docker/" + id + "\n");
    var c = new HostFacts(root, Map.of()).container();
    assertTrue(c.detected());
    assertEquals("docker", c.runtime());
    assertEquals(id, c.id());
    assertTrue(c.evidence().contains("/.dockerenv"));
  }

  @Test
  void detectsTheIdFromMountinfoOnCgroupV2() throws Exception {
    String id = "ab12".repeat(16);
    file(".dockerenv", "");
    file("proc/1/cgroup", "0::/\n");
    file("proc/self/mountinfo",
        "612 590 254:1 /var/lib/docker/containers/" + id + "/hostname /etc/hostname rw,relatime - ext4 /dev/vda1 rw\n");
    var c = new HostFacts(root, Map.of()).container();
    assertEquals(id, c.id());
    assertTrue(c.evidence().contains("/proc/self/mountinfo container mount"));
  }

  @Test
  void detectsPodmanAndKubernetes() throws Exception {
    file("run/.containerenv", "engine=\"podman-4.3.1\"\nid=\"" + "c0ffee00".repeat(8) + "\"\n");
    var podman = new HostFacts(root, Map.of()).container();
    assertEquals("podman", podman.runtime());
    assertEquals("c0ffee00".repeat(8), podman.id());
    var k8s = new HostFacts(root.resolve("empty"), Map.of("KUBERNETES_SERVICE_HOST", "10.0.0.1")).container();
    assertEquals("kubernetes", k8s.runtime());
    assertNull(k8s.id());
  }

  @Test
  void githubActionsContextKeepsTheListedVariablesAndNoSecrets() {
    Map<String, String> env = Map.ofEntries(
        Map.entry("GITHUB_ACTIONS", "true"),
        Map.entry("GITHUB_REPOSITORY", "acme/app"),
        Map.entry("GITHUB_SHA", "0123456789abcdef0123456789abcdef01234567"),
        Map.entry("GITHUB_REF", "refs/heads/main"),
        Map.entry("GITHUB_WORKFLOW_REF", "acme/app/.github/workflows/ci.yml@refs/heads/main"),
        Map.entry("GITHUB_RUN_ID", "42"),
        Map.entry("GITHUB_RUN_ATTEMPT", "1"),
        Map.entry("RUNNER_OS", "Linux"),
        Map.entry("RUNNER_ARCH", "X64"),
        Map.entry("RUNNER_ENVIRONMENT", "github-hosted"),
        Map.entry("ImageOS", "ubuntu24"),
        Map.entry("ImageVersion", "20260101.1"),
        Map.entry("GITHUB_TOKEN", "ghs_abcdefghijklmnopqrstuvwxyz0123456789"),
        Map.entry("ACTIONS_ID_TOKEN_REQUEST_TOKEN", "eyJhbGciOi.eyJzdWIiOi.sig"));
    var ci = CiContexts.detect(env);
    assertEquals("github-actions", ci.provider());
    for (String name : List.of("GITHUB_REPOSITORY", "GITHUB_SHA", "GITHUB_REF", "GITHUB_WORKFLOW_REF", "GITHUB_RUN_ID",
        "GITHUB_RUN_ATTEMPT", "RUNNER_OS", "RUNNER_ARCH", "RUNNER_ENVIRONMENT", "ImageOS", "ImageVersion")) {
      assertEquals(env.get(name), ci.context().get(name), name);
    }
    assertFalse(ci.context().containsKey("GITHUB_TOKEN"));
    assertFalse(ci.context().containsKey("ACTIONS_ID_TOKEN_REQUEST_TOKEN"));
  }

  @Test
  void gitlabJenkinsAndGenericFallback() {
    var gitlab = CiContexts.detect(Map.of("GITLAB_CI", "true", "CI", "true", "CI_PROJECT_PATH", "acme/app",
        "CI_COMMIT_SHA", "abc", "CI_JOB_TOKEN", "glcbt-secret"));
    assertEquals("gitlab-ci", gitlab.provider());
    assertEquals(Map.of("CI_PROJECT_PATH", "acme/app", "CI_COMMIT_SHA", "abc"), gitlab.context());
    assertEquals("jenkins", CiContexts.detect(Map.of("JENKINS_URL", "https://ci.example/", "BUILD_NUMBER", "7")).provider());
    var generic = CiContexts.detect(Map.of("CI", "true", "BUILD_ID", "99"));
    assertEquals("generic", generic.provider());
    assertEquals(Map.of("CI", "true", "BUILD_ID", "99"), generic.context());
    assertEquals("none", CiContexts.detect(Map.of("CI", "false")).provider());
  }

  @Test
  void variablesAreHashedUnlessSensitiveAndTheDigestFollowsThem() {
    var vars = Variables.of(Map.of("HOME", "/home/u", "API_KEY", "x", "NOTE", "github_pat_11ABCDEFG0123456789_abcdefghijkl"));
    assertEquals(List.of("API_KEY", "HOME", "NOTE"), vars.stream().map(Environment.Variable::name).toList());
    assertTrue(vars.get(0).redacted());
    assertNull(vars.get(0).sha256());
    assertEquals(Variables.sha256Hex("/home/u".getBytes(java.nio.charset.StandardCharsets.UTF_8)), vars.get(1).sha256());
    assertTrue(vars.get(2).redacted(), "a value that looks like a token is redacted whatever its name");
    String d1 = Variables.digest(vars);
    String d2 = Variables.digest(Variables.of(Map.of("HOME", "/home/v", "API_KEY", "x", "NOTE", "github_pat_11ABCDEFG0123456789_abcdefghijkl")));
    String d3 = Variables.digest(Variables.of(Map.of("HOME", "/home/u", "API_KEY", "changed", "NOTE", "github_pat_11ABCDEFG0123456789_zzzzzzzzzzzz")));
    assertFalse(d1.equals(d2), "a changed plain value changes the digest");
    assertEquals(d1, d3, "a sensitive value never influences the digest");
  }

  @Test
  void secretDetectorKnowsNamesAndValueShapes() {
    for (String name : List.of("GITHUB_TOKEN", "MY_PASSWORD", "db_passwd", "AWS_SECRET_ACCESS_KEY", "SSH_PRIVATE_KEY_FILE",
        "NPM_AUTH", "SESSION_ID", "GOOGLE_CREDENTIALS", "ACTIONS_RUNTIME_TOKEN", "ACTIONS_ID_TOKEN_REQUEST_URL", "COOKIE_JAR")) {
      assertTrue(SecretNames.builtIn().isSensitiveVariable(name), name);
    }
    for (String name : List.of("HOME", "PATH", "LANG", "GITHUB_SHA", "RUNNER_OS", "PWD")) {
      assertFalse(SecretNames.builtIn().isSensitiveVariable(name), name);
    }
    for (String v : List.of("ghp_0123456789abcdefghijABCDEFGHIJ012345", "github_pat_11AAAAAAA0bbbbbbbbbbbbbbbb",
        "AKIAIOSFODNN7EXAMPLE", "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig", "-----BEGIN OPENSSH PRIVATE KEY-----",
        "https://user:pa55@registry.example/", "Bearer ghs_abcdefghijklmnopqrstuvwxyz")) {
      assertTrue(TokenFormats.contains(v), v);
    }
    for (String v : List.of("/usr/bin:/bin", "en_US.UTF-8", "https://github.com/acme/app", "refs/heads/main", "AKIA")) {
      assertFalse(TokenFormats.contains(v), v);
    }
  }

  @Test
  void toolchainListsWellKnownToolsOnPathThenMergesWhatTheBuildExecuted() throws Exception {
    Path bin = Files.createDirectories(root.resolve("bin"));
    Path gcc = Files.writeString(bin.resolve("gcc"), "#!/bin/sh\necho \"$(basename $0) (Fake) 12.2.0\"\necho 'Copyright'\n");
    Files.setPosixFilePermissions(gcc, PosixFilePermissions.fromString("rwxr-xr-x"));
    Files.createSymbolicLink(bin.resolve("cc"), gcc);
    Path notExec = Files.writeString(bin.resolve("node"), "not executable");
    Files.setPosixFilePermissions(notExec, PosixFilePermissions.fromString("rw-r--r--"));
    var inv = new ToolchainInventory(Map.of("PATH", "relative/bin:" + bin + ":/nonexistent"), CommandRunner.processes(), Duration.ofSeconds(10));
    List<Toolchain> before = inv.onPath();
    assertEquals(List.of(bin.resolve("cc").toString(), gcc.toString()), before.stream().map(Toolchain::path).toList());
    Toolchain cc = before.get(0);
    assertEquals("cc", cc.name());
    assertEquals(gcc.toRealPath().toString(), cc.realPath());
    assertEquals("cc (Fake) 12.2.0", cc.version(), "asked through the name PATH found it by");
    assertEquals(dev.plumbline.attest.Subjects.sha256Hex(gcc), before.get(1).sha256());
    assertFalse(before.get(1).executed());

    String gccSha = dev.plumbline.attest.Subjects.sha256Hex(gcc);
    List<Toolchain> after = ToolchainInventory.merge(before, List.of(
        new ToolchainInventory.Executed(gcc.toString(), gccSha),
        new ToolchainInventory.Executed("/usr/bin/make", "bb".repeat(32))));
    assertTrue(after.stream().filter(t -> t.onPath()).allMatch(Toolchain::executed), "cc and gcc are the binary the build ran");
    Toolchain make = after.stream().filter(t -> t.path().equals("/usr/bin/make")).findFirst().orElseThrow();
    assertTrue(make.executed());
    assertFalse(make.onPath());
    assertNull(make.version(), "no version is asked after the build");
    assertEquals("bb".repeat(32), make.sha256(), "executed tools keep the digest the tracer read");
    assertTrue(after.stream().noneMatch(t -> t.name().equals("node")), "a non-executable file is not a tool");
    List<String> paths = after.stream().map(Toolchain::path).toList();
    assertEquals(paths.stream().sorted().toList(), paths);
  }

  @Test
  void aPathToolReplacedDuringTheBuildShowsUpWithBothDigests() {
    Toolchain gcc = new Toolchain("gcc", "/usr/bin/gcc", null, "aa".repeat(32), "gcc 12", false, true);
    List<Toolchain> after = ToolchainInventory.merge(List.of(gcc), List.of(new ToolchainInventory.Executed("/usr/bin/gcc", "ff".repeat(32))));
    assertEquals(2, after.size());
    assertFalse(after.get(0).executed(), "the binary found before the build is not what ran");
    assertEquals("ff".repeat(32), after.get(1).sha256());
    assertTrue(after.get(1).executed());
  }

  @Test
  void nothingRunsAfterTheBuild() throws Exception {
    List<List<String>> ran = new java.util.ArrayList<>();
    CommandRunner recording = (argv, dir, timeout) -> {
      ran.add(argv);
      return java.util.Optional.empty();
    };
    Path bin = Files.createDirectories(root.resolve("bin2"));
    for (String name : List.of("git", "make")) {
      Path p = Files.writeString(bin.resolve(name), "#!/bin/sh\n");
      Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
    }
    var collector = new EnvironmentCollector(Map.of("PATH", bin.toString()), root, "amd64", recording);
    var snapshot = collector.before(root);
    int beforeCount = ran.size();
    assertTrue(beforeCount >= 2, "versions and git asked before: " + ran);
    Environment e = snapshot.after(dev.plumbline.record.BuildRecords.executed(Records.sample(true)), null);
    assertEquals(beforeCount, ran.size(), "after() ran " + ran.subList(beforeCount, ran.size()));
    assertTrue(e.toolchain().stream().anyMatch(t -> t.path().equals("/usr/bin/cc") && t.executed()));
  }

  @Test
  void aToolThatHangsIsGivenUpOn() throws Exception {
    Path bin = Files.createDirectories(root.resolve("slow"));
    Path go = Files.writeString(bin.resolve("go"), "#!/bin/sh\nexec sleep 30\n");
    Files.setPosixFilePermissions(go, PosixFilePermissions.fromString("rwxr-xr-x"));
    var inv = new ToolchainInventory(Map.of("PATH", bin.toString()), CommandRunner.processes(), Duration.ofMillis(300));
    Toolchain t = inv.onPath().get(0);
    assertEquals("go", t.name());
    assertNull(t.version());
    assertTrue(t.note().startsWith("version unknown: 'version' failed or ran longer than 0.3 s"), t.note());
    assertTrue(t.sha256().matches("[0-9a-f]{64}"));
  }

  @Test
  void workspaceReportsGitHeadBranchAndDirtiness() throws Exception {
    Path repo = Files.createDirectories(root.resolve("repo"));
    git(repo, "init", "-q", "-b", "trunk");
    Files.writeString(repo.resolve("a.txt"), "a\n");
    git(repo, "add", "a.txt");
    git(repo, "-c", "user.email=t@example.com", "-c", "user.name=t", "commit", "-q", "-m", "one");
    String head = new String(new ProcessBuilder("git", "-C", repo.toString(), "rev-parse", "HEAD").start().getInputStream().readAllBytes()).strip();
    var probe = new WorkspaceProbe(CommandRunner.processes(), new ToolchainInventory(Map.of("PATH", "/usr/bin:/bin"), null, null).onPath("git"), Duration.ofSeconds(10));
    var clean = probe.probe(repo);
    assertEquals(head, clean.git().head());
    assertEquals("trunk", clean.git().branch());
    assertFalse(clean.git().dirty());
    Files.writeString(repo.resolve("a.txt"), "changed\n");
    assertTrue(probe.probe(repo).git().dirty());
    assertNull(probe.probe(Files.createDirectories(root.resolve("plain"))).git(), "not a checkout: no git section");
  }

  @Test
  void theWorkspaceProbeNeverWritesTheIndex() throws Exception {
    Path repo = Files.createDirectories(root.resolve("locks"));
    git(repo, "init", "-q");
    Path a = Files.writeString(repo.resolve("a.txt"), "a\n");
    git(repo, "add", "a.txt");
    git(repo, "-c", "user.email=t@example.com", "-c", "user.name=t", "commit", "-q", "-m", "one");
    // the index's stat data for a.txt is now stale: a plain git status would refresh and rewrite it
    Files.setLastModifiedTime(a, java.nio.file.attribute.FileTime.fromMillis(System.currentTimeMillis() + 60_000));
    Path index = repo.resolve(".git/index");
    Object before = Files.readAttributes(index, "unix:ino,size,lastModifiedTime,ctime");
    var probe = new WorkspaceProbe(CommandRunner.processes(), new ToolchainInventory(Map.of("PATH", "/usr/bin:/bin"), null, null).onPath("git"), Duration.ofSeconds(30));
    assertFalse(probe.probe(repo).git().dirty());
    assertEquals(before, Files.readAttributes(index, "unix:ino,size,lastModifiedTime,ctime"),
        "the probe rewrote .git/index (it took .git/index.lock, which a killed probe leaves behind)");
    assertFalse(Files.exists(repo.resolve(".git/index.lock")));
  }

  private static void git(Path dir, String... args) throws Exception {
    List<String> argv = new java.util.ArrayList<>(List.of("git", "-C", dir.toString()));
    argv.addAll(List.of(args));
    Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    assertEquals(0, p.waitFor(), out);
  }
}
