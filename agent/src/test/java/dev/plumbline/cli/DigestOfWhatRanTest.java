package dev.plumbline.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.plumbline.attest.Subjects;
import dev.plumbline.testing.Processes;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The recorded digest is of the bytes that ran: a build that rewrites a program or script right
 * after running it (in place, or by renaming another file over it) must never get the new content's
 * digest recorded for what ran. Raced on purpose, many times in one build; a single wrong digest
 * fails the test. When the agent cannot tell (rewritten in place before it hashed), the exec has no
 * digest and the trace is incomplete naming the file.
 */
@Tag("needs-ptrace")
class DigestOfWhatRanTest {
  static final int ROUNDS = 25;

  @Test
  void aProgramOrScriptRewrittenAfterItRanIsNeverRecordedWithTheNewDigest(@TempDir Path work) throws Exception {
    Path benign = work.resolve("benign.sh");
    Path evil = work.resolve("evil.sh");
    Files.writeString(benign, "#!/bin/sh\necho benign\n");
    Files.writeString(evil, "#!/bin/sh\necho EVIL!\n"); // same length: an in-place rewrite keeps the size
    Path trueBin = Path.of("/bin/true").toRealPath();
    Path falseBin = Path.of("/bin/false").toRealPath();
    List<String> steps = new ArrayList<>();
    for (int i = 0; i < ROUNDS; i++) {
      // a program: copied, run, then overwritten in place (same inode) with another program
      steps.add("cp " + trueBin + " prog" + i + " && ./prog" + i + " && cat " + falseBin + " 1<> prog" + i);
      // a script: run, then rewritten in place; and another run, then replaced by rename
      steps.add("cp benign.sh s" + i + ".sh && sh s" + i + ".sh >/dev/null && cat evil.sh 1<> s" + i + ".sh");
      steps.add("cp benign.sh r" + i + ".sh && sh r" + i + ".sh >/dev/null && cp evil.sh r" + i + ".new && mv r" + i + ".new r" + i + ".sh");
    }
    Processes.Result run = SourceWriteRoutesTest.plumbline(work, "run", "--record", "rec.json", "--", "sh", "-c", String.join("\n", steps));
    assertEquals(0, run.exit(), run.output());

    String trueSha = Subjects.sha256Hex(trueBin);
    String falseSha = Subjects.sha256Hex(falseBin);
    String benignSha = Subjects.sha256Hex(benign);
    String evilSha = Subjects.sha256Hex(evil);
    assertNotEquals(benignSha, evilSha);
    JsonNode rec = new ObjectMapper().readTree(work.resolve("rec.json").toFile());
    String reasons = rec.path("completeness").path("reasons").toString();
    int progs = 0;
    int scripts = 0;
    int unknown = 0;
    for (JsonNode p : rec.path("processes")) {
      for (JsonNode e : p.path("execs")) {
        String path = e.path("path").asText();
        if (path.matches(".*/prog\\d+")) {
          progs++;
          assertFalse(falseSha.equals(e.path("sha256").asText()), path + " recorded with the digest of what replaced it");
          if (e.path("sha256").isNull() || e.path("sha256").isMissingNode()) {
            unknown++;
            assertTrue(reasons.contains(path), "an unhashable exec is named in the reasons: " + reasons);
          } else {
            assertEquals(trueSha, e.path("sha256").asText(), path);
          }
        }
        JsonNode script = e.path("script");
        if (!script.isMissingNode() && !script.isNull() && script.path("path").asText().matches(".*/[sr]\\d+\\.sh")) {
          scripts++;
          assertEquals(benignSha, script.path("sha256").asText(), script.path("path").asText() + " recorded with the digest of what replaced it");
        }
      }
    }
    assertEquals(ROUNDS, progs, "every program run is recorded");
    assertTrue(scripts + countScriptReasons(reasons) >= 2 * ROUNDS,
        "every script run is recorded with its digest or named as not hashed: scripts=" + scripts + " reasons=" + reasons);
    if (unknown > 0 || countScriptReasons(reasons) > 0) {
      assertFalse(rec.path("completeness").path("complete").asBoolean(true), "an exec without digest makes the trace incomplete");
    }
  }

  static int countScriptReasons(String reasons) {
    int n = 0;
    // one reason per script: each names the script it could not vouch for
    for (int i = reasons.indexOf("interpreter script not hashed"); i >= 0; i = reasons.indexOf("interpreter script not hashed", i + 1)) {
      n++;
    }
    return n;
  }
}
