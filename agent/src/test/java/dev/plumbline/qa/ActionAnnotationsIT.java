package dev.plumbline.qa;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.plumbline.testing.Processes;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The action's annotations in audit mode with an allowlist: a warning only for destinations block
 * mode would refuse ({@code wouldBlock: true}), not for every audited one (QA finding), both from
 * run.sh's jq filter and from action/RecordTool.java (used when jq is missing).
 */
class ActionAnnotationsIT {
  private static final Path ROOT = Path.of(System.getProperty("plumbline.root", "..")).toAbsolutePath().normalize();

  private static final String RECORD = """
      {"completeness": {"complete": true}, "network": [
        {"family": "inet", "protocol": "tcp", "address": "127.0.0.2", "port": 443, "hostname": "allowed.test",
         "decision": "audited", "processes": ["/usr/bin/curl"], "count": 1, "wouldBlock": false},
        {"family": "inet", "protocol": "tcp", "address": "127.0.0.3", "port": 443, "hostname": "outside.test",
         "decision": "audited", "processes": ["/usr/bin/curl"], "count": 1, "wouldBlock": true}]}
      """;

  @TempDir Path dir;

  private static String run(List<String> command) throws IOException, InterruptedException {
    Processes.Result r = Processes.run(command, ROOT, Duration.ofMinutes(2));
    assertEquals(0, r.exit(), r.output());
    return r.output();
  }

  private static void assertWarnsOnlyAboutOutside(String annotations) {
    List<String> warnings = annotations.lines().filter(l -> l.startsWith("::warning")).toList();
    assertEquals(1, warnings.size(), annotations);
    assertTrue(warnings.get(0).contains("outside.test:443"), annotations);
  }

  @Test
  void jqFilterWarnsOnlyWhereBlockModeWouldRefuse() throws Exception {
    Path record = dir.resolve("record.json");
    Files.writeString(record, RECORD);
    // run.sh's annotate function on its own (the script's entry point needs a runner)
    String script = "eval \"$(sed -n '/^annotate() {/,/^}/p' action/run.sh)\"; annotate \"$1\" audit true ''";
    assertWarnsOnlyAboutOutside(run(List.of("bash", "-c", script, "annotate", record.toString())));
  }

  @Test
  void recordToolWarnsOnlyWhereBlockModeWouldRefuse() throws Exception {
    Path record = dir.resolve("record.json");
    Files.writeString(record, RECORD);
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    assertWarnsOnlyAboutOutside(run(List.of(java, "-cp", ROOT.resolve("agent/target/plumbline.jar").toString(),
        "action/RecordTool.java", "annotations", record.toString(), "audit", "true", "")));
  }
}
