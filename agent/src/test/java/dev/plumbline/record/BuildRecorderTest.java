package dev.plumbline.record;

import dev.plumbline.egress.EgressMode;
import dev.plumbline.redact.Redaction;
import dev.plumbline.trace.EgressDecision;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.plumbline.trace.TraceEvent;
import dev.plumbline.trace.TraceEvent.Dns;
import dev.plumbline.trace.TraceEvent.Exec;
import dev.plumbline.trace.TraceEvent.FileChanged;
import dev.plumbline.trace.TraceEvent.Incomplete;
import dev.plumbline.trace.TraceEvent.Network;
import dev.plumbline.trace.TraceEvent.ProcessExited;
import dev.plumbline.trace.TraceEvent.ProcessStarted;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

class BuildRecorderTest {
  static final String SH = "a".repeat(64);
  static final String MAKE = "b".repeat(64);
  static final String CC = "c".repeat(64);
  static final String CURL = "d".repeat(64);
  static final Path WORK = Path.of("/work/project");
  static final BuildRecord.Agent AGENT = new BuildRecord.Agent("plumbline", "0.1.0", "ptrace+seccomp", EgressMode.AUDIT, List.of(), null, null, null);

  static BuildRecorder recorder(GitTrackedFiles tracked) {
    return new BuildRecorder(new BuildRecorder.Settings(AGENT, List.of("sh", "-c", "make -j2"), WORK, tracked));
  }

  static final GitTrackedFiles TRACKED = new GitTrackedFiles(true, Set.of("src/main.c", "Makefile", "src/gen.h"));

  /**
   * A small build: sh → make → two compilers in parallel (order depends on {@code swap}) and a
   * curl that resolves and connects, plus a thread; pids start at {@code base}, times at {@code t0}.
   */
  static BuildRecord build(int base, Instant t0, boolean swap, BuildRecorder r) {
    int[] clock = {0};
    java.util.function.Supplier<Instant> now = () -> t0.plusMillis(++clock[0] * 7L);
    int sh = base, make = base + 1, cc1 = base + 2, cc2 = base + 3, curl = base + 4, curlThread = base + 5;
    r.accept(new ProcessStarted(now.get(), sh, 1, false));
    r.exec(new Exec(now.get(), sh, "/usr/bin/dash", List.of("sh", "-c", "make -j2"), WORK.toString()),
        CompletableFuture.completedFuture(SH), CompletableFuture.completedFuture(null));
    r.accept(new ProcessStarted(now.get(), make, sh, false));
    r.exec(new Exec(now.get(), make, "/usr/bin/make", List.of("make", "-j2"), WORK.toString()),
        CompletableFuture.supplyAsync(() -> MAKE), CompletableFuture.completedFuture(null));
    int[] order = swap ? new int[] {cc2, cc1} : new int[] {cc1, cc2};
    for (int pid : order) {
      r.accept(new ProcessStarted(now.get(), pid, make, false));
    }
    for (int pid : order) {
      String src = pid == cc1 ? "src/main.c" : "src/greet.c";
      // gcc names its temporaries at random: /tmp/ccXXXXXX.s
      String tmp = "/tmp/cc" + Integer.toString(pid * 7919 + base, 36).substring(0, 3) + (swap ? "aBc" : "XyZ") + ".s";
      r.exec(new Exec(now.get(), pid, "/usr/bin/gcc", List.of("gcc", "-c", src, "-save-temps=" + tmp),
              WORK.toString()),
          CompletableFuture.completedFuture(CC), CompletableFuture.completedFuture(null));
    }
    for (int pid : order) {
      String obj = pid == cc1 ? "/work/project/src/main.o" : "/work/project/src/greet.o";
      r.accept(new FileChanged(now.get(), pid, obj, "create"));
      r.accept(new FileChanged(now.get(), pid, obj, "write"));
      r.accept(new FileChanged(now.get(), pid, "/tmp/cc" + pid + ".s", "write")); // outside: not recorded
    }
    r.accept(new FileChanged(now.get(), cc1, "src/gen.h", "truncate")); // relative, a tracked source
    // a temporary with a random name, created and removed: left out
    r.accept(new FileChanged(now.get(), cc2, "/work/project/build/st" + base + "XyZ", "create"));
    r.accept(new FileChanged(now.get(), cc2, "/work/project/build/st" + base + "XyZ", "write"));
    r.accept(new FileChanged(now.get(), cc2, "/work/project/build/st" + base + "XyZ", "unlink"));
    r.accept(new TraceEvent.Note(now.get(), cc2, "ptrace", "/usr/bin/gcc (pid " + cc2 + ") tried PTRACE_TRACEME: refused (EPERM)"));
    for (int pid : order) {
      r.accept(new ProcessExited(now.get(), pid, 0, null, false));
    }
    r.accept(new ProcessStarted(now.get(), curl, make, false));
    r.exec(new Exec(now.get(), curl, "/usr/bin/curl",
            List.of("curl", "-H", "Authorization: Bearer s3cr3t", "http://example.test/"), WORK.toString()),
        CompletableFuture.completedFuture(CURL), CompletableFuture.completedFuture(null));
    r.accept(new ProcessStarted(now.get(), curlThread, curl, true));
    r.accept(new Dns(now.get(), curlThread, "example.test", "A", List.of("127.0.0.2"), EgressDecision.ALLOWED));
    r.accept(new Network(now.get(), curlThread, "sendto", "inet", "udp", "127.0.0.53", 53, EgressDecision.ALLOWED, "ok"));
    r.accept(new Network(now.get(), curl, "connect", "inet", "tcp", "127.0.0.2", 80, EgressDecision.ALLOWED, "ECONNREFUSED"));
    r.accept(new Network(now.get(), curl, "connect", "inet", "tcp", "127.0.0.2", 80, EgressDecision.ALLOWED, "ok"));
    r.accept(new Network(now.get(), make, "connect", "unix", "unix-stream", "/var/run/docker.sock", null, EgressDecision.ALLOWED, "ok"));
    r.accept(new ProcessExited(now.get(), curlThread, 0, null, false));
    r.accept(new ProcessExited(now.get(), curl, 0, null, false));
    r.accept(new ProcessExited(now.get(), make, 0, null, false));
    r.accept(new ProcessExited(now.get(), sh, 0, null, false));
    return r.finish(new BuildRecorder.Outcome(t0, now.get(), 0, null), Duration.ofSeconds(30));
  }

