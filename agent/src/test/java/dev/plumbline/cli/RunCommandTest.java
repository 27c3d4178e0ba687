package dev.plumbline.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code plumbline run} as users get it: a separate JVM, as an unprivileged user, inside a user+pid+
 * mount namespace, and under a seccomp profile that refuses ptrace (fail closed).
 */
@Tag("needs-ptrace")
@Tag("needs-root")
class RunCommandTest {
  static Path classpath;
  static Path noptrace;

  /** The test classpath copied where any user can read it (/root is not readable by nobody). */
  @BeforeAll
  static void shareClasspath() throws Exception {
    Path dir = Files.createTempDirectory("plumbline-cp");
    Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
    List<String> entries = new ArrayList<>();
    int i = 0;
    for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
      Path p = Path.of(entry);
      if (!Files.exists(p) || p.toString().contains("surefire") || p.toString().contains("junit")
          || p.toString().contains("opentest4j") || p.toString().contains("apiguardian")) {
        continue;
      }
      Path copy = dir.resolve((i++) + "-" + p.getFileName());
      if (Files.isDirectory(p)) {
        copyTree(p, copy);
      } else {
        Files.copy(p, copy);
      }
      entries.add(copy.toString());
    }
    classpath = Files.writeString(dir.resolve("classpath"), String.join(":", entries));
    Path src = dir.resolve("noptrace.c");
    try (var in = RunCommandTest.class.getResourceAsStream("/tracer/noptrace.c")) {
      Files.copy(in, src);
    }
    noptrace = dir.resolve("noptrace");
    Process gcc = new ProcessBuilder("gcc", "-o", noptrace.toString(), src.toString()).inheritIO().start();
    assertEquals(0, gcc.waitFor());
    makeReadable(dir);
  }

  private static void copyTree(Path from, Path to) throws IOException {
    try (var walk = Files.walk(from)) {
      for (Path p : (Iterable<Path>) walk::iterator) {
        Path t = to.resolve(from.relativize(p).toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(t);
        } else {
          Files.copy(p, t);
        }
      }
    }
  }

  private static void makeReadable(Path dir) throws IOException {
    try (var walk = Files.walk(dir)) {
      for (Path p : (Iterable<Path>) walk::iterator) {
        p.toFile().setReadable(true, false);
        if (Files.isDirectory(p) || p.getFileName().toString().equals("noptrace")) {
          p.toFile().setExecutable(true, false);
        }
      }
    }
  }

  record Run(int code, String stdout, String stderr) {}

  static Run plumbline(Path cwd, List<String> prefix, String... args) throws Exception {
    List<String> cmd = new ArrayList<>(prefix);
    cmd.addAll(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Djava.io.tmpdir=" + cwd,
        "-cp", Files.readString(classpath)));
    List<String> rest = new ArrayList<>(List.of(args));
    while (!rest.isEmpty() && rest.get(0).startsWith("-D")) {
      cmd.add(rest.remove(0));
    }
    cmd.add("dev.plumbline.cli.Main");
    cmd.addAll(rest);
    Path out = cwd.resolve(".stdout");
    Path err = cwd.resolve(".stderr");
    Process p = new ProcessBuilder(cmd).directory(cwd.toFile())
        .redirectOutput(out.toFile()).redirectError(err.toFile()).start();
    int code = p.waitFor();
    return new Run(code, Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8));
  }

  static Path sharedDir(Path parent) throws IOException {
    Path dir = Files.createDirectory(parent.resolve("work"));
    Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxrwxrwx"));
    Files.setPosixFilePermissions(parent, PosixFilePermissions.fromString("rwxr-xr-x"));
    return dir;
  }

  static void assertRecorded(Path record, String tool) throws IOException {
    JsonNode r = new ObjectMapper().readTree(record.toFile());
    assertTrue(r.path("completeness").path("complete").asBoolean(), r.path("completeness").toString());
    List<String> tools = new ArrayList<>();
    r.path("tools").forEach(t -> tools.add(t.path("path").asText()));
    assertTrue(tools.contains(tool), tools.toString());
    assertEquals(4, r.path("invocation").path("exitCode").asInt(), r.path("invocation").toString());
  }

  @Test
  void asAnUnprivilegedUserWithoutCapabilities(@TempDir Path tmp) throws Exception {
    Path work = sharedDir(tmp);
    Run run = plumbline(work, List.of("setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups",
            "--inh-caps=-all", "--bounding-set=-all"),
        "run", "--record", "rec.json", "--", "sh", "-c", "id -u > uid.txt; /bin/true; exit 4");

    assertEquals(4, run.code(), run.stderr());
    assertFalse(Files.readString(work.resolve("uid.txt")).strip().equals("0"), "ran as nobody");
    assertRecorded(work.resolve("rec.json"), "/usr/bin/true");
    // the build runs as the agent's user, yet cannot read the agent's memory or environment
    // (the ground truth: the same build run plainly by the same user reads its parent's)
    Run probe = plumbline(work, List.of("setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups"),
        "run", "--", "sh", "-c", "cat /proc/$PPID/environ > /dev/null 2>&1 && echo readable > agent.txt"
            + " || echo protected > agent.txt");
    assertEquals(0, probe.code(), probe.stderr());
    assertEquals("protected", Files.readString(work.resolve("agent.txt")).strip());
    Process plain = new ProcessBuilder("setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups", "sh", "-c",
        "sh -c 'cat /proc/$PPID/environ > /dev/null 2>&1 && echo readable || echo protected' > plain.txt")
        .directory(work.toFile()).start();
    assertEquals(0, plain.waitFor());
    assertEquals("readable", Files.readString(work.resolve("plain.txt")).strip());
  }

  @Test
  void insideAUserPidAndMountNamespace(@TempDir Path tmp) throws Exception {
    // some CI sandboxes (Docker's default seccomp profile) forbid creating user namespaces at all:
    // then there is no such sandbox to run in, and nothing of ours to test
    Process probe = new ProcessBuilder("unshare", "-Urpfm", "true").redirectErrorStream(true).start();
    String why = new String(probe.getInputStream().readAllBytes()).strip();
    org.junit.jupiter.api.Assumptions.assumeTrue(probe.waitFor() == 0, "unshare -Urpfm is not allowed here: " + why);
    Path work = sharedDir(tmp);
    Run run = plumbline(work, List.of("unshare", "-Urpfm"),
        "run", "--record", "rec.json", "--", "sh", "-c", "/bin/true; exit 4");
    assertEquals(4, run.code(), run.stderr());
    assertRecorded(work.resolve("rec.json"), "/usr/bin/true");
  }

  @Test
  void failsClosedWhenPtraceIsRefused(@TempDir Path tmp) throws Exception {
    Path work = sharedDir(tmp);
    Run run = plumbline(work, List.of(noptrace.toString()),
        "run", "--record", "rec.json", "--", "sh", "-c", "echo ran > ran.txt");
    assertEquals(ExitCodes.TRACE_NOT_PERMITTED, run.code(), run.stderr());
    List<String> lines = run.stderr().lines().filter(l -> !l.isBlank()).toList();
    assertEquals(1, lines.size(), run.stderr());
    assertTrue(lines.get(0).startsWith("plumbline: tracing is not permitted here: PTRACE_SEIZE failed with EPERM"),
        lines.get(0));
    assertFalse(Files.exists(work.resolve("rec.json")), "no record that could pass for complete");
    assertFalse(Files.exists(work.resolve("ran.txt")), "the build did not run untraced");
  }

  @Test
  void failsClosedWhenTraceeMemoryAccessIsRefused(@TempDir Path tmp) throws Exception {
    Path work = sharedDir(tmp);
    Run run = plumbline(work, List.of("env", "NOPTRACE_ONLY_VM=1", noptrace.toString()),
        "run", "--record", "rec.json", "--", "sh", "-c", "echo ran > ran.txt");
    assertEquals(ExitCodes.TRACE_NOT_PERMITTED, run.code(), run.stderr());
    List<String> lines = run.stderr().lines().filter(l -> !l.isBlank()).toList();
    assertEquals(1, lines.size(), run.stderr());
    assertTrue(lines.get(0).startsWith("plumbline: tracing is not permitted here: process_vm_readv failed with EPERM"),
        lines.get(0));
    assertFalse(Files.exists(work.resolve("rec.json")));
    assertFalse(Files.exists(work.resolve("ran.txt")), "the build did not run untraced");
  }

  @Test
  void withoutJnaNativeSupportOneLineAndNoBuild(@TempDir Path tmp) throws Exception {
    Path work = sharedDir(tmp);
    Run run = plumbline(work, List.of(), "-Djna.nosys=true", "-Djna.noclasspath=true",
        "-Djna.boot.library.path=/nonexistent", "run", "--record", "rec.json", "--", "sh", "-c", "echo ran > ran.txt");
    assertEquals(ExitCodes.TRACE_NOT_PERMITTED, run.code(), run.stderr());
    List<String> lines = run.stderr().lines().filter(l -> !l.isBlank()).toList();
    assertEquals(1, lines.size(), run.stderr());
    assertTrue(lines.get(0).startsWith("plumbline: tracing is not possible here: cannot call libc through JNA"),
        lines.get(0));
    assertFalse(Files.exists(work.resolve("ran.txt")));
    assertFalse(Files.exists(work.resolve("rec.json")));
  }

  /**
   * A key refused before the build: the helper commands (git, toolchain probes) still running are
   * cut short, and what the person reads is the one line about the key, not a warning about them.
   */
  @Test
  void aKeyThatIsNotPemIsOneLineAndNoBuild(@TempDir Path tmp) throws Exception {
    Path work = sharedDir(tmp);
    Files.writeString(work.resolve("key.pem"), "not a key\n");
    // a toolchain whose version probe is still running when the key is refused
    Path slow = Files.createDirectory(tmp.resolve("slow"));
    Path make = Files.writeString(slow.resolve("make"), "#!/bin/sh\nsleep 30\n");
    Files.setPosixFilePermissions(make, PosixFilePermissions.fromString("rwxr-xr-x"));
    Run run = plumbline(work, List.of("env", "PATH=" + slow + ":" + System.getenv("PATH")),
        "run", "--key", "key.pem", "--record", "rec.json", "--", "sh", "-c", "echo ran > ran.txt");
    assertEquals(ExitCodes.RUN_USAGE, run.code(), run.stderr());
    // on a loaded machine loading the signer can take over a second: its progress line comes first
    // (it says nothing more once loading failed)
    List<String> lines = run.stderr().lines().filter(l -> !l.isBlank())
        .filter(l -> !l.equals("plumbline: loading the signer…")).toList();
    assertEquals(1, lines.size(), run.stderr());
    assertTrue(lines.get(0).startsWith("plumbline: ") && lines.get(0).contains("not a PEM file"), lines.get(0));
    assertFalse(Files.exists(work.resolve("ran.txt")));
    assertFalse(Files.exists(work.resolve("rec.json")));
  }

  @Test
  void signalsSentToPlumblineReachTheBuild(@TempDir Path tmp) throws Exception {
    Path work = sharedDir(tmp);
    for (String[] signal : List.of(new String[] {"TERM", "143"}, new String[] {"INT", "130"}, new String[] {"HUP", "129"})) {
      Path marker = work.resolve("started-" + signal[0]);
      // the signals' default actions first: a suite started under nohup, or as a shell's background
      // job, hands its children SIGHUP or SIGINT ignored, and the JVM then rightly leaves them so
      List<String> cmd = new ArrayList<>(List.of("env", "--default-signal=HUP,INT,TERM",
          Path.of(System.getProperty("java.home"), "bin", "java").toString(),
          "-cp", Files.readString(classpath), "dev.plumbline.cli.Main", "run", "--record", "rec-" + signal[0] + ".json",
          "--", "sh", "-c", "touch " + marker + "; exec sleep 60"));
      Process p = new ProcessBuilder(cmd).directory(work.toFile())
          .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(ProcessBuilder.Redirect.DISCARD).start();
      while (!Files.exists(marker) && p.isAlive()) {
        Thread.sleep(20); // waiting for the build to start, not measuring anything
      }
      Thread.sleep(50); // let the shell exec sleep
      new ProcessBuilder("kill", "-" + signal[0], Long.toString(p.pid())).start().waitFor();
      assertEquals(Integer.parseInt(signal[1]), p.waitFor(), "SIG" + signal[0]);
      JsonNode r = new ObjectMapper().readTree(work.resolve("rec-" + signal[0] + ".json").toFile());
      assertEquals(Integer.parseInt(signal[1]) - 128, r.path("invocation").path("signal").asInt(), r.path("invocation").toString());
    }
  }

  @Test
  void aBuildThatRewritesATrackedSourceIsRecorded(@TempDir Path tmp) throws Exception {
    Path work = sharedDir(tmp);
    Files.writeString(work.resolve("main.c"), "int main(void) { return 0; }\n");
    for (List<String> git : List.of(List.of("git", "init", "-q"), List.of("git", "add", "main.c"),
        List.of("git", "-c", "user.name=t", "-c", "user.email=t@example.invalid", "commit", "-qm", "x"))) {
      assertEquals(0, new ProcessBuilder(git).directory(work.toFile()).inheritIO().start().waitFor(), git.toString());
    }
    Run run = plumbline(work, List.of(), "run", "--record", "rec.json", "--", "sh", "-c",
        "echo '/* injected */' >> main.c; echo built > main.o; cat main.c > /dev/null");
    assertEquals(0, run.code(), run.stderr());
    JsonNode files = new ObjectMapper().readTree(work.resolve("rec.json").toFile()).path("files");
    List<String> seen = new ArrayList<>();
    files.forEach(f -> seen.add(f.path("path").asText() + " " + f.path("operations") + " tracked=" + f.path("tracked").asBoolean()));
    assertEquals(List.of("main.c [\"write\"] tracked=true", "main.o [\"create\"] tracked=false"), seen, files.toString());
  }

  @Test
  void exitCodesOfMissingAndNonExecutableCommands(@TempDir Path tmp) throws Exception {
    Path work = sharedDir(tmp);
    Files.writeString(work.resolve("plain"), "not a program");
    assertEquals(127, Main.run("run", "--", "plumbline-no-such-command"));
    assertEquals(126, Main.run("run", "--", work.resolve("plain").toString()));
    // the start-up fast path of `plumbline run` behaves like the full command tree
    assertEquals(127, Main.runCommandLine().execute("run", "--", "plumbline-no-such-command"));
    assertEquals(ExitCodes.RUN_USAGE, Main.runCommandLine().execute("run", "--no-such-option", "--", "true"));
    assertEquals(ExitCodes.RUN_USAGE, Main.run("run", "--no-such-option", "--", "true"));
    assertEquals("plumbline run", Main.runCommandLine().getSubcommands().get("run").getCommandSpec().qualifiedName());
  }
}
