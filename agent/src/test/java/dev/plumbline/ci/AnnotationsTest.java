package dev.plumbline.ci;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.plumbline.record.BuildRecord;
import dev.plumbline.testing.Records;
import dev.plumbline.trace.EgressDecision;
import java.util.List;
import org.junit.jupiter.api.Test;

class AnnotationsTest {
  static BuildRecord record() {
    BuildRecord base = Records.sample(false);
    return new BuildRecord(base.format(), base.agent(), base.invocation(), base.completeness(), base.tools(), base.processes(),
        List.of(
            BuildRecord.Destination.to("inet", "tcp", "192.0.2.7", 443).withHostname("exfil.example").withDecision(EgressDecision.BLOCKED).withCalls(List.of("connect"), List.of("EPERM")).withUse(List.of("/usr/bin/curl"), 1),
            BuildRecord.Destination.to("inet", "tcp", "198.51.100.1", 443).withDecision(EgressDecision.AUDITED).withCalls(List.of("connect"), List.of("ok")).withUse(List.of("/usr/bin/git"), 1).withWouldBlock(true),
            BuildRecord.Destination.to("inet", "tcp", "198.51.100.2", 443).withDecision(EgressDecision.AUDITED).withCalls(List.of("connect"), List.of("ok")).withUse(List.of("/usr/bin/git"), 1).withWouldBlock(false),
            BuildRecord.Destination.to("inet6", "tcp", "2001:db8::1", 443).withDecision(EgressDecision.AUDITED).withCalls(List.of("connect"), List.of("ok")).withUse(List.of("/usr/bin/git"), 1).withWouldBlock(true)),
        base.dns(),
        List.of(
            new BuildRecord.FileWrite("src/a,b:c.c", List.of("write"), true, List.of("/usr/bin/sed"), 1),
            new BuildRecord.FileWrite("build/x.o", List.of("create"), false, List.of("/usr/bin/as"), 1)),
        base.sources(), base.notes());
  }

  @Test
  void aRecordRaisesTheExpectedAnnotations() {
    assertEquals(List.of(
        "::error title=Plumbline%3A incomplete trace::The record is incomplete: io_uring used by pid 42",
        "::error title=Plumbline%3A egress blocked::tcp exfil.example:443 from /usr/bin/curl",
        "::warning title=Plumbline%3A egress outside the allowlist::tcp 198.51.100.1:443 from /usr/bin/git (would be blocked with egress-policy: block)",
        "::warning title=Plumbline%3A egress outside the allowlist::tcp [2001:db8::1]:443 from /usr/bin/git (would be blocked with egress-policy: block)",
        "::warning file=sub/src/a%2Cb%3Ac.c,title=Plumbline%3A source file modified during the build::write by /usr/bin/sed"),
        Annotations.of(record(), "sub/"));
  }

  @Test
  void valuesFromTheBuildCannotInjectCommands() {
    BuildRecord base = record();
    BuildRecord hostile = base.withNetwork(List.of(BuildRecord.Destination.to("inet", "tcp", "192.0.2.9", 443).withHostname("x.test\n::add-mask::secret").withDecision(EgressDecision.BLOCKED).withCalls(List.of("connect"), List.of("EPERM")).withUse(List.of("/tmp/evil\r\n::error::forged"), 1)));
    for (String line : Annotations.of(hostile, "")) {
      assertTrue(!line.contains("\n") && !line.contains("\r"), line);
    }
    assertTrue(Annotations.of(hostile, "").get(1).contains("x.test%0A::add-mask::secret"), Annotations.of(hostile, "").toString());
  }
}
