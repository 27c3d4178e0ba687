package dev.plumbline.trust;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.plumbline.testing.Trees;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.HexFormat;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A signed run whose build rewrites a toolchain on PATH in place while the agent hashes it beside
 * the build (the files are pinned before the build and read during it): the attestation lists the
 * tool with the digest of what it was before the build, or without a digest and with a note, but
 * never with the digest of the content the build wrote. Several rounds, so both sides of the race
 * are taken; a single wrong digest fails.
 */
class ToolchainRewriteIT {
  private static String sha256(byte[] content) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content));
  }

  @Test
  void aToolchainTheBuildRewritesIsNeverReportedWithTheRewrittenDigest() throws Exception {
    Path dir = Files.createTempDirectory("plumbline-rewrite-");
    try {
      rounds(dir);
    } finally {
      Trees.delete(dir);
    }
  }

  private void rounds(Path dir) throws Exception {
    Path bin = Files.createDirectories(dir.resolve("bin"));
    // big enough that hashing it at nice 19 may still be going on when the build writes
    byte[] padding = new byte[48 << 20];
    byte[] original = concat("#!/bin/sh\necho 'cmake version 9.9.9'\nexit 0\n", padding);
    byte[] trojan = concat("#!/bin/sh\necho 'cmake version 9.9.9'\necho owned\nexit 0\n", padding);
    Path trojanFile = Files.write(dir.resolve("trojan"), trojan);
    Path launcher = TrustBoundaryIT.LAUNCHER;
    ProcessBuilder keygen = new ProcessBuilder(launcher.toString(), "keygen", "--prefix", dir.resolve("k").toString())
        .redirectErrorStream(true);
    Process kg = keygen.start();
    kg.getInputStream().readAllBytes();
    assertEquals(0, kg.waitFor());

    int kept = 0;
    int noted = 0;
    for (int round = 0; round < 3; round++) {
      Path cmake = Files.write(bin.resolve("cmake"), original);
      Files.setPosixFilePermissions(cmake, PosixFilePermissions.fromString("rwxr-xr-x"));
      // cat > truncates and writes: the same inode, new content, while the agent may be reading it
      String build = "cat " + trojanFile + " > " + cmake;
      Path bundle = dir.resolve("b" + round + ".json");
      ProcessBuilder pb = new ProcessBuilder(launcher.toString(), "run", "--key", dir.resolve("k.key").toString(),
          "--bundle", bundle.toString(), "--record", dir.resolve("r" + round + ".json").toString(), "--", "/bin/sh", "-c", build)
          .directory(dir.toFile()).redirectErrorStream(true);
      pb.environment().put("PATH", bin + ":/usr/bin:/bin");
      Process p = pb.start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertTrue(p.waitFor(300, TimeUnit.SECONDS), out);
      assertEquals(0, p.exitValue(), out);
      assertEquals(sha256(trojan), sha256(Files.readAllBytes(cmake)), "the build did rewrite it");

      JsonNode b = new ObjectMapper().readTree(bundle.toFile());
      JsonNode statement = new ObjectMapper().readTree(Base64.getDecoder().decode(b.at("/dsseEnvelope/payload").asText()));
      JsonNode entry = null;
      for (JsonNode t : statement.at("/predicate/environment/toolchain")) {
        if (t.path("path").asText().equals(cmake.toString()) && t.path("onPath").asBoolean()) {
          entry = t;
        }
      }
      assertNotNull(entry, "the cmake on PATH is listed: " + statement.at("/predicate/environment/toolchain"));
      assertEquals("cmake version 9.9.9", entry.path("version").asText(), "probed before the build");
      assertNotEquals(sha256(trojan), entry.path("sha256").asText(), "a digest of content it did not have before the build: " + entry);
      if (entry.has("sha256")) {
        assertEquals(sha256(original), entry.path("sha256").asText(), entry.toString());
        kept++;
      } else {
        assertTrue(entry.path("note").asText().startsWith("changed during the build"), entry.toString());
        noted++;
      }
    }
    assertEquals(3, kept + noted);
  }

  private static byte[] concat(String head, byte[] tail) {
    byte[] h = head.getBytes(StandardCharsets.UTF_8);
    byte[] out = new byte[h.length + tail.length];
    System.arraycopy(h, 0, out, 0, h.length);
    System.arraycopy(tail, 0, out, h.length, tail.length);
    return out;
  }
}