  /**
   * Values of sensitive environment variables are masked wherever the record would carry them:
   * passed on as plain arguments (QA finding), base64- or URL-encoded, in a DNS name, a file name.
   */
  @Test
  void sensitiveEnvironmentValuesAreMaskedInEveryString() {
    Map<String, String> env = Map.of("MY_PASSWORD", "hunter2xyz", "SSH_AUTH_SOCK", "/run/user/0/agent.sock",
        "PIN_SECRET", "short", "NOTE_TOKEN", "ghp_TokenAbc123", "SHELL", "/bin/bash", "MYSQL_PWD", "p@ss w/rd");
    BuildRecorder r = new BuildRecorder(new BuildRecorder.Settings(AGENT, List.of("deploy", "hunter2xyz"), WORK,
        GitTrackedFiles.none())).redacting(Redaction.builtIn().maskingValuesOf(env));
    String b64 = java.util.Base64.getEncoder().encodeToString("admin:hunter2xyz".getBytes(java.nio.charset.StandardCharsets.UTF_8));
    r.accept(new ProcessStarted(Instant.EPOCH, 5, 1, false));
    r.exec(new Exec(Instant.EPOCH, 5, "/usr/bin/deploy",
            List.of("deploy", "hunter2xyz", "--to=x-ghp_TokenAbc123-y", "short", "/run/user/0/agent.sock", "X-Basic " + b64,
                "https://h/?q=p%40ss%20w%2Frd"), "/work/project"),
        CompletableFuture.completedFuture(SH), null);
    r.accept(new TraceEvent.Dns(Instant.EPOCH, 5, "hunter2xyz.exfil.example", "A", List.of(), EgressDecision.ALLOWED));
    r.accept(new TraceEvent.FileChanged(Instant.EPOCH, 5, "/work/project/out-hunter2xyz.txt", "write"));
    r.accept(new ProcessExited(Instant.EPOCH, 5, 0, null, false));
    BuildRecord rec = r.finish(new BuildRecorder.Outcome(Instant.EPOCH, Instant.EPOCH, 0, null), Duration.ZERO);
    assertEquals(List.of("deploy", "***"), rec.invocation().argv());
    List<String> argv = rec.processes().get(0).execs().get(0).argv();
    assertEquals(List.of("deploy", "***", "--to=x-***-y", "short", "/run/user/0/agent.sock"), argv.subList(0, 5));
    assertFalse(argv.get(5).contains(b64.substring(8, 20)), argv.get(5));
    assertEquals("https://h/?q=***", argv.get(6));
    assertEquals("***.exfil.example", rec.dns().get(0).name());
    assertEquals("out-***.txt", rec.files().get(0).path());
    assertFalse(BuildRecords.toJson(rec).contains("hunter2xyz"));
    // redacted again after egress adds hostnames: what was added is masked, the processes finish
    // passed over are kept as they are (not copied a second time), the rest passed over again
    BuildRecord again = r.redact(rec.withNetwork(List.of(
        BuildRecord.Destination.to("inet", "tcp", "192.0.2.1", 443).withHostname("hunter2xyz.exfil.example"))));
    assertEquals("***.exfil.example", again.network().get(0).hostname());
    assertSame(rec.processes(), again.processes());
    assertEquals(rec.withNetwork(again.network()), again);
    BuildRecord other = r.redact(rec.withProcesses(new ArrayList<>(rec.processes())).withNetwork(again.network()));
    assertEquals(again, other); // an equal list that is not the finished one is passed over, to the same result
  }

