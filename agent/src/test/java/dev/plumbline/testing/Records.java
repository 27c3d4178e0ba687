package dev.plumbline.testing;

import dev.plumbline.egress.EgressMode;
import dev.plumbline.record.BuildRecord;
import dev.plumbline.trace.EgressDecision;
import java.util.List;

/** Synthetic build records for tests that do not trace. */
public final class Records {
  private Records() {}

  public static BuildRecord sample(boolean complete) {
    return new BuildRecord(
        BuildRecord.FORMAT,
        new BuildRecord.Agent("plumbline", "0.1.0-test", "ptrace+seccomp", EgressMode.AUDIT, List.of("*.debian.org:443"), null, null, null),
        new BuildRecord.Invocation(List.of("make", "dist"), "/work/project", "2026-11-22T03:00:00Z", "2026-11-22T03:00:05Z", 0, null),
        complete ? BuildRecord.Completeness.full() : new BuildRecord.Completeness(false, List.of("io_uring used by pid 42")),
        List.of(
            new BuildRecord.Tool("/usr/bin/cc", "aa".repeat(32), 3),
            new BuildRecord.Tool("/usr/bin/make", "bb".repeat(32), 1)),
        List.of(
            new BuildRecord.ProcessInfo(
                100, 99, "2026-11-22T03:00:00Z", "2026-11-22T03:00:05Z", 0, null, false,
                List.of(new BuildRecord.Exec("/usr/bin/make", "bb".repeat(32), List.of("make", "dist"), "/work/project", "2026-11-22T03:00:00Z", null)))),
        List.of(
            BuildRecord.Destination.to("inet", "tcp", "198.51.100.7", 443).withHostname("deb.debian.org").withDecision(EgressDecision.AUDITED)
            .withCalls(List.of("connect"), List.of("ok")).withUse(List.of("curl"), 2)),
        List.of(new BuildRecord.DnsQuery("deb.debian.org", "A", List.of("198.51.100.7"), EgressDecision.AUDITED, 1)),
        List.of(new BuildRecord.FileWrite("dist/app.tar.gz", List.of("create", "write"), false, List.of("tar"), 1)),
        null,
        null,
        null, null, null);
  }
}
