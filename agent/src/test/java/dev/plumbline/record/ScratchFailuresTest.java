package dev.plumbline.record;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.plumbline.trace.TraceEvent.Exec;
import dev.plumbline.trace.TraceEvent.ProcessExited;
import dev.plumbline.trace.TraceEvent.ProcessStarted;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * The recorder's scratch ({@link Scratch}) where things go wrong: a disk that fills up while the
 * build runs loses nothing, and a record that cannot be made lets go of its spools' descriptors
 * and hands the error on.
 */
class ScratchFailuresTest {
  private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

  @TempDir Path tmp;

  /**
   * The random build of {@link ProcessSpoolTest} spooled on a tmpfs of 64 KiB or 256 KiB, mounted
   * in a mount namespace of its own: the ended processes' spool (over 300 KiB) fills it while
   * the build runs and moves to memory, freeing it; the record's own spool then fills it again in
   * {@code finish}. The record has the bytes of the one spooled on an ample disk and of the one
   * held in memory, nothing is thrown, and nothing is said above debug.
   */
  @Test
  @Tag("needs-root")
  void aDiskThatFillsUpWhileTheBuildRunsLosesNothing() throws Exception {
    String inMemory = sha256(recordOf(null));
    assertEquals(inMemory, sha256(recordOf(tmp)), "spooled on an ample disk");
    try (SmallDisk ample = SmallDisk.mount(tmp.resolve("ample"), "16m")) {
      BuildRecorder r = ProcessSpoolTest.recorder().spoolingIn(ample.dir());
      ProcessSpoolTest.randomBuild(r, 1, 4_000);
      r.awaitSpooled();
      assertEquals(1, ample.descriptors(), "the ended processes are spooled on the tmpfs");
      long spooled = Files.size(ample.openFiles().get(0));
      assertTrue(spooled > 256 * 1024, "the ended processes' spool outgrows the small disks: " + spooled + " bytes");
      BuildRecord record = finish(r);
      assertEquals(1, ample.descriptors(), "the record's spool is on the tmpfs, the ended processes' closed");
      spooled = Files.size(ample.openFiles().get(0));
      assertTrue(spooled > 256 * 1024, "the record's spool outgrows the small disks: " + spooled + " bytes");
      assertEquals(inMemory, sha256(record));
    }
    for (String size : List.of("64k", "256k")) {
      try (SmallDisk disk = SmallDisk.mount(tmp.resolve("disk-" + size), size)) {
        ByteArrayOutputStream said = new ByteArrayOutputStream();
        PrintStream err = System.err;
        System.setErr(new PrintStream(said, true, StandardCharsets.UTF_8));
        BuildRecord record;
        try {
          LoggerFactory.getLogger(Scratch.class).warn("probe"); // what a warning would look like here
          BuildRecorder r = ProcessSpoolTest.recorder().spoolingIn(disk.dir());
          ProcessSpoolTest.randomBuild(r, 1, 4_000);
          r.awaitSpooled();
          assertEquals(0, disk.descriptors(), size + ": the ended processes' spool filled the disk and moved to memory");
          record = finish(r);
          assertEquals(0, disk.descriptors(), size + ": the record's spool filled the disk and moved to memory");
        } finally {
          System.setErr(err);
        }
        assertEquals(inMemory, sha256(record), "on a disk of " + size + " that filled up");
        assertEquals(1169, record.processes().size());
        List<String> lines = said.toString(StandardCharsets.UTF_8).lines().filter(l -> l.contains("Scratch")).toList();
        assertEquals(1, lines.size(), "only the probe: the fall-back is said at debug at most: " + lines);
        assertTrue(lines.get(0).contains("probe"), lines.get(0));
      }
    }
  }

