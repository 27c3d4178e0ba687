package dev.plumbline.env;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A phase ends what its helpers left behind (an orphan adopted by the agent) and spares the
 * children the agent had before it (a test's own servers; what the process that exec'ed the JVM
 * left running).
 */
class HelperCommandsTest {

  private static boolean alive(long pid) {
    return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
  }

  @Test
  void aPhaseEndsTheOrphanItsHelperLeftAndSparesAChildStartedBefore() throws Exception {
    Process before = new ProcessBuilder("sleep", "300").start();
    long orphan;
    try {
      HelperCommands.Phase phase = HelperCommands.phase();
      try {
        // a helper that leaves a background process behind and exits: the process is adopted by the agent
        Process helper = new ProcessBuilder("sh", "-c", "sleep 300 </dev/null >/dev/null 2>&1 & echo $!").start();
        try (BufferedReader out = new BufferedReader(new InputStreamReader(helper.getInputStream(), StandardCharsets.US_ASCII))) {
          orphan = Long.parseLong(out.readLine().strip());
        }
        assertTrue(helper.waitFor(30, TimeUnit.SECONDS));
        long parent = -1;
        for (int attempt = 0; attempt < 200 && parent != ProcessHandle.current().pid(); attempt++) {
          Optional<ProcessHandle> p = ProcessHandle.of(orphan).flatMap(ProcessHandle::parent);
          parent = p.map(ProcessHandle::pid).orElse(-1L);
          Thread.sleep(10);
        }
        assertEquals(ProcessHandle.current().pid(), parent, "the helper's background process was not adopted");
      } finally {
        phase.close();
      }
      assertFalse(alive(orphan), "the helper's background process outlived the phase");
      assertTrue(before.isAlive(), "the child started before the phase was ended");
    } finally {
      before.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
  }
}
