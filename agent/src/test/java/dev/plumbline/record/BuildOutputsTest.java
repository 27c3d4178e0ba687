package dev.plumbline.record;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.plumbline.trace.TraceEvent.Exec;
import dev.plumbline.trace.TraceEvent.FileChanged;
import dev.plumbline.trace.TraceEvent.ProcessExited;
import dev.plumbline.trace.TraceEvent.ProcessStarted;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * Which executed files the recorder marks as build outputs: written (created, truncated, renamed
 * onto) by a traced process under the working directory, untracked, before the exec that ran them.
 */
class BuildOutputsTest {
  static final String LD = "1".repeat(64);
  static final String HELLO = "2".repeat(64);
  static final String OTHER = "3".repeat(64);
  static final String SH = "4".repeat(64);
  static final Instant T = Instant.EPOCH;

  /** A recorder with /usr/bin/ld as pid 10 and room for more processes. */
  static BuildRecorder recorder() {
    BuildRecorder r = BuildRecorderTest.recorder(BuildRecorderTest.TRACKED);
    r.accept(new ProcessStarted(T, 10, 1, false));
    r.exec(new Exec(T, 10, "/usr/bin/ld", List.of("ld", "-o", "build/hello"), "/work/project"),
        CompletableFuture.completedFuture(LD), null);
    return r;
  }

  static void run(BuildRecorder r, int pid, String path, String sha) {
    r.accept(new ProcessStarted(T, pid, 1, false));
    r.exec(new Exec(T, pid, path, List.of(path), "/work/project"), CompletableFuture.completedFuture(sha), null);
    r.accept(new ProcessExited(T, pid, 0, null, false));
  }

  static BuildRecord finish(BuildRecorder r) {
    r.accept(new ProcessExited(T, 10, 0, null, false));
    return r.finish(new BuildRecorder.Outcome(T, T, 0, null), Duration.ZERO);
  }

  static BuildRecord.Tool tool(BuildRecord rec, String path) {
    return rec.tools().stream().filter(t -> t.path().equals(path)).findFirst().orElseThrow();
  }

  @Test
  void aBinaryTheBuildLinkedAndThenRanIsAnOutputByItsWorkspacePath() {
    BuildRecorder r = recorder();
    r.accept(new FileChanged(T, 10, "/work/project/build/hello", "create"));
    r.accept(new FileChanged(T, 10, "/work/project/build/hello", "write"));
    run(r, 11, "/work/project/build/hello", HELLO);
    BuildRecord rec = finish(r);
    assertEquals(new BuildRecord.BuildOutput("build/hello", List.of("/usr/bin/ld")), tool(rec, "/work/project/build/hello").buildOutput());
    assertEquals(HELLO, tool(rec, "/work/project/build/hello").sha256(), "the digest stays in the record");
    assertNull(tool(rec, "/usr/bin/ld").buildOutput());
  }

  @Test
  void truncatingAndRenamingOntoThePathCountAndTheCopierIsNamed() {
    BuildRecorder r = recorder();
    r.accept(new ProcessStarted(T, 20, 1, false));
    r.exec(new Exec(T, 20, "/usr/bin/cp", List.of("cp", "/tmp/x", "t1"), "/work/project"), CompletableFuture.completedFuture(OTHER), null);
    r.accept(new FileChanged(T, 20, "/work/project/t1", "truncate"));
    r.accept(new FileChanged(T, 10, "/work/project/t2", "rename-to"));
    r.accept(new ProcessExited(T, 20, 0, null, false));
    run(r, 11, "/work/project/t1", HELLO);
    run(r, 12, "/work/project/t2", OTHER);
    BuildRecord rec = finish(r);
    assertEquals(List.of("/usr/bin/cp"), tool(rec, "/work/project/t1").buildOutput().writtenBy(),
        "a copy into the workspace is a build output, and the record says who put it there");
    assertEquals("t2", tool(rec, "/work/project/t2").buildOutput().path());
  }

