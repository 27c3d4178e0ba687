package dev.plumbline.trust;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.plumbline.testing.Cli;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Separate-user mode: the agent runs as root (this test JVM, as in CI), the build as nobody. A
 * set-user-ID root program inside the build works as it does without plumbline and the record
 * says so; the build cannot read the key, the agent's environment or the record in progress.
 */
class SeparateUserIT {
  @Test
  void theBuildRunsAsTheUserSetuidWorksAndTheSecretsStayOutOfReach() throws Exception {
    TrustBoundaryIT.requireRoot();
    Path dir = Files.createTempDirectory("plumbline-user-");
    Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
    Path src = Files.writeString(dir.resolve("suid.c"),
        "#include <stdio.h>\n#include <unistd.h>\nint main(void){printf(\"euid=%d\\n\",(int)geteuid());return 0;}\n");
    Path suid = dir.resolve("suid");
    Process cc = new ProcessBuilder("gcc", "-o", suid.toString(), src.toString()).inheritIO().start();
    assertTrue(cc.waitFor(120, TimeUnit.SECONDS) && cc.exitValue() == 0, "gcc builds the set-user-ID test program");
    Files.setAttribute(suid, "unix:mode", 04755); // set-user-ID root

    Path keys = Files.createDirectories(dir.resolve("keys"));
    assertEquals(0, Cli.run("keygen", "--prefix", keys.resolve("k").toString()).code());
    Path key = keys.resolve("k.key"); // 0600, root's
    Path out = Files.createDirectories(dir.resolve("out"));
    Files.setAttribute(out, "unix:uid", TrustBoundaryIT.NOBODY);
    Path record = dir.resolve("record.json");
    Path bundle = dir.resolve("b.json");
    String build = String.join("; ",
        "id -u > " + out + "/uid",
        "echo \"$HOME\" > " + out + "/home",
        suid + " > " + out + "/suid",
        "cat " + key + " > " + out + "/key 2>/dev/null || rm -f " + out + "/key",
        "cat " + record + " > " + out + "/record 2>/dev/null || rm -f " + out + "/record",
        "cat /proc/$PPID/environ > " + out + "/agent-environ 2>/dev/null || rm -f " + out + "/agent-environ",
        "true");
    Cli.Result run = Cli.run("run", "--user", "nobody", "--key", key.toString(), "--record", record.toString(),
        "--bundle", bundle.toString(), "--", "/bin/sh", "-c", build).assertNoStackTrace();
    assertEquals(0, run.code(), run.err());
    assertFalse(run.err().contains("can read the signing key"), run.err());

    assertEquals("65534", Files.readString(out.resolve("uid")).strip(), "the build ran as nobody");
    assertEquals("/nonexistent", Files.readString(out.resolve("home")).strip(), "HOME as runuser sets it");
    assertEquals("euid=0", Files.readString(out.resolve("suid")).strip(), "set-user-ID works inside the build");
    assertFalse(Files.exists(out.resolve("key")), "the key is root's");
    assertFalse(Files.exists(out.resolve("record")), "the record is written after the build");
    assertFalse(Files.exists(out.resolve("agent-environ")), "the agent's environment is out of reach");

    JsonNode r = new ObjectMapper().readTree(record.toFile());
    assertEquals("separate-user", r.at("/agent/trust").asText(), r.path("agent").toString());
    assertTrue(r.at("/agent/privilegeGained").asBoolean(false), r.path("agent").toString());
    assertFalse(r.at("/agent/keyReadable").asBoolean(true), r.path("agent").toString());
    boolean named = false;
    for (JsonNode n : r.path("notes")) {
      named |= n.path("kind").asText().equals("privilege") && n.path("detail").asText().startsWith(suid + " runs as root");
    }
    assertTrue(named, "the record names the process that gained privileges: " + r.path("notes"));

    Cli.Result verified = Cli.run("verify", "--bundle", bundle.toString(), "--key", keys.resolve("k.pub").toString(),
        record.toString());
    assertEquals(0, verified.code(), verified.err());
    assertTrue(verified.err().contains("Trust: separate-user, a build process gained privileges"), verified.err());
  }

  @Test
  void userNeedsARootAgentAndAKnownUser() throws Exception {
    TrustBoundaryIT.requireRoot();
    Cli.Result unknown = Cli.run("run", "--user", "no-such-user-here", "--", "/bin/true").assertNoStackTrace();
    assertEquals(125, unknown.code(), unknown.err());
    assertEquals(1, unknown.errorLines(), unknown.err());
  }

  /**
   * Subjects are digested by the root agent after the build: a link the build planted must not make
   * it digest (and attest) a file only root can read, neither by name nor through a linked folder.
   */
  @Test
  void aSubjectLinkToARootOnlyFileIsNotDigested() throws Exception {
    TrustBoundaryIT.requireRoot();
    Path dir = Files.createTempDirectory("plumbline-user-subject-");
    Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
    Path secretDir = Files.createDirectories(dir.resolve("root-only"));
    Files.setPosixFilePermissions(secretDir, PosixFilePermissions.fromString("rwx------"));
    Path secret = Files.writeString(secretDir.resolve("secret"), "root's secret " + java.util.UUID.randomUUID());
    Files.setPosixFilePermissions(secret, PosixFilePermissions.fromString("rw-------"));
    String secretDigest = dev.plumbline.attest.Subjects.sha256Hex(secret);
    Path keys = Files.createDirectories(dir.resolve("keys"));
    assertEquals(0, Cli.run("keygen", "--prefix", keys.resolve("k").toString()).code());
    Path work = Files.createDirectories(dir.resolve("work"));
    Files.setAttribute(work, "unix:uid", TrustBoundaryIT.NOBODY);
    for (String[] c : new String[][] {{"out.txt", "ln -s " + secret + " out.txt"}, {"dist/root-only/*", "ln -s " + dir + " dist"}}) {
      Path bundle = dir.resolve("b.json");
      Files.deleteIfExists(bundle);
      Cli.Result run = Cli.run("run", "--user", "nobody", "--key", keys.resolve("k.key").toString(), "--subject", Path.of("").toAbsolutePath().relativize(work) + "/" + c[0],
          "--bundle", bundle.toString(), "--record", dir.resolve("r.json").toString(), "--", "/bin/sh", "-c", "cd " + work + " && " + c[1])
          .assertNoStackTrace();
      assertEquals(121, run.code(), c[0] + ": " + run.err());
      assertTrue(run.err().contains("link out of the working directory"), run.err());
      assertFalse(Files.exists(bundle), "no attestation of a root-only file");
      assertFalse(run.err().contains(secretDigest) && run.out().contains(secretDigest), run.err());
      Files.deleteIfExists(work.resolve("out.txt"));
      Files.deleteIfExists(work.resolve("dist"));
    }
  }
}
