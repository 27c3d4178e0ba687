package dev.plumbline.record;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.plumbline.egress.EgressMode;
import dev.plumbline.trace.EgressDecision;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The decision and mode enums keep the record's JSON labels byte for byte, and refuse any other. */
class EgressLabelsTest {
  @Test
  void labelsAreTheRecordFormat() {
    assertEquals(List.of("allowed", "audited", "blocked", "redirected"),
        java.util.Arrays.stream(EgressDecision.values()).map(EgressDecision::label).toList());
    assertEquals(List.of("audit", "block"), java.util.Arrays.stream(EgressMode.values()).map(EgressMode::label).toList());
  }

  @Test
  void aRecordWritesAndReadsTheLabels() throws Exception {
    List<BuildRecord.Destination> network = new ArrayList<>();
    for (EgressDecision d : EgressDecision.values()) {
      network.add(BuildRecord.Destination.to("inet", "udp", "127.0.0.1", 53).withDecision(d));
    }
    BuildRecord r = new BuildRecord(BuildRecord.FORMAT,
        new BuildRecord.Agent("plumbline", "0", "ptrace+seccomp", EgressMode.BLOCK, List.of("x.test:443"), null, null, null), null,
        BuildRecord.Completeness.full(), List.of(), List.of(), network,
        List.of(new BuildRecord.DnsQuery("x.test", "A", List.of(), EgressDecision.BLOCKED, 1)), List.of(), null, null);
    String json = BuildRecords.toJson(r);
    for (String label : List.of("\"egressMode\":\"block\"", "\"decision\":\"allowed\"", "\"decision\":\"audited\"",
        "\"decision\":\"blocked\"", "\"decision\":\"redirected\"")) {
      assertTrue(json.replace(" ", "").contains(label), label + " in " + json);
    }
    assertEquals(r, BuildRecords.parse(json, "r.json"));
    RecordException e = assertThrows(RecordException.class,
        () -> BuildRecords.parse(json.replace("\"redirected\"", "\"maybe\""), "r.json"));
    assertTrue(e.getMessage().startsWith("r.json"), e.getMessage());
  }
}