  @Test
  void aFileOnlyOpenedForWritingOrWrittenAfterItRanIsNoOutput() {
    BuildRecorder r = recorder();
    r.accept(new FileChanged(T, 10, "/work/project/appended", "write")); // content kept: not replaced
    run(r, 11, "/work/project/appended", HELLO);
    run(r, 12, "/work/project/later", OTHER); // ran first, written afterwards
    r.accept(new FileChanged(T, 10, "/work/project/later", "create"));
    BuildRecord rec = finish(r);
    assertNull(tool(rec, "/work/project/appended").buildOutput());
    assertNull(tool(rec, "/work/project/later").buildOutput());
  }

  @Test
  void trackedFilesAndFilesOutsideTheWorkspaceAreNoOutputs() {
    BuildRecorder r = recorder();
    r.accept(new FileChanged(T, 10, "/work/project/Makefile", "truncate")); // tracked
    r.accept(new FileChanged(T, 10, "/tmp/go-build1/b001/x.test", "create")); // outside
    run(r, 11, "/work/project/Makefile", HELLO);
    run(r, 12, "/tmp/go-build1/b001/x.test", OTHER);
    BuildRecord rec = finish(r);
    assertNull(tool(rec, "/work/project/Makefile").buildOutput());
    assertNull(tool(rec, "/tmp/go-build1/b001/x.test").buildOutput());
  }

  @Test
  void oneExecNotPrecededByAWriteMakesTheToolNoOutput() {
    BuildRecorder r = recorder();
    run(r, 11, "/work/project/build/hello", HELLO); // a leftover from before the build ran first
    r.accept(new FileChanged(T, 10, "/work/project/build/hello", "create"));
    run(r, 12, "/work/project/build/hello", HELLO); // the same bytes again
    BuildRecord rec = finish(r);
    assertEquals(2, tool(rec, "/work/project/build/hello").count());
    assertNull(tool(rec, "/work/project/build/hello").buildOutput());
  }

  @Test
  void aGeneratedScriptIsMarkedOnTheExec() {
    BuildRecorder r = recorder();
    r.accept(new FileChanged(T, 10, "/work/project/config.status", "create"));
    r.accept(new ProcessStarted(T, 11, 1, false));
    r.exec(new Exec(T, 11, "/usr/bin/dash", List.of("/bin/sh", "./config.status"), "/work/project"),
        new ExecutableHasher.ExecHashes(CompletableFuture.completedFuture(SH),
            CompletableFuture.completedFuture(new BuildRecord.Script("/work/project/config.status", HELLO))));
    r.accept(new ProcessExited(T, 11, 0, null, false));
    BuildRecord rec = finish(r);
    BuildRecord.Script s = rec.processes().stream().flatMap(p -> p.execs().stream())
        .filter(e -> e.script() != null).findFirst().orElseThrow().script();
    assertEquals(new BuildRecord.BuildOutput("config.status", List.of("/usr/bin/ld")), s.buildOutput());
    assertNull(tool(rec, "/usr/bin/dash").buildOutput(), "the interpreter is not the output");
  }

  @Test
  void aJobKeepsAnOutputOnlyWhenEveryStepSawItWritten() {
    BuildRecord.BuildOutput ld = new BuildRecord.BuildOutput("build/hello", List.of("/usr/bin/ld"));
    BuildRecord.BuildOutput cp = new BuildRecord.BuildOutput("build/hello", List.of("/usr/bin/cp"));
    BuildRecord.Tool a = new BuildRecord.Tool("/w/build/hello", HELLO, 1, ld);
    assertEquals(new BuildRecord.Tool("/w/build/hello", HELLO, 2, new BuildRecord.BuildOutput("build/hello", List.of("/usr/bin/cp", "/usr/bin/ld"))),
        a.plus(new BuildRecord.Tool("/w/build/hello", HELLO, 1, cp)));
    assertNull(a.plus(new BuildRecord.Tool("/w/build/hello", HELLO, 1)).buildOutput());
  }
}