  @Test
  void aggregatesAToyBuild() {
    BuildRecord rec = build(100, Instant.parse("2026-01-01T00:00:00Z"), false, recorder(TRACKED));

    assertEquals(BuildRecord.FORMAT, rec.format());
    assertEquals(BuildRecord.Completeness.full(), rec.completeness());
    assertEquals(List.of(
        new BuildRecord.Tool("/usr/bin/curl", CURL, 1),
        new BuildRecord.Tool("/usr/bin/dash", SH, 1),
        new BuildRecord.Tool("/usr/bin/gcc", CC, 2),
        new BuildRecord.Tool("/usr/bin/make", MAKE, 1)), rec.tools());

    // tree order: sh, make, then make's children ordered by what they ran; no thread entries
    List<String> firstArgv = rec.processes().stream().map(p -> String.join(" ", p.execs().get(0).argv())).toList();
    assertEquals(List.of("sh -c make -j2", "make -j2",
        "curl -H Authorization: Bearer *** http://example.test/", "gcc -c src/greet.c -save-temps=/tmp/ccXXXXXX.s",
        "gcc -c src/main.c -save-temps=/tmp/ccXXXXXX.s"), firstArgv);
    BuildRecord.ProcessInfo make = rec.processes().get(1);
    assertEquals(101, make.pid());
    assertEquals(100, make.ppid());
    assertEquals(0, make.exitCode());
    assertFalse(make.outlivedBuild());
    assertEquals("2026-01-01T00:00:00.028Z", make.execs().get(0).at());

    assertEquals(List.of(
        BuildRecord.Destination.to("inet", "tcp", "127.0.0.2", 80).withHostname("example.test").withDecision(EgressDecision.ALLOWED)
            .withCalls(List.of("connect"), List.of("ECONNREFUSED", "ok")).withUse(List.of("/usr/bin/curl"), 2),
        BuildRecord.Destination.to("inet", "udp", "127.0.0.53", 53).withDecision(EgressDecision.ALLOWED)
            .withCalls(List.of("sendto"), List.of("ok")).withUse(List.of("/usr/bin/curl"), 1),
        BuildRecord.Destination.to("unix", "unix-stream", "/var/run/docker.sock", null).withDecision(EgressDecision.ALLOWED)
            .withCalls(List.of("connect"), List.of("ok")).withUse(List.of("/usr/bin/make"), 1)), rec.network());

    assertEquals(List.of(new BuildRecord.DnsQuery("example.test", "A", List.of("127.0.0.2"), EgressDecision.ALLOWED, 1)), rec.dns());

    assertEquals(List.of(
        new BuildRecord.FileWrite("src/gen.h", List.of("truncate"), true, List.of("/usr/bin/gcc"), 1),
        new BuildRecord.FileWrite("src/greet.o", List.of("create", "write"), false, List.of("/usr/bin/gcc"), 2),
        new BuildRecord.FileWrite("src/main.o", List.of("create", "write"), false, List.of("/usr/bin/gcc"), 2)), rec.files());
    assertEquals(new BuildRecord.Sources(true, 3, 1), rec.sources());
    assertEquals(List.of(new BuildRecord.Note("ptrace", "/usr/bin/gcc tried PTRACE_TRACEME: refused (EPERM)",
        List.of("/usr/bin/gcc"), 1)), rec.notes());
    assertEquals(new BuildRecord.Invocation(List.of("sh", "-c", "make -j2"), "/work/project",
        "2026-01-01T00:00:00Z", rec.invocation().finishedAt(), 0, null), rec.invocation());
  }

