package dev.plumbline.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.plumbline.testing.Processes;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * InheritedSocketsTest's first attack through the real launcher: withsocket.c connects descriptor
 * 7 to a server on a loopback port {@code --deny-loopback} refuses and execs scripts/plumbline,
 * which finds descriptor 7 open and lists it for {@code run} (PLUMBLINE_INHERITED_FDS); the build
 * writes a secret through it. On the old code the secret arrived and the record said complete with
 * no destination. An IT: scripts/plumbline needs the packaged jar.
 */
@Tag("needs-ptrace")
class InheritedSocketsIT {
  private static final Path ROOT = Path.of(System.getProperty("plumbline.root", "..")).toAbsolutePath().normalize();

  @Test
  void aSocketTheLauncherPassesIsNotPassedOnInBlockModeWhenItsPeerIsRefused(@TempDir Path dir, @TempDir Path bin)
      throws Exception {
    Path withSocket = InheritedSocketsTest.compileWithSocket(bin);
    try (InheritedSocketsTest.TcpServer server = new InheritedSocketsTest.TcpServer()) {
      Processes.Result r = Processes.run(List.of(withSocket.toString(), "7", "tcp", "127.0.0.1", "" + server.port(),
          ROOT.resolve("scripts/plumbline").toString(), "run", "--egress", "block", "--deny-loopback", "--record",
          "record.json", "--", "sh", "-c", "echo secret-through-the-launcher >&7; echo rc=$?"), dir, Duration.ofMinutes(2));
      assertEquals(0, r.exit(), r.output());
      assertTrue(r.output().contains("rc=2"), "the build did not get descriptor 7: " + r.output());
      assertFalse(server.received().contains("secret"), "nothing reached the refused port: " + server.received());
      JsonNode record = InheritedSocketsTest.JSON.readTree(dir.resolve("record.json").toFile());
      JsonNode e = InheritedSocketsTest.entries(record, "inherited").get(0);
      assertEquals(server.port(), e.path("port").asInt());
      assertEquals("blocked", e.path("decision").asText());
      assertTrue(record.path("completeness").path("complete").asBoolean(), "nothing escaped: " + record.path("completeness"));
    }
  }
}
