package dev.plumbline.ci;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a build writes into the step's output and summary files cannot pass for the agent's. */
class StepFilesTest {
  @TempDir Path dir;

  private GithubContext ctx(Path output, Path summary) {
    return GithubContext.of(Map.of("GITHUB_OUTPUT", output.toString(), "GITHUB_STEP_SUMMARY", summary.toString(),
        "RUNNER_TEMP", dir.toString(), "GITHUB_WORKSPACE", dir.toString()));
  }

  @Test
  void theBuildsOutputLinesAreDiscardedAndItsSummaryFollowsTheAgents() throws Exception {
    Path output = Files.writeString(dir.resolve("output"), "earlier=1\n");
    Path summary = Files.writeString(dir.resolve("summary"), "");
    StepFiles files = StepFiles.before(ctx(output, summary));
    // the build
    Files.writeString(output, "verdict=verified\n", java.nio.file.StandardOpenOption.APPEND);
    Files.writeString(summary, "## ✅ Plumbline: verified\n", java.nio.file.StandardOpenOption.APPEND);

    Map<String, String> outputs = new LinkedHashMap<>();
    outputs.put("verdict", "rejected");
    assertTrue(files.writeOutputs(outputs), "the build's write is noticed");
    String out = Files.readString(output);
    assertTrue(out.startsWith("earlier=1\nverdict<<PLUMBLINE_"), out);
    assertFalse(out.contains("verified"), out);

    files.writeSummary("## ❌ Plumbline: REJECTED\n");
    String text = Files.readString(summary);
    assertTrue(text.startsWith("## ❌ Plumbline: REJECTED\n"), text);
    int heading = text.indexOf("Written to this step's summary by the build, not by Plumbline");
    assertTrue(heading > 0 && text.indexOf("Plumbline: verified") > heading, text);
  }

  @Test
  void aLinkThePlantedAtTheOutputPathIsReplacedNotFollowed() throws Exception {
    Path output = Files.writeString(dir.resolve("output"), "");
    Path summary = Files.writeString(dir.resolve("summary"), "");
    StepFiles files = StepFiles.before(ctx(output, summary));
    Path elsewhere = Files.writeString(dir.resolve("elsewhere"), "keep me\n");
    Files.delete(output);
    Files.createSymbolicLink(output, elsewhere);
    assertTrue(files.writeOutputs(Map.of("verdict", "rejected")));
    assertFalse(Files.isSymbolicLink(output));
    assertEquals("keep me\n", Files.readString(elsewhere));
    assertTrue(Files.readString(output).contains("rejected"));
  }

  @Test
  void anUntouchedFileJustGetsTheAgentsLines() throws Exception {
    Path output = Files.writeString(dir.resolve("output"), "");
    Path summary = Files.writeString(dir.resolve("summary"), "earlier step\n");
    StepFiles files = StepFiles.before(ctx(output, summary));
    assertFalse(files.writeOutputs(Map.of("verdict", "verified")));
    files.writeSummary("ours\n");
    assertEquals("earlier step\nours\n", Files.readString(summary));
  }
}
