package dev.plumbline.record;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.plumbline.trace.EgressDecision;
import dev.plumbline.trace.TraceEvent;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

class RunSummaryTest {

  @Test
  void textOfACompleteBuild() {
    BuildRecord rec = BuildRecordsTest.sample();
    assertEquals(String.join("\n",
        "plumbline: build exited 0 after 0.2s",
        "  processes: 5, distinct tools: 4",
        "  network: 3 destinations, 1 DNS name",
        "    NAME          ADDRESS                    PROTOCOL     PROCESS  DECISION  COUNT",
        "    example.test  127.0.0.2:80               tcp          curl     allowed   2",
        "    -             127.0.0.53:53              udp          curl     allowed   1",
        "    -             unix:/var/run/docker.sock  unix-stream  make     allowed   1",
        "  files written under the working directory: 3, tracked sources written: 1 (src/gen.h)",
        "  note: ptrace: /usr/bin/gcc tried PTRACE_TRACEME: refused (EPERM)",
        "  trace: complete",
        ""), RunSummary.text(rec));
  }

  @Test
  void anUntracedCloneRefusalNamesTheLeakSanitizerWorkaround() {
    BuildRecorder r = new BuildRecorder(new BuildRecorder.Settings(BuildRecorderTest.AGENT, List.of("./test"),
        BuildRecorderTest.WORK, GitTrackedFiles.none()));
    r.accept(new TraceEvent.ProcessStarted(Instant.EPOCH, 5, 1, false));
    r.accept(new TraceEvent.Note(Instant.EPOCH, 5, "clone",
        "/work/project/test asked for an untraced child (CLONE_UNTRACED): refused with EPERM"));
    r.accept(new TraceEvent.Note(Instant.EPOCH, 5, "seccomp", "/work/project/test installed its own seccomp filter"));
    r.accept(new TraceEvent.ProcessExited(Instant.ofEpochSecond(1), 5, 1, null, false));
    String text = RunSummary.text(r.finish(new BuildRecorder.Outcome(Instant.EPOCH, Instant.ofEpochSecond(1), 1, null), Duration.ZERO));
    assertTrue(text.contains("  note: clone: /work/project/test asked for an untraced child (CLONE_UNTRACED): refused with EPERM\n"
        + "    hint: AddressSanitizer's leak check (LeakSanitizer) does this at exit and then fails the program"
        + " (\"LeakSanitizer does not work under ptrace\"): set ASAN_OPTIONS=detect_leaks=0 for the traced build\n"), text);
    assertEquals(1, text.split("hint:", -1).length - 1, "only the clone note has a hint: " + text);
  }

  @Test
  void textOfAnIncompleteBuildKilledBySignalWithoutGit() {
    BuildRecorder r = new BuildRecorder(new BuildRecorder.Settings(BuildRecorderTest.AGENT, List.of("./build"),
        BuildRecorderTest.WORK, GitTrackedFiles.none()));
    r.accept(new TraceEvent.ProcessStarted(Instant.EPOCH, 5, 1, false));
    r.exec(new TraceEvent.Exec(Instant.EPOCH, 5, "/work/project/build", List.of("./build"), "/work/project"),
        CompletableFuture.completedFuture("e".repeat(64)), null);
    r.accept(new TraceEvent.Network(Instant.EPOCH, 5, "connect", "inet6", "tcp", "::1", 443, EgressDecision.BLOCKED, "blocked"));
    r.accept(new TraceEvent.Incomplete(Instant.EPOCH, 5, "io_uring used: its operations are not traced"));
    r.accept(new TraceEvent.Note(Instant.EPOCH, 5, "seccomp", "/work/project/build installed its own seccomp filter"));
    r.accept(new TraceEvent.Note(Instant.EPOCH, 5, "seccomp", "/work/project/build installed its own seccomp filter"));
    r.accept(new TraceEvent.FileChanged(Instant.EPOCH, 5, "/work/project/out.bin", "write"));
    r.accept(new TraceEvent.ProcessStarted(Instant.EPOCH, 6, 5, false));
    r.accept(new TraceEvent.ProcessExited(Instant.ofEpochSecond(2), 5, null, 9, false));
    r.accept(new TraceEvent.ProcessExited(Instant.ofEpochSecond(2), 6, null, 9, true));
    BuildRecord rec = r.finish(new BuildRecorder.Outcome(Instant.EPOCH, Instant.ofEpochMilli(2049), null, 9), Duration.ZERO);
    assertEquals(String.join("\n",
        "plumbline: build killed by signal 9 after 2.0s",
        "  processes: 2 (1 ended by plumbline after the grace period), distinct tools: 1",
        "  network: 1 destination",
        "    NAME  ADDRESS    PROTOCOL  PROCESS  DECISION  COUNT",
        "    -     [::1]:443  tcp       build    blocked   1",
        "  files written under the working directory: 1 (not a git checkout: tracked sources unknown)",
        "  note: seccomp: /work/project/build installed its own seccomp filter (2 times)",
        "  trace: INCOMPLETE:",
        "    - io_uring used: its operations are not traced",
        ""), RunSummary.text(rec));
  }

