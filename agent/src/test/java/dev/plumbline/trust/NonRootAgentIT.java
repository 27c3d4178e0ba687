package dev.plumbline.trust;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.plumbline.testing.Trees;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The build against an agent that is not root, the way a user runs {@code plumbline run} (the
 * launcher as nobody, TrustBoundaryIT's way). A root agent has CAP_DAC_OVERRIDE and
 * CAP_SYS_PTRACE: it stats any file and reads any process, so what the build can close to a
 * same-user agent is only seen here. docs/threat-model.md and docs/tracer.md cite these.
 */
@Tag("needs-root")
@Tag("needs-ptrace")
class NonRootAgentIT {
  private Path dir;
  private Path repo;
  private final List<Process> started = new ArrayList<>();

  @BeforeEach
  void checkout() throws Exception {
    TrustBoundaryIT.requireRoot();
    dir = Files.createTempDirectory("plumbline-nonroot-");
    Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
    repo = Files.createDirectories(dir.resolve("repo"));
    Files.createDirectories(repo.resolve("locked"));
    Files.writeString(repo.resolve("locked/config.h"), "#define SAFE 1\n");
    Files.writeString(repo.resolve("main.c"), "int main(void) { return 0; }\n");
    git("init", "-q");
    git("add", ".");
    git("-c", "user.name=t", "-c", "user.email=t@example.invalid", "commit", "-qm", "sources");
    assertEquals(0, new ProcessBuilder("chown", "-R", TrustBoundaryIT.NOBODY + ":" + TrustBoundaryIT.NOBODY, dir.toString())
        .inheritIO().start().waitFor());
  }

  private void git(String... args) throws Exception {
    List<String> argv = new ArrayList<>(List.of("git"));
    argv.addAll(List.of(args));
    assertEquals(0, new ProcessBuilder(argv).directory(repo.toFile()).inheritIO().start().waitFor());
  }

  @AfterEach
  void stop() throws Exception {
    for (Process p : started) {
      p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
    new ProcessBuilder("chmod", "-R", "u+rwx", dir.toString()).start().waitFor();
    Trees.delete(dir);
  }

  private JsonNode run(String script) throws Exception {
    Path record = dir.resolve("record.json");
    TrustBoundaryIT.Run run = TrustBoundaryIT.asNobody(repo, Map.of(), "", List.of(TrustBoundaryIT.LAUNCHER.toString(),
        "run", "--record", record.toString(), "--", "/bin/sh", "-c", script));
    assertEquals(0, run.code(), run.output());
    JsonNode r = new ObjectMapper().readTree(record.toFile());
    ((com.fasterxml.jackson.databind.node.ObjectNode) r).put("output", run.output());
    return r;
  }

  /**
   * The end-of-build scan is what catches a write to the sources by a route the tracer does not
   * see (here a process outside the traced tree, holding the file open from before the build). A
   * folder of tracked files left at mode 000 makes every one of them fail lstat for an agent that
   * is not root, before and after: the two equal failures were taken for an unchanged file. Before
   * this defence the write landed and the record said complete.
   */
  @Test
  void aSourceInAFolderClosedToTheAgentIsNeverTakenForUnchanged() throws Exception {
    Path go = dir.resolve("go");
    Path done = dir.resolve("done");
    // outside the traced tree, as nobody: opens the source now, writes when the build says so
    String writer = String.join("\n",
        "import os, sys, time",
        "f = open(sys.argv[1], 'r+')",
        "open(sys.argv[3] + '.ready', 'w').close()",
        "while not os.path.exists(sys.argv[2]): time.sleep(0.02)",
        "f.seek(0); f.write('#define SAFE 0\\n'); f.flush(); f.close()",
        "open(sys.argv[3], 'w').close()");
    started.add(new ProcessBuilder("setpriv", "--reuid=" + TrustBoundaryIT.NOBODY, "--regid=" + TrustBoundaryIT.NOBODY,
        "--clear-groups", "/usr/bin/python3", "-c", writer, repo.resolve("locked/config.h").toString(), go.toString(),
        done.toString()).redirectErrorStream(true).start());
    Path ready = dir.resolve("done.ready");
    for (int i = 0; i < 1000 && !Files.exists(ready); i++) {
      Thread.sleep(10);
    }
    assertTrue(Files.exists(ready), "the writer opened the source");
    Files.setPosixFilePermissions(repo.resolve("locked"), PosixFilePermissions.fromString("---------"));

    JsonNode r = run("touch " + go + "; while [ ! -e " + done + " ]; do sleep 0.05; done; echo built");
    assertTrue(r.path("output").asText().contains("built"), r.path("output").asText());
    Files.setPosixFilePermissions(repo.resolve("locked"), PosixFilePermissions.fromString("rwxr-xr-x"));
    assertEquals("#define SAFE 0\n", Files.readString(repo.resolve("locked/config.h")), "the attack wrote the source");
    JsonNode completeness = r.path("completeness");
    assertFalse(completeness.path("complete").asBoolean(), completeness.toString());
    assertTrue(completeness.path("reasons").toString().contains("locked/config.h could not be stat'ed"), completeness.toString());
  }
}
