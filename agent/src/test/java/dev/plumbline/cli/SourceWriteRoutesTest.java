package dev.plumbline.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.plumbline.testing.Processes;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A hostile build writes to tracked sources by routes a path-based tracer can miss: a hard link
 * outside the working directory, a symlinked directory whose path lies outside it, and a process
 * outside the traced tree. Every such write must reach the record (the end-of-build scan catches
 * what the tracer did not see, and then the trace is incomplete).
 */
@Tag("needs-ptrace")
class SourceWriteRoutesTest {
  static final List<String> TRACKED = List.of("main.c", "util.c", "other.c", "left-alone.c");

  @Test
  void everyRouteToATrackedFileEndsUpInTheRecord(@TempDir Path tmp) throws Exception {
    Path work = Files.createDirectory(tmp.resolve("work"));
    for (String f : TRACKED) {
      Files.writeString(work.resolve(f), "int " + f.replace('.', '_').replace('-', '_') + ";\n");
    }
    git(work, "init", "-q");
    git(work, "add", ".");
    git(work, "-c", "user.name=t", "-c", "user.email=t@example.invalid", "commit", "-qm", "x");
    Path ready = tmp.resolve("ready");
    Path done = tmp.resolve("done");
    // the outside writer: a thread of this test, outside the traced tree, edits other.c mid-build
    CompletableFuture<Void> outside = CompletableFuture.runAsync(() -> {
      try {
        for (int i = 0; i < 600 && !Files.exists(ready); i++) {
          Thread.sleep(100);
        }
        Files.writeString(work.resolve("other.c"), "/* from outside the tree */\n", java.nio.file.StandardOpenOption.APPEND);
        Files.writeString(done, "");
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    });
    String script = String.join("; ",
        "ln main.c ../alias.c && echo '/* via hard link */' >> ../alias.c",
        "ln -s \"$PWD\" ../mirror && echo '/* via symlinked dir */' >> ../mirror/util.c",
        "touch " + ready,
        "i=0; while [ ! -e " + done + " ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i+1)); done");
    Processes.Result run = plumbline(work, "run", "--record", "rec.json", "--", "sh", "-c", script);
    outside.get(60, TimeUnit.SECONDS);
    assertEquals(0, run.exit(), run.output());

    JsonNode rec = new ObjectMapper().readTree(work.resolve("rec.json").toFile());
    Map<String, JsonNode> files = new HashMap<>();
    rec.path("files").forEach(f -> files.put(f.path("path").asText(), f));
    for (String attacked : List.of("main.c", "util.c", "other.c")) {
      JsonNode f = files.get(attacked);
      assertTrue(f != null && f.path("tracked").asBoolean(), attacked + " was written and must be recorded: " + rec.path("files"));
    }
    assertFalse(files.containsKey("left-alone.c"), "an untouched source is not reported: " + rec.path("files"));
    assertEquals("[\"untraced-changed\"]", files.get("other.c").path("operations").toString(),
        "a write by a process outside the tree is found by the scan only");
    JsonNode completeness = rec.path("completeness");
    assertFalse(completeness.path("complete").asBoolean(true), "a write the tracer missed makes the trace incomplete");
    for (String attacked : List.of("main.c", "util.c", "other.c")) {
      boolean untraced = files.get(attacked).path("operations").toString().contains("untraced-");
      if (untraced) {
        assertTrue(completeness.path("reasons").toString().contains(attacked), attacked + " is named: " + completeness);
      }
    }
  }

  static void git(Path dir, String... args) throws Exception {
    List<String> cmd = new java.util.ArrayList<>(List.of("git"));
    cmd.addAll(List.of(args));
    Processes.Result r = Processes.run(cmd, dir, Duration.ofMinutes(1));
    assertEquals(0, r.exit(), r.output());
  }

  static Processes.Result plumbline(Path cwd, String... args) throws Exception {
    List<String> cmd = new java.util.ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-cp", System.getProperty("java.class.path"), "dev.plumbline.cli.Main"));
    cmd.addAll(List.of(args));
    return Processes.run(cmd, cwd, Duration.ofMinutes(3));
  }
}