  /** Audit mode with an allowlist: the table says which destinations block mode would refuse. */
  @Test
  void auditedDestinationsOutsideTheAllowlistSayWouldBlock() throws Exception {
    BuildRecord rec = BuildRecordsTest.sample();
    rec = rec.withNetwork(List.of(
        BuildRecord.Destination.to("inet", "tcp", "127.0.0.2", 80).withHostname("example.test").withDecision(EgressDecision.AUDITED)
            .withCalls(List.of("connect"), List.of("ok")).withUse(List.of("/usr/bin/curl"), 2).withWouldBlock(false),
        BuildRecord.Destination.to("inet", "tcp", "127.0.0.3", 443).withHostname("other.test").withDecision(EgressDecision.AUDITED)
            .withCalls(List.of("connect"), List.of("ok")).withUse(List.of("/usr/bin/curl"), 1).withWouldBlock(true)));
    String text = RunSummary.text(rec);
    assertTrue(text.contains("    other.test    127.0.0.3:443  tcp       curl     audited, would block  1"), text);
    assertTrue(text.contains("    example.test  127.0.0.2:80   tcp       curl     audited               2"), text);
    JsonNode j = new ObjectMapper().readTree(RunSummary.json(rec));
    assertTrue(j.get("destinations").get(1).get("wouldBlock").asBoolean());
    assertEquals("audited", j.get("destinations").get(1).get("decision").asText());
  }

  @Test
  void jsonForm() throws Exception {
    JsonNode j = new ObjectMapper().readTree(RunSummary.json(BuildRecordsTest.sample()));
    assertEquals(0, j.get("exitCode").asInt());
    assertEquals(5, j.get("processes").asInt());
    assertEquals(0, j.get("endedByAgent").asInt());
    assertEquals(4, j.get("tools").asInt());
    assertEquals(3, j.get("destinations").size());
    JsonNode first = j.get("destinations").get(0);
    assertEquals("example.test", first.get("name").asText());
    assertEquals("127.0.0.2:80", first.get("address").asText());
    assertEquals("curl", first.get("processes").get(0).asText());
    assertEquals(2, first.get("count").asInt());
    assertEquals("src/gen.h", j.get("trackedSourcesWritten").get(0).asText());
    assertTrue(j.get("completeness").get("complete").asBoolean());
    assertEquals("ptrace", j.get("notes").get(0).get("kind").asText());
    assertTrue(RunSummary.json(BuildRecordsTest.sample()).endsWith("}\n"));
  }

  @Test
  void manyTrackedWritesAreShortened() {
    BuildRecorder r = BuildRecorderTest.recorder(new GitTrackedFiles(true,
        java.util.stream.IntStream.range(0, 12).mapToObj(i -> "f" + (char) ('a' + i)).collect(java.util.stream.Collectors.toSet())));
    r.accept(new TraceEvent.ProcessStarted(Instant.EPOCH, 5, 1, false));
    for (int i = 0; i < 12; i++) {
      r.accept(new TraceEvent.FileChanged(Instant.EPOCH, 5, "f" + (char) ('a' + i), "write"));
    }
    r.accept(new TraceEvent.ProcessExited(Instant.EPOCH, 5, 0, null, false));
    String text = RunSummary.text(r.finish(new BuildRecorder.Outcome(Instant.EPOCH, Instant.EPOCH, 0, null), Duration.ZERO));
    assertTrue(text.contains("tracked sources written: 12 (fa, fb, fc, fd, fe, ff, fg, fh, fi, fj and 2 more)"), text);
  }
}
