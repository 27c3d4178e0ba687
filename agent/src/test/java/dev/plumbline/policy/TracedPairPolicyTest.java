package dev.plumbline.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.plumbline.testing.Cli;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One real traced pair: build A runs sh and cat; build B does the same and then runs bash, which
 * connects to a listener on 127.0.0.1. The policy learned from A's record (A used no loopback, so
 * loopback is not allowed) passes A and rejects B, naming bash and the loopback destination.
 */
@Tag("needs-ptrace")
class TracedPairPolicyTest {
  @TempDir Path dir;

  Cli.Result plumbline(String... args) throws Exception {
    return Cli.process(dir, args);
  }

  @Test
  void learnedFromRealBuildARejectsRealBuildB() throws Exception {
    try (ServerSocket listener = new ServerSocket(0, 5, InetAddress.getByName("127.0.0.1"))) {
      int port = listener.getLocalPort();
      Cli.Result a = plumbline("run", "--record", "a.json", "--", "/bin/sh", "-c", "cat /dev/null");
      assertEquals(0, a.code(), a.err());
      Cli.Result b = plumbline("run", "--record", "b.json", "--", "/bin/sh", "-c",
          "cat /dev/null; /bin/bash -c 'exec 3<>/dev/tcp/127.0.0.1/" + port + "'");
      assertEquals(0, b.code(), b.err());

      Cli.Result init = plumbline("policy", "init", "--record", "a.json", "--output", "policy.yaml");
      assertEquals(0, init.code(), init.err());
      assertTrue(Files.readString(dir.resolve("policy.yaml")).contains("allowLoopback: false"));

      Cli.Result onA = plumbline("policy", "check", "--policy", "policy.yaml", "--record", "a.json");
      assertEquals(0, onA.code(), onA.out() + onA.err());

      Cli.Result onB = plumbline("policy", "check", "--policy", "policy.yaml", "--record", "b.json");
      assertEquals(1, onB.code(), onB.out() + onB.err());
      assertTrue(onB.out().contains("FAIL tools.allowed"), onB.out());
      assertTrue(onB.out().lines().anyMatch(l -> l.contains("a tool not in the allowlist ran: /usr/bin/bash sha256:")), onB.out());
      assertTrue(onB.out().lines().anyMatch(l -> l.contains("FAIL egress.allowed")), onB.out());
      assertTrue(onB.out().contains("127.0.0.1:" + port + "/tcp"), onB.out());
    }
  }
}
