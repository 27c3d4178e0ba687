package dev.plumbline.record;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.plumbline.trace.TraceEvent.Exec;
import dev.plumbline.trace.TraceEvent.Mapped;
import dev.plumbline.trace.TraceEvent.ProcessExited;
import dev.plumbline.trace.TraceEvent.ProcessStarted;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the recorder keeps per exec while a build runs: every exec is held until the record is
 * built, so a build of 100,000 processes must not cost the agent much per process. The events
 * carry fresh strings, as the tracer's do (it reads each exec's path, argv and cwd from the tracee).
 */
class BuildRecorderMemoryTest {

  @TempDir Path tmp;

  private static final int EXECS = 100_000;
  /**
   * Bytes of heap per exec of the same tool (one process: start, exec, libc mapped, exit), once
   * the processes that ended are spooled ({@link EndedProcesses}: their facts for the record's
   * order with them, nothing per process in the heap). Measured 0 (within ±300 bytes over the
   * 100,000); 38 with those facts and the spool's index in the heap, 172 when every process and
   * exec was held until the record was made (~250 with Instants and events); anything that keeps
   * an int per process goes past it.
   */
  private static final long BOUND_PER_EXEC = 2;

  @Test
  void theModelGrowsByABoundedAmountPerExecAndTheRecordListsThemAll() throws Exception {
    BuildRecorder r = BuildRecorderTest.recorder(GitTrackedFiles.none()).spoolingIn(tmp);
    CompletableFuture<String> tool = CompletableFuture.completedFuture("ab".repeat(32)); // the hasher's cache: one per file
    CompletableFuture<String> libc = CompletableFuture.completedFuture("cd".repeat(32));
    Instant t0 = Instant.parse("2026-01-01T00:00:00Z");
    r.accept(new ProcessStarted(t0, 100, 1, false));
    r.exec(new Exec(t0, 100, "/usr/bin/dash", List.of("sh", "-c", "loop"), BuildRecorderTest.WORK.toString()), tool, null);
    int pid = 1000;
    pid = storm(r, pid, 1_000, t0, tool, libc); // warm up: classes loaded, maps grown past their first sizes
    r.awaitSpooled();
    long before = heapAfterGc();
    pid = storm(r, pid, EXECS, t0, tool, libc);
    // the test hands processes on faster than the tracer could (no tracee to stop): what is
    // measured is what stays once the spooling thread has caught up
    r.awaitSpooled();
    long grown = heapAfterGc() - before;

    assertTrue(grown <= BOUND_PER_EXEC * EXECS,
        "the recorder grew by " + grown / EXECS + " bytes per exec over " + EXECS + " execs (bound " + BOUND_PER_EXEC + ")");

    BuildRecord record = r.finish(new BuildRecorder.Outcome(t0, t0.plusSeconds(60), 0, null), Duration.ofSeconds(5));
    assertEquals(EXECS + 1_001, record.processes().size());
    assertEquals(EXECS + 1_000, record.tools().stream().filter(x -> x.path().equals("/usr/bin/true")).findFirst().orElseThrow().count());
    Path file = tmp.resolve("record.json");
    BuildRecords.write(record, file); // streamed (reading 40 MB back is BuildRecordsTest's business on a small one)
    assertTrue(Files.size(file) > 200L * EXECS, "the record holds every process: " + Files.size(file) + " bytes");
  }

  /**
   * Bytes of heap per process the finished record, redacted twice, written and summarised, still
   * holds while it is in use (the recorder too): the processes are in the spool, its index there
   * too, and the recorder let go of its model. Measured 0–2 (noise of ~0.2 MB over the 100,000;
   * 10 with the spool's index in the heap, 31 before the processes were spooled as they ended);
   * with the processes held in memory (the spool off) 490. Anything that keeps an int per process
   * goes past it.
   */
  private static final long BOUND_HELD_PER_PROCESS = 3;

  /** What a finished pipeline leaves reachable: all of it is what was measured. */
  private record Pipeline(BuildRecorder recorder, BuildRecord record, RunSummary.Summary summary, Path file) {}

