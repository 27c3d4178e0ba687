package dev.plumbline.trust;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.plumbline.testing.Trees;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * A build process that is undumpable closes its memory to an agent that is not root: every pointer
 * a call passes (a connect's sockaddr, an open's path) is unreadable to the tracer. Before, such a
 * connect was taken for one naming nothing: in block mode it reached a refused port and the record
 * showed nothing. prctl(PR_SET_DUMPABLE, 0) is now refused by the filter; a program the build may
 * run but not read (mode 0111) is undumpable all the same, and its network calls are refused in
 * block mode and make the record incomplete in audit mode. Run through the real launcher as nobody
 * (TrustBoundaryIT's way): root can read any process's memory.
 */
@Tag("needs-root")
@Tag("needs-ptrace")
class UndumpableProcessIT {
  private Path dir;
  private Process server;
  private int port;

  @BeforeEach
  void server() throws Exception {
    dir = Files.createTempDirectory("plumbline-undumpable-");
    Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
    Files.setAttribute(dir, "unix:uid", TrustBoundaryIT.NOBODY);
    Files.setAttribute(dir, "unix:gid", TrustBoundaryIT.NOBODY);
    // a listener on loopback outside the traced tree, as nobody: what it receives goes to a file
    String serve = String.join("\n",
        "import socket, sys",
        "s = socket.socket(); s.bind(('127.0.0.1', 0)); s.listen(8)",
        "open(sys.argv[1] + '.tmp', 'w').write(str(s.getsockname()[1]))",
        "import os; os.rename(sys.argv[1] + '.tmp', sys.argv[1])",
        "while True:",
        "    c, _ = s.accept(); data = c.recv(100)",
        "    open(sys.argv[2], 'ab').write(data); c.close()");
    Path portFile = dir.resolve("port");
    server = new ProcessBuilder("setpriv", "--reuid=" + TrustBoundaryIT.NOBODY, "--regid=" + TrustBoundaryIT.NOBODY,
        "--clear-groups", "/usr/bin/python3", "-c", serve, portFile.toString(), dir.resolve("received").toString())
        .redirectErrorStream(true).start();
    for (int i = 0; i < 500 && !Files.exists(portFile); i++) {
      Thread.sleep(10);
    }
    port = Integer.parseInt(Files.readString(portFile).strip());
    // a client the build may run but not read: the kernel makes it undumpable at its exec
    Path source = Files.writeString(dir.resolve("client.c"), String.join("\n",
        "#include <arpa/inet.h>", "#include <errno.h>", "#include <stdio.h>", "#include <stdlib.h>",
        "#include <string.h>", "#include <sys/prctl.h>", "#include <sys/socket.h>", "#include <unistd.h>",
        "int main(int argc, char **argv) {",
        "  if (argc > 2) { printf(\"prctl %s\\n\", prctl(PR_SET_DUMPABLE, 0) == 0 ? \"ok\" : strerror(errno)); }",
        "  int s = socket(AF_INET, SOCK_STREAM, 0);",
        "  struct sockaddr_in a = {0};",
        "  a.sin_family = AF_INET; a.sin_port = htons(atoi(argv[1])); a.sin_addr.s_addr = htonl(0x7f000001);",
        "  if (connect(s, (struct sockaddr *)&a, sizeof a) != 0) { printf(\"connect %s\\n\", strerror(errno)); return 0; }",
        "  write(s, \"secret\", 6); printf(\"connected\\n\"); return 0;",
        "}", ""));
    Path client = dir.resolve("client");
    Process cc = new ProcessBuilder("gcc", "-o", client.toString(), source.toString()).inheritIO().start();
    assertEquals(0, cc.waitFor());
    Files.copy(client, dir.resolve("readable"));
    Files.setPosixFilePermissions(client, PosixFilePermissions.fromString("--x--x--x"));
    Files.setPosixFilePermissions(dir.resolve("readable"), PosixFilePermissions.fromString("r-xr-xr-x"));
  }

  @AfterEach
  void stop() throws Exception {
    server.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    Trees.delete(dir);
  }

  private JsonNode run(String mode, String program, String... args) throws Exception {
    Path record = dir.resolve(mode + "-" + program + ".json");
    List<String> argv = new java.util.ArrayList<>(List.of(TrustBoundaryIT.LAUNCHER.toString(), "run", "--egress", mode,
        "--deny-loopback", "--record", record.toString(), "--", dir.resolve(program).toString(), String.valueOf(port)));
    argv.addAll(List.of(args));
    return TrustBoundaryIT.recordOf(record, TrustBoundaryIT.asNobody(dir, Map.of(), "", argv));
  }

  @Test
  void aProgramTheBuildCannotReadReachesNoRefusedPortAndAuditSaysTheRecordIsIncomplete() throws Exception {
    JsonNode blocked = run("block", "client");
    assertTrue(blocked.path("output").asText().contains("connect Permission denied"), blocked.path("output").asText());
    assertTrue(blocked.path("notes").toString().contains("could not read"), blocked.path("notes").toString());
    JsonNode audited = run("audit", "client");
    assertTrue(audited.path("output").asText().contains("connected"), audited.path("output").asText());
    JsonNode completeness = audited.path("completeness");
    assertFalse(completeness.path("complete").asBoolean(), completeness.toString());
    assertTrue(completeness.path("reasons").toString().contains("memory is closed to the tracer"), completeness.toString());
    Thread.sleep(200);
    assertEquals("secret", Files.readString(dir.resolve("received")), "only the audited run's connect arrived");
  }

  @Test
  void prctlCannotMakeABuildProcessUndumpable() throws Exception {
    JsonNode blocked = run("block", "readable", "undumpable");
    String output = blocked.path("output").asText();
    assertTrue(output.contains("prctl Operation not permitted"), output);
    assertTrue(output.contains("connect Connection refused") || output.contains("connect Permission denied"), output);
    assertTrue(blocked.path("network").toString().contains("\"blocked\""), blocked.path("network").toString());
    assertFalse(Files.exists(dir.resolve("received")), "nothing reached the refused port");
  }
}