  @Test
  void sameBuildDiffersOnlyInPidsAndTimes() {
    BuildRecord a = build(100, Instant.parse("2026-01-01T00:00:00Z"), false, recorder(TRACKED));
    BuildRecord b = build(7000, Instant.parse("2026-03-04T05:06:07.891Z"), true, recorder(TRACKED));
    assertNotEquals(BuildRecords.toJson(a), BuildRecords.toJson(b));
    assertEquals(BuildRecords.toJson(normalised(a)), BuildRecords.toJson(normalised(b)));
  }

  @Test
  void noGitMeansNothingIsTracked() {
    BuildRecord rec = build(100, Instant.EPOCH, false, recorder(GitTrackedFiles.none()));
    assertTrue(rec.files().stream().noneMatch(BuildRecord.FileWrite::tracked));
    assertEquals(new BuildRecord.Sources(false, 0, 1), rec.sources());
  }

  @Test
  void incompleteReasonsAreDistinctAndSorted() {
    BuildRecorder r = recorder(TRACKED);
    r.accept(new ProcessStarted(Instant.EPOCH, 10, 1, false));
    r.accept(new Incomplete(Instant.EPOCH, 10, "io_uring used: its operations are not traced"));
    r.accept(new Incomplete(Instant.EPOCH, 11, "PTRACE_TRACEME refused"));
    r.accept(new Incomplete(Instant.EPOCH, 12, "io_uring used: its operations are not traced"));
    r.accept(new ProcessExited(Instant.EPOCH, 10, 0, null, false));
    BuildRecord rec = r.finish(new BuildRecorder.Outcome(Instant.EPOCH, Instant.EPOCH, 0, null), Duration.ZERO);
    assertEquals(new BuildRecord.Completeness(false,
        List.of("PTRACE_TRACEME refused", "io_uring used: its operations are not traced")), rec.completeness());
  }

  @Test
  void failedSlowAndMissingDigestsMakeTheRecordIncomplete() {
    BuildRecorder r = recorder(TRACKED);
    r.accept(new ProcessStarted(Instant.EPOCH, 10, 1, false));
    r.exec(new Exec(Instant.EPOCH, 10, "/opt/secret-tool", List.of("secret-tool"), "/"),
        CompletableFuture.failedFuture(new HashException("cannot open /proc/10/exe", "permission denied")),
        CompletableFuture.completedFuture(null));
    r.exec(new Exec(Instant.EPOCH, 10, "/usr/bin/slow", List.of("slow"), "/"),
        new CompletableFuture<>(), null);
    r.accept(new Exec(Instant.EPOCH, 10, "/usr/bin/unhashed", List.of("unhashed"), "/"));
    r.accept(new ProcessExited(Instant.EPOCH, 10, 1, null, false));
    BuildRecord rec = r.finish(new BuildRecorder.Outcome(Instant.EPOCH, Instant.EPOCH, 1, null), Duration.ZERO);
    assertFalse(rec.completeness().complete());
    assertEquals(List.of(
        "executable not hashed in time: /usr/bin/slow",
        "executable not hashed: /opt/secret-tool (permission denied)",
        "executable not hashed: /usr/bin/unhashed (no digest reported)"), rec.completeness().reasons());
    assertEquals(3, rec.processes().get(0).execs().size());
    assertEquals(null, rec.processes().get(0).execs().get(0).sha256());
  }