  @Test
  void onceTheRecordIsBuiltRedactedAndWrittenNothingIsHeldPerProcess() throws Exception {
    pipeline(1_000, tmp.resolve("warm-up.json")); // Jackson's caches, the redaction's, the classes: not per process
    long before = heapAfterGc();
    Pipeline done = pipeline(EXECS, tmp.resolve("record.json"));
    long held = heapAfterGc() - before;

    assertTrue(held <= BOUND_HELD_PER_PROCESS * EXECS,
        "the finished pipeline holds " + held / EXECS + " bytes per process over " + EXECS + " (bound " + BOUND_HELD_PER_PROCESS + ")");
    BuildRecord record = done.record();
    assertEquals(EXECS + 1, record.processes().size());
    assertEquals(EXECS + 1, done.summary().processes());
    assertEquals("***.test", record.network().get(0).hostname());
    assertTrue(Files.size(done.file()) > 200L * EXECS, "the record holds every process: " + Files.size(done.file()) + " bytes");
    assertEquals(List.of("sh", "-c", "loop ***"), record.processes().get(0).execs().get(0).argv());
    assertEquals(done.recorder(), done.recorder()); // the recorder, reachable until here, is part of what was measured
  }

  /** A storm of {@code execs} recorded, finished, redacted again, written to {@code file} and summarised. */
  private Pipeline pipeline(int execs, Path file) throws Exception {
    CompletableFuture<String> tool = CompletableFuture.completedFuture("ab".repeat(32));
    CompletableFuture<String> libc = CompletableFuture.completedFuture("cd".repeat(32));
    Instant t0 = Instant.parse("2026-01-01T00:00:00Z");
    BuildRecorder r = BuildRecorderTest.recorder(GitTrackedFiles.none())
        .redacting(dev.plumbline.redact.Redaction.builtIn().maskingValuesOf(java.util.Map.of("API_TOKEN", "s3cr3t-value")))
        .spoolingIn(tmp);
    r.accept(new ProcessStarted(t0, 100, 1, false));
    r.exec(new Exec(t0, 100, "/usr/bin/dash", List.of("sh", "-c", "loop s3cr3t-value"), BuildRecorderTest.WORK.toString()), tool, null);
    storm(r, 1000, execs, t0, tool, libc);
    r.accept(new ProcessExited(t0.plusSeconds(9), 100, 0, null, false));

    BuildRecord record = r.finish(new BuildRecorder.Outcome(t0, t0.plusSeconds(60), 0, null), Duration.ofSeconds(5));
    // the second pass, after egress added a hostname; then the writer and the summary walk every process
    record = r.redact(record.withNetwork(List.of(
        BuildRecord.Destination.to("inet", "tcp", "127.0.0.1", 443).withHostname("s3cr3t-value.test"))));
    BuildRecords.write(record, file);
    return new Pipeline(r, record, RunSummary.summarise(record), file);
  }

  private static int storm(BuildRecorder r, int pid, int n, Instant t0, CompletableFuture<String> tool,
      CompletableFuture<String> libc) {
    for (int i = 0; i < n; i++, pid++) {
      Instant at = t0.plusNanos(pid * 1_000L);
      r.accept(new ProcessStarted(at, pid, 100, false));
      // new String: what the tracer reads from /proc is a new object each time
      r.exec(new Exec(at, pid, new String("/usr/bin/true"), List.of(new String("/bin/true")),
          new String(BuildRecorderTest.WORK.toString())), tool, null);
      r.mapped(new Mapped(at, pid, new String("/usr/lib/x86_64-linux-gnu/libc.so.6"), "mmap", 3, 42), libc);
      r.accept(new ProcessExited(at.plusNanos(500), pid, 0, null, false));
    }
    return pid;
  }

  /** Heap in use after full collections (until it stops shrinking), so garbage does not count. */
  private static long heapAfterGc() {
    var memory = ManagementFactory.getMemoryMXBean();
    long used = Long.MAX_VALUE;
    for (int i = 0; i < 10; i++) {
      System.gc();
      long now = memory.getHeapMemoryUsage().getUsed();
      if (now >= used) {
        return now;
      }
      used = now;
    }
    return used;
  }

  @Test
  void theStreamedFileHasTheBytesOfToJson() throws Exception {
    BuildRecorder r = BuildRecorderTest.recorder(GitTrackedFiles.none());
    Instant t0 = Instant.parse("2026-01-01T00:00:00Z");
    r.accept(new ProcessStarted(t0, 100, 1, false));
    r.exec(new Exec(t0, 100, "/usr/bin/echo", List.of("echo", "grüße ☃ \u0001 \"q\" 𝄞"), "/work/über"),
        CompletableFuture.completedFuture("ab".repeat(32)), null);
    r.accept(new ProcessExited(t0, 100, 0, null, false));
    BuildRecord record = r.finish(new BuildRecorder.Outcome(t0, t0, 0, null), Duration.ofSeconds(5));
    Path file = tmp.resolve("record.json");
    BuildRecords.write(record, file);
    assertEquals(BuildRecords.toJson(record), Files.readString(file));
  }
}
