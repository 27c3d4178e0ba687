package dev.plumbline.record;

import dev.plumbline.egress.EgressMode;
import dev.plumbline.redact.Redaction;
import dev.plumbline.trace.EgressDecision;
import java.io.IOException;
import java.io.OutputStream;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes a record of every section once, through each path the real one goes through after the
 * build (redaction, the process spool, the record writer, all on {@link BuildRecords}' one
 * mapper), and throws it away: Jackson introspects each record type once, and makes the
 * serializers and deserializers each path needs, and under the agent's C1-only JIT that was
 * 0.3-0.5 s of the time between the end of a short build and the agent's exit. Run beside the
 * build, it leaves the real record only the work of its own content. Reads nothing from the build,
 * writes nothing.
 */
public final class RecordWarmUp {
  private static final Logger log = LoggerFactory.getLogger(RecordWarmUp.class);

  private RecordWarmUp() {}

  /** Never fails: a warm-up that went wrong leaves the work to the real record, which says what is wrong. */
  public static void run() {
    try {
      BuildRecord sample = sample();
      RecordRedaction.apply(sample, Redaction.builtIn());
      ProcessSpool.roundTrip(sample.processes().get(0), BuildRecord.ProcessInfo.class);
      // and as EndedProcesses spools an ended process while the build runs, read back in finish
      ProcessSpool.roundTrip(new EndedProcesses.Entry(sample.processes().get(0), new int[] {0}, new int[] {0},
          new long[] {1}), EndedProcesses.Entry.class);
      BuildRecords.writeJson(sample, OutputStream.nullOutputStream());
    } catch (IOException | RuntimeException e) {
      log.debug("record warm-up: {}", e.toString());
    }
  }

  /** Every section and optional field filled with placeholders, so that no serializer is left to make. */
  static BuildRecord sample() {
    String at = "2000-01-01T00:00:00Z";
    String sha = "00".repeat(32);
    BuildRecord.BuildOutput output = new BuildRecord.BuildOutput("out", List.of("1"));
    BuildRecord.PackageFile file = new BuildRecord.PackageFile("/bin/x", sha, List.of("exec"), "/usr/bin/x", "md5:" + "00".repeat(16), "match");
    return new BuildRecord(
        BuildRecord.FORMAT,
        new BuildRecord.Agent("plumbline", "0", "ptrace+seccomp", EgressMode.AUDIT, List.of("x:1"), BuildRecord.Agent.SAME_USER, false, false),
        new BuildRecord.Invocation(List.of("x"), "/", at, at, 0, null),
        new BuildRecord.Completeness(false, List.of("x")),
        List.of(new BuildRecord.Tool("/bin/x", sha, 1, output)),
        List.of(new BuildRecord.ProcessInfo(1, 0, at, at, 0, 9, true, List.of(
            new BuildRecord.Exec("/bin/x", sha, List.of("x"), "/", at, new BuildRecord.Script("/x", sha, BuildRecord.Script.SHEBANG, output))))),
        List.of(BuildRecord.Destination.to("inet", "tcp", "127.0.0.1", 1).withHostname("x").withDecision(EgressDecision.AUDITED)
            .withCalls(List.of("connect"), List.of("ok")).withUse(List.of("1"), 1)),
        List.of(new BuildRecord.DnsQuery("x", "A", List.of("127.0.0.1"), EgressDecision.AUDITED, 1)),
        List.of(new BuildRecord.FileWrite("x", List.of("write"), false, List.of("1"), 1)),
        new BuildRecord.Sources(true, 1, 1),
        List.of(new BuildRecord.Note("x", "x", List.of("1"), 1)),
        null, // steps: a CI job's (JobRecord), not a run's
        new BuildRecord.Packages(
            List.of(new BuildRecord.PackageDatabase("dpkg", 1, List.of("x"), List.of("x"), "x")),
            List.of(new BuildRecord.UsedPackage("dpkg", "x", "1", "amd64", "pkg:deb/x", List.of(file))),
            List.of(file)),
        List.of(new BuildRecord.Library("/lib/x.so", sha, List.of("mmap"), List.of("1"), 1)));
  }
}