  @Test
  void unseenExitAndOutlivingProcesses() {
    BuildRecorder r = recorder(TRACKED);
    r.accept(new ProcessStarted(Instant.EPOCH, 10, 1, false));
    r.accept(new ProcessStarted(Instant.EPOCH, 11, 10, false));
    r.accept(new ProcessStarted(Instant.EPOCH, 12, 10, false));
    r.accept(new ProcessExited(Instant.EPOCH, 10, 0, null, false));
    r.accept(new ProcessExited(Instant.EPOCH, 11, null, 9, true));
    BuildRecord rec = r.finish(new BuildRecorder.Outcome(Instant.EPOCH, Instant.EPOCH, 0, null), Duration.ZERO);
    assertEquals(List.of("exit not seen for 1 process"), rec.completeness().reasons());
    BuildRecord.ProcessInfo daemon = rec.processes().stream().filter(p -> p.pid() == 11).findFirst().orElseThrow();
    assertTrue(daemon.outlivedBuild());
    assertEquals(9, daemon.signal());
  }

  @Test
  void pidReuseMakesANewProcessAndThreadExitsAreNotProcessExits() {
    BuildRecorder r = recorder(TRACKED);
    r.accept(new ProcessStarted(Instant.EPOCH, 10, 1, false));
    r.accept(new ProcessStarted(Instant.EPOCH, 11, 10, false));
    r.accept(new ProcessStarted(Instant.EPOCH, 12, 11, true));
    r.accept(new ProcessExited(Instant.EPOCH, 12, 0, null, false));
    r.accept(new ProcessExited(Instant.EPOCH, 11, 0, null, false));
    r.accept(new ProcessStarted(Instant.ofEpochSecond(5), 11, 10, false));
    r.exec(new Exec(Instant.ofEpochSecond(5), 11, "/bin/true", List.of("true"), "/"),
        CompletableFuture.completedFuture(SH), null);
    r.accept(new ProcessExited(Instant.ofEpochSecond(6), 11, 0, null, false));
    r.accept(new ProcessExited(Instant.ofEpochSecond(6), 10, 0, null, false));
    BuildRecord rec = r.finish(new BuildRecorder.Outcome(Instant.EPOCH, Instant.EPOCH, 0, null), Duration.ZERO);
    assertTrue(rec.completeness().complete(), rec.completeness().reasons().toString());
    assertEquals(3, rec.processes().size());
    assertEquals(2, rec.processes().stream().filter(p -> p.pid() == 11).count());
  }

  @Test
  void eventsBeforeTheirStartAreFoldedIn() {
    BuildRecorder r = recorder(TRACKED);
    r.accept(new ProcessStarted(Instant.EPOCH, 10, 1, false));
    r.exec(new Exec(Instant.EPOCH, 10, "/usr/bin/curl", List.of("curl"), "/"),
        CompletableFuture.completedFuture(CURL), null);
    // a new thread's connect seen before the clone event that announces it
    r.accept(new Network(Instant.EPOCH, 11, "connect", "inet", "tcp", "127.0.0.1", 80, EgressDecision.AUDITED, "ok"));
    r.accept(new ProcessStarted(Instant.EPOCH, 11, 10, true));
    // a child's exec seen before the fork event
    r.exec(new Exec(Instant.ofEpochSecond(1), 12, "/bin/true", List.of("true"), "/"),
        CompletableFuture.completedFuture(SH), null);
    r.accept(new ProcessStarted(Instant.ofEpochSecond(1), 12, 10, false));
    r.accept(new ProcessExited(Instant.ofEpochSecond(2), 12, 0, null, false));
    r.accept(new ProcessExited(Instant.ofEpochSecond(2), 10, 0, null, false));
    BuildRecord rec = r.finish(new BuildRecorder.Outcome(Instant.EPOCH, Instant.EPOCH, 0, null), Duration.ZERO);
    assertTrue(rec.completeness().complete(), rec.completeness().reasons().toString());
    assertEquals(2, rec.processes().size());
    BuildRecord.ProcessInfo child = rec.processes().get(1);
    assertEquals(12, child.pid());
    assertEquals(10, child.ppid());
    assertEquals("/bin/true", child.execs().get(0).path());
    assertEquals(List.of("/usr/bin/curl"), rec.network().get(0).processes());
  }

