package dev.plumbline.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.plumbline.testing.Processes;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code plumbline run} is as transparent as {@code env} for the descriptors the user's process
 * gave it: an outer {@code make -j4} whose recipe is {@code plumbline run -- make} shares its
 * jobserver with the inner make (its pipe descriptors reach it), so the inner jobs run in
 * parallel — seen through marker files, each job waits (bounded) until another has started; with
 * the jobserver lost, make falls back to -j1 and every job finds itself alone. The build sees the
 * same descriptors as under {@code env}, minus the one plumbline itself read
 * ({@code --allow-file /dev/fd/8}), and none of the agent's own (the jar, the resolver's sockets).
 * An IT: scripts/plumbline (which lists the inherited descriptors) needs the packaged jar.
 */
@Tag("needs-ptrace")
class DescriptorTransparencyIT {
  private static final Path ROOT = Path.of(System.getProperty("plumbline.root", "..")).toAbsolutePath().normalize();
  private static final Path PLUMBLINE = ROOT.resolve("scripts/plumbline");

  @TempDir Path dir;

  static final String OUTER = String.join("\n",
      "all:",
      "\t+$(WRAP) $(MAKE) --no-print-directory -f inner.mk",
      "");

  // each job: mark its start, wait (at most 15 s) for a second job to start, note how many it saw,
  // and list the descriptors its shell has (number and kind, without pipe/socket inode numbers)
  static final String INNER = String.join("\n",
      "JOBS := a b c d",
      "all: $(JOBS)",
      "$(JOBS):",
      "\t@touch started.$@; i=0; while [ $$(ls started.* | wc -l) -lt 2 ] && [ $$i -lt 300 ]; do sleep 0.05; i=$$((i+1)); done;"
          + " ls started.* | wc -l > seen.$@;"
          + " for f in /proc/$$$$/fd/*; do n=$${f##*/}; t=$$(readlink $$f); echo \"$$n $${t%%:\\[*}\"; done > fds.$@",
      "");

  record Outcome(String output, Map<String, Integer> seen, String fds) {}

  Outcome run(String wrap, Path where) throws IOException, InterruptedException {
    Files.createDirectories(where);
    Files.writeString(where.resolve("Makefile"), OUTER);
    Files.writeString(where.resolve("inner.mk"), INNER);
    Files.writeString(where.resolve("allow.txt"), "example.test:443\n");
    Processes.Result r = Processes.run(List.of("sh", "-c", "exec make -j4 --no-print-directory WRAP=\"$0\" 8<allow.txt", wrap),
        where, Duration.ofMinutes(3));
    assertEquals(0, r.exit(), r.output());
    Map<String, Integer> seen = new TreeMap<>();
    for (String job : List.of("a", "b", "c", "d")) {
      seen.put(job, Integer.parseInt(Files.readString(where.resolve("seen." + job)).strip()));
    }
    return new Outcome(r.output(), seen, kinds(Files.readString(where.resolve("fds.a"))));
  }

  /** "N target" lines as "N kind": files by kind only (the two runs write to different paths). */
  static String kinds(String fds) {
    StringBuilder out = new StringBuilder();
    for (String line : fds.strip().split("\n")) {
      String[] f = line.split(" ", 2);
      String target = f.length < 2 ? "" : f[1];
      out.append(f[0]).append(' ').append(target.startsWith("/") && !target.startsWith("/dev/") ? "file" : target).append('\n');
    }
    return out.toString();
  }

  @Test
  void theJobserverReachesTheBuildAndOnlyTheAgentsOwnDescriptorsAreClosed() throws Exception {
    Outcome plain = run("env --", dir.resolve("env"));
    Outcome traced = run(PLUMBLINE + " run --record record.json --allow-file /dev/fd/8 --", dir.resolve("traced"));

    assertTrue(plain.seen().values().stream().allMatch(n -> n >= 2), "without plumbline the jobs overlap: " + plain.seen());
    assertTrue(traced.seen().values().stream().allMatch(n -> n >= 2),
        "under plumbline the inner make got the jobserver, so its jobs overlap too: " + traced.seen() + "\n" + traced.output());
    assertFalse(traced.output().contains("jobserver unavailable"), traced.output());

    assertTrue(plain.fds().contains("8 file"), "the outer shell's fd 8 reaches the build under env: " + plain.fds());
    String expected = plain.fds().lines().filter(l -> !l.startsWith("8 ")).reduce("", (a, b) -> a + b + "\n");
    assertEquals(expected, traced.fds(), "the build's descriptors are env's, minus the allow file plumbline read");
    assertFalse(traced.fds().contains("socket") || traced.fds().contains(".jar"), traced.fds());
  }
}