  /**
   * Making the record fails once the ended processes are spooled (an executable's digest throws
   * when the record asks for it, on the spooling thread or in {@code finish}): the error reaches
   * the caller, and the spools' descriptors are closed then, not when the agent ends.
   */
  @Test
  void aRecordThatCannotBeMadeClosesItsSpoolsAndThrows() throws Exception {
    for (boolean onSpoolingThread : List.of(false, true)) {
      List<String> before = descriptors();
      RuntimeException broken = new IllegalStateException("the digest broke");
      BuildRecorder r = ProcessSpoolTest.recorder().spoolingIn(tmp);
      String work = BuildRecorderTest.WORK.toString();
      CompletableFuture<String> sha = CompletableFuture.completedFuture("a".repeat(64));
      r.accept(new ProcessStarted(T0, 10, 1, false));
      for (int pid = 11; pid < 20; pid++) {
        r.accept(new ProcessStarted(T0, pid, 10, false));
        r.exec(new Exec(T0, pid, "/usr/bin/true", List.of("true"), work), sha, null);
        r.accept(new ProcessExited(T0, pid, 0, null, false));
      }
      r.awaitSpooled();
      assertEquals(1, ProcessSpoolTest.unnamedFilesIn(tmp).size(), "the ended processes are spooled");
      CompletableFuture<String> breaks = new CompletableFuture<>() {
        @Override
        public boolean isDone() {
          return onSpoolingThread; // else it waits for finish
        }

        @Override
        public String get(long timeout, TimeUnit unit) {
          throw broken;
        }
      };
      r.accept(new ProcessStarted(T0, 20, 10, false));
      r.exec(new Exec(T0, 20, "/usr/bin/false", List.of("false"), work), breaks, null);
      r.accept(new ProcessExited(T0, 20, 1, null, false));
      if (onSpoolingThread) {
        for (int pid = 21; pid < 21 + 200; pid++) { // a batch full after it: handed to the spooling thread
          r.accept(new ProcessStarted(T0, pid, 10, false));
          r.accept(new ProcessExited(T0, pid, 0, null, false));
        }
      }
      RuntimeException thrown = assertThrows(RuntimeException.class, () -> finish(r));
      assertSame(broken, thrown == broken ? thrown : thrown.getCause(), "the error reaches the caller: " + thrown);
      assertEquals(List.of(), ProcessSpoolTest.unnamedFilesIn(tmp), "spooled " + (onSpoolingThread ? "on the spooling thread" : "in finish"));
      assertEquals(List.of(), opened(before), "no descriptor left open");
    }
  }

  /**
   * Making the record fails when it is written (its disk is full): the error reaches the caller,
   * and the record's spool, which the record's list of processes reads, is closed once the record
   * is dropped.
   */
  @Test
  @Tag("needs-root")
  void aRecordThatCannotBeWrittenLetsGoOfItsSpoolOnceDropped() throws Exception {
    try (SmallDisk disk = SmallDisk.mount(tmp.resolve("disk"), "64k")) {
      List<String> before = descriptors();
      RecordException e = writeFails(disk.dir().resolve("record.json"));
      assertTrue(e.getMessage().contains("No space left on device"), e.getMessage());
      assertFalse(e.getMessage().contains("\n"));
      // the record, dropped; the list's cleaner closes its spool after a collection
      for (int i = 0; i < 50 && !ProcessSpoolTest.unnamedFilesIn(tmp).isEmpty(); i++) {
        System.gc();
        Thread.sleep(100);
      }
      assertEquals(List.of(), ProcessSpoolTest.unnamedFilesIn(tmp));
      assertEquals(List.of(), opened(before), "no descriptor left open");
    }
  }

  /** What writing the random build's record to {@code file} threw; the record is not reachable afterwards. */
  private RecordException writeFails(Path file) throws Exception {
    BuildRecorder r = ProcessSpoolTest.recorder().spoolingIn(tmp);
    ProcessSpoolTest.randomBuild(r, 1, 4_000);
    BuildRecord record = finish(r);
    assertEquals(1, ProcessSpoolTest.unnamedFilesIn(tmp).size(), "the record's processes are in its spool");
    return assertThrows(RecordException.class, () -> BuildRecords.write(record, file));
  }