  @Test
  void removedFilesThatWereThereBeforeOrAreTrackedStay() {
    BuildRecorder r = recorder(TRACKED);
    r.accept(new ProcessStarted(Instant.EPOCH, 10, 1, false));
    r.accept(new FileChanged(Instant.EPOCH, 10, "old.log", "unlink")); // existed before the build
    r.accept(new FileChanged(Instant.EPOCH, 10, "Makefile", "create")); // tracked: always recorded
    r.accept(new FileChanged(Instant.EPOCH, 10, "Makefile", "unlink"));
    r.accept(new FileChanged(Instant.EPOCH, 10, "out.tmp", "create")); // renamed into place: the target stays
    r.accept(new FileChanged(Instant.EPOCH, 10, "out.tmp", "rename-from"));
    r.accept(new FileChanged(Instant.EPOCH, 10, "out", "rename-to"));
    r.accept(new FileChanged(Instant.EPOCH, 10, "again", "create")); // removed, then created again: stays
    r.accept(new FileChanged(Instant.EPOCH, 10, "again", "unlink"));
    r.accept(new FileChanged(Instant.EPOCH, 10, "again", "create"));
    r.accept(new ProcessExited(Instant.EPOCH, 10, 0, null, false));
    BuildRecord rec = r.finish(new BuildRecorder.Outcome(Instant.EPOCH, Instant.EPOCH, 0, null), Duration.ZERO);
    assertEquals(List.of("Makefile", "again", "old.log", "out"), rec.files().stream().map(BuildRecord.FileWrite::path).toList());
    assertEquals(1, rec.sources().transientFiles());
  }

  @Test
  void pidsLeaveNoteDetails() {
    assertEquals("/usr/bin/strace tried PTRACE_SEIZE: refused (EPERM)",
        BuildRecorder.withoutPids("/usr/bin/strace (pid 77) tried PTRACE_SEIZE of 5304: refused (EPERM)"));
    assertEquals("/x installed its own seccomp filter (operation 1)",
        BuildRecorder.withoutPids("/x (pid 9) installed its own seccomp filter (operation 1)"));
  }

  @Test
  void finishOnlyOnce() {
    BuildRecorder r = recorder(TRACKED);
    r.finish(new BuildRecorder.Outcome(Instant.EPOCH, Instant.EPOCH, 0, null), Duration.ZERO);
    assertThrows(IllegalStateException.class,
        () -> r.accept(new ProcessStarted(Instant.EPOCH, 1, 0, false)));
  }

  @Test
  void relativePaths() {
    BuildRecorder r = recorder(TRACKED);
    assertEquals("a/b.c", r.relativeToWorkdir("/work/project/a/../a/b.c"));
    assertEquals("x", r.relativeToWorkdir("x"));
    assertEquals(null, r.relativeToWorkdir("/work/projectile/x"));
    assertEquals(null, r.relativeToWorkdir("/work/project"));
    assertEquals(null, r.relativeToWorkdir("../escape"));
  }

  @Test
  void pathsUnderTheRealWorkdirCountToo(@org.junit.jupiter.api.io.TempDir Path tmp) throws Exception {
    Path real = java.nio.file.Files.createDirectories(tmp.resolve("real"));
    Path link = java.nio.file.Files.createSymbolicLink(tmp.resolve("link"), real);
    BuildRecorder r = new BuildRecorder(new BuildRecorder.Settings(AGENT, List.of("make"), link, TRACKED));
    assertEquals("src/a.c", r.relativeToWorkdir(link + "/src/a.c"));
    assertEquals("src/a.c", r.relativeToWorkdir(real.toRealPath() + "/src/a.c"));
    assertEquals(null, r.relativeToWorkdir(tmp.toRealPath() + "/other/a.c"));
  }

