package dev.plumbline.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.plumbline.testing.Cli;
import dev.plumbline.testing.Processes;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 12 item 5, end to end: examples/hello-c traced at commit A ({@code make && make check}:
 * check runs the freshly linked {@code ./build/hello}), {@code policy init}; commit B changes one
 * source line (so the binary's digest changes) and is built in another directory; the learned
 * policy passes B. The control, B plus one tool A never ran, is rejected naming that tool.
 */
@Tag("needs-ptrace")
class HelloCBuildOutputsTest {
  static final Path EXAMPLE = Path.of(System.getProperty("plumbline.root", "..")).toAbsolutePath().normalize().resolve("examples/hello-c");
  static final Duration MINUTES = Duration.ofMinutes(3);

  @TempDir Path dir;

  static void sh(Path cwd, String script) throws Exception {
    Processes.Result r = Processes.run(List.of("sh", "-c", script), cwd, MINUTES);
    assertEquals(0, r.exit(), script + ":\n" + r.output());
  }

  /** A clone of repository A at {@code name} with greet.c's message changed and committed (commit B). */
  Path commitB(String name) throws Exception {
    Path b = dir.resolve(name);
    sh(dir, "git clone -q a " + name);
    Path greet = b.resolve("src/greet.c");
    Files.writeString(greet, Files.readString(greet).replace("(v%s)\\n", "(v%s)!\\n"));
    sh(b, "git -c user.name=t -c user.email=t@t.test commit -q -am 'louder greeting'");
    return b;
  }

  Cli.Result trace(Path repo, String record, String script) throws Exception {
    Cli.Result r = Cli.process(repo, "run", "--record", dir.resolve(record).toString(), "--", "sh", "-c", script);
    assertEquals(0, r.code(), r.out() + r.err());
    return r;
  }

  static JsonNode output(Path record) throws Exception {
    JsonNode r = new ObjectMapper().readTree(record.toFile());
    assertTrue(r.at("/completeness/complete").asBoolean(), r.at("/completeness").toString());
    for (JsonNode t : r.path("tools")) {
      if (t.path("path").asText().endsWith("/build/hello")) {
        return t;
      }
    }
    return fail("build/hello is not among the tools: " + r.path("tools"));
  }

  @Test
  @Timeout(value = 15, unit = TimeUnit.MINUTES) // three traced C builds and five CLI JVMs; a loaded 2-CPU machine needs the margin
  void aPolicyLearnedAtCommitAPassesCommitBAndRejectsAnExtraTool() throws Exception {
    for (String tool : List.of("make", "cc", "git")) {
      if (Processes.run(List.of("sh", "-c", "command -v " + tool), dir, MINUTES).exit() != 0) {
        fail("needs " + tool + " (Debian: apt-get install make gcc git)");
      }
    }
    Path a = Files.createDirectories(dir.resolve("a"));
    try (Stream<Path> files = Files.walk(EXAMPLE)) {
      for (Path f : files.filter(p -> !p.equals(EXAMPLE) && !EXAMPLE.relativize(p).startsWith("build")).toList()) {
        Files.copy(f, a.resolve(EXAMPLE.relativize(f).toString()));
      }
    }
    sh(a, "git init -q && git add -A && git -c user.name=t -c user.email=t@t.test commit -q -m A");

    trace(a, "a.json", "make && make check");
    JsonNode helloA = output(dir.resolve("a.json"));
    assertEquals("build/hello", helloA.at("/buildOutput/path").asText(), helloA.toString());
    assertTrue(helloA.at("/buildOutput/writtenBy").toString().contains("ld"), "the linker wrote it: " + helloA);

    Cli.Result init = Cli.process(dir, "policy", "init", "--record", "a.json", "--output", "policy.yaml");
    assertEquals(0, init.code(), init.err());
    String policy = Files.readString(dir.resolve("policy.yaml"));
    assertTrue(policy.contains("- buildOutput: \"build/hello\""), policy);
    assertFalse(policy.contains(a + "/build/hello"), "the output's absolute path is not pinned:\n" + policy);

    Path b = commitB("b");
    trace(b, "b.json", "make && make check");
    JsonNode helloB = output(dir.resolve("b.json"));
    assertNotEquals(helloA.path("sha256").asText(), helloB.path("sha256").asText(), "the source change changed the binary");
    Cli.Result onB = Cli.process(dir, "policy", "check", "--policy", "policy.yaml", "--record", "b.json");
    assertEquals(0, onB.code(), onB.out() + onB.err());

    Path c = commitB("c");
    trace(c, "c.json", "make && make check && tac /dev/null");
    Cli.Result onC = Cli.process(dir, "policy", "check", "--policy", "policy.yaml", "--record", "c.json");
    assertEquals(1, onC.code(), onC.out() + onC.err());
    assertTrue(onC.out().lines().anyMatch(l -> l.contains("FAIL tools.allowed")), onC.out());
    assertTrue(onC.out().lines().anyMatch(l -> l.contains("a tool not in the allowlist ran: /usr/bin/tac sha256:")), onC.out());
    assertEquals(1, onC.out().lines().filter(l -> l.contains("FAIL")).count(), "only the extra tool:\n" + onC.out());
  }
}
