package dev.plumbline.qa;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.plumbline.ci.Annotations;
import dev.plumbline.record.BuildRecords;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The action's annotations in audit mode with an allowlist: a warning only for destinations block
 * mode would refuse ({@code wouldBlock: true}), not for every audited one (QA finding). The action
 * computes them in the agent ({@code dev.plumbline.ci.Annotations}) from the record it wrote.
 */
class ActionAnnotationsIT {
  private static final String RECORD = """
      {"format": "https://plumbline.dev/record/v1", "completeness": {"complete": true}, "network": [
        {"family": "inet", "protocol": "tcp", "address": "127.0.0.2", "port": 443, "hostname": "allowed.test",
         "decision": "audited", "processes": ["/usr/bin/curl"], "count": 1, "wouldBlock": false},
        {"family": "inet", "protocol": "tcp", "address": "127.0.0.3", "port": 443, "hostname": "outside.test",
         "decision": "audited", "processes": ["/usr/bin/curl"], "count": 1, "wouldBlock": true}]}
      """;

  @Test
  void warnsOnlyWhereBlockModeWouldRefuse() throws Exception {
    List<String> annotations = Annotations.of(BuildRecords.parse(RECORD, "record.json"), "");
    List<String> warnings = annotations.stream().filter(l -> l.startsWith("::warning")).toList();
    assertEquals(1, warnings.size(), annotations.toString());
    assertTrue(warnings.get(0).contains("outside.test:443"), annotations.toString());
  }
}