  @Test
  void librariesAreAggregatedByPathAndContent() {
    BuildRecorder r = recorder(TRACKED);
    CompletableFuture<String> libc = CompletableFuture.completedFuture(CC);
    CompletableFuture<String> replaced = CompletableFuture.completedFuture(CURL);
    for (int pid : new int[] {10, 11}) {
      r.accept(new ProcessStarted(Instant.EPOCH, pid, 1, false));
      r.exec(new Exec(Instant.EPOCH, pid, "/usr/bin/make", List.of("make"), "/work/project"),
          new ExecutableHasher.ExecHashes(CompletableFuture.completedFuture(MAKE), CompletableFuture.completedFuture(null)));
      r.mapped(new TraceEvent.Mapped(Instant.EPOCH, pid, "/usr/lib/ld.so", "interpreter", -1, 5), CompletableFuture.completedFuture(SH));
      // the same content reached through two futures (the hasher's cache was refilled) is one entry
      r.mapped(new TraceEvent.Mapped(Instant.EPOCH, pid, "/usr/lib/libc.so.6", "mmap", 3, 0),
          pid == 10 ? libc : CompletableFuture.completedFuture(CC));
    }
    r.mapped(new TraceEvent.Mapped(Instant.EPOCH, 11, "/usr/lib/libc.so.6", "mprotect", -1, 7), replaced);
    r.mapped(new TraceEvent.Mapped(Instant.EPOCH, 11, "/tmp/gone.so", "mmap", 4, 0),
        CompletableFuture.failedFuture(new HashException("cannot read /tmp/gone.so", "no such file")));
    r.accept(new ProcessExited(Instant.EPOCH, 10, 0, null, false));
    r.accept(new ProcessExited(Instant.EPOCH, 11, 0, null, false));
    BuildRecord rec = r.finish(new BuildRecorder.Outcome(Instant.EPOCH, Instant.EPOCH, 0, null), Duration.ZERO);
    assertEquals(List.of(
        new BuildRecord.Library("/tmp/gone.so", null, List.of("mmap"), List.of("/usr/bin/make"), 1),
        new BuildRecord.Library("/usr/lib/ld.so", SH, List.of("interpreter"), List.of("/usr/bin/make"), 2),
        new BuildRecord.Library("/usr/lib/libc.so.6", CC, List.of("mmap"), List.of("/usr/bin/make"), 2),
        new BuildRecord.Library("/usr/lib/libc.so.6", CURL, List.of("mprotect"), List.of("/usr/bin/make"), 1)),
        rec.libraries());
    assertEquals(List.of("library not hashed: /tmp/gone.so (no such file)"), rec.completeness().reasons());
  }

  @Test
  void scriptsComeThroughTheFuture() {
    BuildRecorder r = recorder(TRACKED);
    r.accept(new ProcessStarted(Instant.EPOCH, 10, 1, false));
    BuildRecord.Script script = new BuildRecord.Script("/work/project/build.sh", CC);
    r.exec(new Exec(Instant.EPOCH, 10, "/usr/bin/dash", List.of("/bin/sh", "./build.sh"), "/work/project"),
        new ExecutableHasher.ExecHashes(CompletableFuture.completedFuture(SH), CompletableFuture.completedFuture(script)));
    r.accept(new ProcessExited(Instant.EPOCH, 10, 0, null, false));
    BuildRecord rec = r.finish(new BuildRecorder.Outcome(Instant.EPOCH, Instant.EPOCH, 0, null), Duration.ZERO);
    assertEquals(script, rec.processes().get(0).execs().get(0).script());
    List<String> out = new ArrayList<>();
    rec.tools().forEach(t -> out.add(t.path()));
    assertEquals(List.of("/usr/bin/dash"), out);
  }

  /**
   * The record with what legitimately differs between two runs of the same build removed: pids
   * and ppids become 0 and every time (invocation start/finish, process start/end, exec time) is
   * dropped. Two records of the same build are equal after this; what this test compares.
   */
  static BuildRecord normalised(BuildRecord r) {
    BuildRecord.Invocation inv = r.invocation();
    BuildRecord.Invocation invocation = inv == null ? null
        : new BuildRecord.Invocation(inv.argv(), inv.cwd(), null, null, inv.exitCode(), inv.signal());
    java.util.List<BuildRecord.ProcessInfo> processes = r.processes() == null ? null
        : r.processes().stream()
            .map(p -> new BuildRecord.ProcessInfo(0, 0, null, null, p.exitCode(), p.signal(), p.outlivedBuild(),
                p.execs() == null ? null : p.execs().stream()
                    .map(e -> new BuildRecord.Exec(e.path(), e.sha256(), e.argv(), e.cwd(), null, e.script()))
                    .toList()))
            .toList();
    return new BuildRecord(r.format(), r.agent(), invocation, r.completeness(), r.tools(), processes, r.network(),
        r.dns(), r.files(), r.sources(), r.notes());
  }

}