  /** The unnamed files open now that were not {@code before} (other tests' records may be collected meanwhile). */
  private static List<String> opened(List<String> before) throws IOException {
    List<String> now = descriptors();
    now.removeAll(before);
    return now;
  }

  private static BuildRecord recordOf(Path spoolDir) {
    BuildRecorder r = ProcessSpoolTest.recorder().spoolingIn(spoolDir);
    ProcessSpoolTest.randomBuild(r, 1, 4_000);
    return finish(r);
  }

  private static BuildRecord finish(BuildRecorder r) {
    return r.redact(r.finish(new BuildRecorder.Outcome(T0, T0.plusSeconds(2), 0, null), Duration.ofMillis(200)));
  }

  private static String sha256(BuildRecord record) throws Exception {
    byte[] json = BuildRecords.toJson(record).getBytes(StandardCharsets.UTF_8);
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(json));
  }

  /**
   * This process's descriptors of unnamed files, wherever they were made ("DIR/#INODE (deleted)"),
   * with what each one is open on: the JVM's own descriptors come and go (JNA's, the jars').
   */
  private static List<String> descriptors() throws IOException {
    List<String> out = new ArrayList<>();
    try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
      for (Path fd : fds.toList()) {
        try {
          String target = Files.readSymbolicLink(fd).toString();
          if (target.matches(".*/#[0-9]+ \\(deleted\\)")) {
            out.add(fd.getFileName() + " " + target);
          }
        } catch (IOException e) {
          // the descriptor of the listing itself, closed by now
        }
      }
    }
    return out;
  }

  /**
   * A tmpfs of {@code size} on {@code mountPoint}, mounted in a mount namespace of its own
   * (unshare -m, as root): nothing outside it sees the mount, which goes with the namespace's last
   * process, a helper that ends when its stdin closes (with this JVM, however that ends). This JVM
   * reaches it through the helper's root ({@code /proc/PID/root}).
   */
  private record SmallDisk(Process helper, Path dir) implements AutoCloseable {
    static SmallDisk mount(Path mountPoint, String size) throws Exception {
      Files.createDirectories(mountPoint);
      Process p;
      try {
        p = new ProcessBuilder("unshare", "-m", "--propagation", "private", "sh", "-c",
            "mount -t tmpfs -o size=$1,mode=0700 plumbline-test \"$2\" && echo $$ && exec cat",
            "sh", size, mountPoint.toString()).redirectErrorStream(true).start();
      } catch (IOException e) {
        throw new AssertionError("needs unshare(1) (util-linux) to mount a small tmpfs: " + e.getMessage());
      }
      BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
      String pid = out.readLine();
      if (pid == null || !pid.matches("[0-9]+")) {
        p.destroyForcibly();
        throw new AssertionError("cannot mount a tmpfs of " + size + " in a mount namespace: " + pid);
      }
      SmallDisk disk = new SmallDisk(p, Path.of("/proc", pid, "root").resolve(mountPoint.toString().substring(1)));
      assertFalse(Files.getAttribute(mountPoint, "unix:dev").equals(Files.getAttribute(disk.dir(), "unix:dev")),
          "the helper's mount is seen through its root, and only there");
      return disk;
    }

    /** This process's descriptors open on the tmpfs. */
    long descriptors() throws IOException {
      return openFiles().size();
    }

    List<Path> openFiles() throws IOException {
      Object dev = Files.getAttribute(dir, "unix:dev");
      List<Path> out = new ArrayList<>();
      try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
        for (Path fd : fds.toList()) {
          try {
            if (dev.equals(Files.getAttribute(fd, "unix:dev"))) {
              out.add(fd);
            }
          } catch (IOException e) {
            // the descriptor of the listing itself, closed by now
          }
        }
      }
      return out;
    }

    @Override
    public void close() throws Exception {
      helper.getOutputStream().close(); // cat ends, and with it the namespace and its mount
      if (!helper.waitFor(10, TimeUnit.SECONDS)) {
        helper.destroyForcibly();
      }
    }
  }
}
