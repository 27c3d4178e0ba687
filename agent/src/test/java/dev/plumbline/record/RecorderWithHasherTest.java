package dev.plumbline.record;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.plumbline.testing.Coreutils;
import dev.plumbline.trace.TraceEvent;
import dev.plumbline.trace.decode.Cmdline;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The path the tracer takes at an exec stop, with real processes standing in for stopped tracees:
 * the hasher opens /proc/PID/exe at once, the process goes away, and the record still carries the
 * digest (compared with sha256sum) and the script's.
 */
class RecorderWithHasherTest {
  @TempDir Path tmp;

  @Test
  void digestsSurviveTheProcess() throws Exception {
    Path script = tmp.resolve("build.sh");
    Files.writeString(script, "#!/bin/sh\nread line\n");
    Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
    Path sh = Path.of("/bin/sh").toRealPath();

    Process p = new ProcessBuilder("./build.sh", "--token", "s3cr3t").directory(tmp.toFile()).start();
    int pid = (int) p.pid();
    Path exe = Path.of("/proc/" + pid + "/exe");
    for (int i = 0; i < 2000 && !Files.readSymbolicLink(exe).equals(sh); i++) {
      Thread.sleep(5);
    }
    List<String> argv = Cmdline.parse(Files.readAllBytes(Path.of("/proc/" + pid + "/cmdline")));
    String cwd = Files.readSymbolicLink(Path.of("/proc/" + pid + "/cwd")).toString();

    BuildRecorder recorder = new BuildRecorder(new BuildRecorder.Settings(BuildRecorderTest.AGENT,
        List.of("./build.sh", "--token", "s3cr3t"), tmp, GitTrackedFiles.none()));
    try (ExecutableHasher hasher = new ExecutableHasher()) {
      recorder.accept(new TraceEvent.ProcessStarted(Instant.now(), pid, 1, false));
      recorder.exec(new TraceEvent.Exec(Instant.now(), pid, sh.toString(), argv, cwd),
          hasher.onExec(pid, argv, cwd));
      // the build finishes: /proc/PID is gone before the record is built
      p.getOutputStream().close();
      assertTrue(p.waitFor(60, TimeUnit.SECONDS));
      recorder.accept(new TraceEvent.ProcessExited(Instant.now(), pid, p.exitValue(), null, false));
      BuildRecord rec = recorder.finish(new BuildRecorder.Outcome(Instant.now(), Instant.now(), 0, null),
          Duration.ofSeconds(60));

      assertTrue(rec.completeness().complete(), rec.completeness().reasons().toString());
      assertEquals(List.of(new BuildRecord.Tool(sh.toString(), Coreutils.digest("sha256sum", sh), 1)), rec.tools());
      BuildRecord.Exec exec = rec.processes().get(0).execs().get(0);
      assertEquals(new BuildRecord.Script(script.toRealPath().toString(), Coreutils.digest("sha256sum", script)), exec.script());
      assertEquals(List.of("/bin/sh", "./build.sh", "--token", "***"), exec.argv());
      assertEquals(List.of("./build.sh", "--token", "***"), rec.invocation().argv());
    }
  }
}
