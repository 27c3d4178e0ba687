package dev.plumbline.trust;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Base64;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A git and an mvn planted earlier in PATH (by an earlier step of the job) while a signed run
 * probes the environment: the planted git never runs (git comes from a system directory), the
 * planted mvn runs without any secret, its daemon is gone before the build starts, and the
 * attestation lists it with its path and digest.
 */
class PlantedHelperIT {
  @Test
  void plantedToolsGetNoSecretAndLeaveNothingRunning() throws Exception {
    Path dir = Files.createTempDirectory("plumbline-planted-");
    Path bin = Files.createDirectories(dir.resolve("planted"));
    Path loot = Files.createDirectories(dir.resolve("loot"));
    String plant = "#!/bin/sh\nenv > " + loot + "/$(basename \"$0\").env\necho \"$*\" >> " + loot + "/$(basename \"$0\").args\n"
        + "(setsid sh -c 'echo $$ > " + loot + "/$(basename \"$0\").daemon; exec sleep 300' </dev/null >/dev/null 2>&1 &)\n"
        + "echo 'Apache Maven 9.9.9 (planted)'\n";
    for (String name : new String[] {"git", "mvn"}) {
      Path p = Files.writeString(bin.resolve(name), plant.replace("$(basename \"$0\")", name));
      Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
    }
    String password = "pw-" + UUID.randomUUID();
    Path launcher = TrustBoundaryIT.LAUNCHER;
    ProcessBuilder keygen = new ProcessBuilder(launcher.toString(), "keygen", "--prefix", dir.resolve("k").toString());
    keygen.environment().put("PLUMBLINE_KEY_PASSWORD", password);
    assertEquals(0, keygen.start().waitFor());

    // the build reports whether the planted daemon is still alive when it starts
    String build = "if [ -f " + loot + "/mvn.daemon ] && kill -0 $(cat " + loot + "/mvn.daemon) 2>/dev/null;"
        + " then echo alive; else echo gone; fi > " + dir + "/daemon-at-build";
    ProcessBuilder pb = new ProcessBuilder(launcher.toString(), "run", "--key", dir.resolve("k.key").toString(),
        "--bundle", dir.resolve("b.json").toString(), "--record", dir.resolve("r.json").toString(), "--", "/bin/sh", "-c", build)
        .directory(dir.toFile()).redirectErrorStream(true);
    pb.environment().put("PATH", bin + ":" + System.getenv("PATH"));
    pb.environment().put("PLUMBLINE_KEY_PASSWORD", password);
    pb.environment().put("ACTIONS_ID_TOKEN_REQUEST_TOKEN", "request-token-" + UUID.randomUUID());
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(300, TimeUnit.SECONDS), out);
    assertEquals(0, p.exitValue(), out);

    // git on PATH is probed for its version like any toolchain (and recorded with its digest), but
    // what the agent asks git about the checkout goes to the system's git
    for (String args : Files.readAllLines(loot.resolve("git.args"))) {
      assertEquals("--version", args.strip(), "the planted git was asked about the checkout:\n" + out);
    }
    assertFalse(Files.readString(loot.resolve("git.env")).contains(password));
    assertTrue(Files.exists(loot.resolve("mvn.env")), "mvn on PATH is probed for its version:\n" + out);
    String mvnEnv = Files.readString(loot.resolve("mvn.env"));
    assertFalse(mvnEnv.contains(password), mvnEnv);
    assertFalse(mvnEnv.contains("ACTIONS_ID_TOKEN_REQUEST"), mvnEnv);
    assertFalse(mvnEnv.contains("PLUMBLINE_"), mvnEnv);
    assertEquals("gone", Files.readString(dir.resolve("daemon-at-build")).strip(), "the helper's daemon outlived the probe phase");
    long daemon = Long.parseLong(Files.readString(loot.resolve("mvn.daemon")).strip());
    assertTrue(ProcessHandle.of(daemon).map(h -> !h.isAlive()).orElse(true), "the helper's daemon outlived the agent");

    JsonNode bundle = new ObjectMapper().readTree(dir.resolve("b.json").toFile());
    JsonNode statement = new ObjectMapper().readTree(Base64.getDecoder().decode(bundle.at("/dsseEnvelope/payload").asText()));
    String sha = dev.plumbline.attest.Subjects.sha256Hex(bin.resolve("mvn"));
    boolean listed = false;
    for (JsonNode t : statement.at("/predicate/environment/toolchain")) {
      listed |= t.path("path").asText().equals(bin.resolve("mvn").toString()) && t.path("sha256").asText().equals(sha);
    }
    assertTrue(listed, "the probed mvn is in the attestation with its digest: " + statement.at("/predicate/environment/toolchain"));
  }
}
