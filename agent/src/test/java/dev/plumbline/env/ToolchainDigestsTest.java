package dev.plumbline.env;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.plumbline.env.Environment.Toolchain;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The toolchain files are pinned before the build and hashed while it runs: what the inventory
 * reports is the content a file had before the build, or no digest with a note when the build
 * rewrote it before it was read, never the digest of bytes it did not have. The tests hold the
 * hashing back ({@code probe(hashing::add)}) and play the build's part in between.
 */
class ToolchainDigestsTest {
  @TempDir Path dir;

  private static final String MAKE = "#!/bin/sh\necho 'GNU Make 9.9'\n";

  private Path make() throws Exception {
    Path bin = Files.createDirectories(dir.resolve("bin"));
    Path make = Files.writeString(bin.resolve("make"), MAKE);
    Files.setPosixFilePermissions(make, PosixFilePermissions.fromString("rwxr-xr-x"));
    return make;
  }

  private ToolchainInventory inventory(Path make) {
    return new ToolchainInventory(Map.of("PATH", make.getParent().toString()), CommandRunner.processes(), Duration.ofSeconds(10));
  }

  private static String sha256(String content) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
  }

  @Test
  void aFileLeftAloneGetsTheDigestOfItsContent() throws Exception {
    Path make = make();
    try (ToolchainInventory.Probed probed = inventory(make).probe()) { // the real low-priority thread
      Toolchain t = probed.complete(Duration.ofSeconds(60)).get(0);
      assertEquals(sha256(MAKE), t.sha256());
      assertEquals("GNU Make 9.9", t.version());
      assertNull(t.note());
    }
  }

  @Test
  void aFileTheBuildRewritesInPlaceBeforeItIsHashedHasNoDigestAndANote() throws Exception {
    Path make = make();
    List<Runnable> hashing = new ArrayList<>();
    try (ToolchainInventory.Probed probed = inventory(make).probe(hashing::add)) {
      String trojan = "#!/bin/sh\necho 'GNU Make 9.9'\necho owned\n";
      Files.writeString(make, trojan); // truncates and writes: the same inode
      hashing.forEach(Runnable::run);
      Toolchain t = probed.complete(Duration.ofSeconds(60)).get(0);
      assertNull(t.sha256(), "a digest of content the file did not have before the build");
      assertTrue(t.note().startsWith("changed during the build"), t.note());
      assertEquals("GNU Make 9.9", t.version(), "the version was asked before the build");
    }
  }

  @Test
  void aRewriteOfTheSameSizeWithItsMtimeSetBackIsSeenByTheCtime() throws Exception {
    Path make = make();
    FileTime mtime = Files.getLastModifiedTime(make);
    List<Runnable> hashing = new ArrayList<>();
    try (ToolchainInventory.Probed probed = inventory(make).probe(hashing::add)) {
      // a filesystem without multigrain timestamps stamps ctime from a coarse clock (a few ms per
      // tick); the build starts well after the pinning, this test must wait for a tick itself
      Thread.sleep(50);
      String same = MAKE.replace("9.9", "6.6");
      assertEquals(MAKE.length(), same.length());
      Files.writeString(make, same);
      Files.setLastModifiedTime(make, mtime);
      hashing.forEach(Runnable::run);
      Toolchain t = probed.complete(Duration.ofSeconds(60)).get(0);
      assertNull(t.sha256(), "a digest of content the file did not have before the build");
      assertTrue(t.note().startsWith("changed during the build"), t.note());
    }
  }

  @Test
  void aFileTheBuildReplacesIsNotHashedAsTheReplacement() throws Exception {
    Path make = make();
    List<Runnable> hashing = new ArrayList<>();
    try (ToolchainInventory.Probed probed = inventory(make).probe(hashing::add)) {
      String trojan = "#!/bin/sh\necho 'GNU Make 9.9 (not really)'\n";
      Path fresh = Files.writeString(make.resolveSibling("make.new"), trojan);
      Files.move(fresh, make, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE); // a new inode at the path
      hashing.forEach(Runnable::run);
      Toolchain t = probed.complete(Duration.ofSeconds(60)).get(0);
      assertNotEquals(sha256(trojan), t.sha256(), "the pinned file is read, not what the path names now");
      // the old inode lost its name, which changed its ctime: it could have been rewritten through
      // a descriptor the build kept, so it is not vouched for either
      assertNull(t.sha256());
      assertTrue(t.note().startsWith("changed during the build"), t.note());
    }
  }

  @Test
  void whatTheLowPriorityThreadLeftIsHashedAtNormalPriorityOnceTheBuildHasEnded() throws Exception {
    Path make = make();
    // the build kept both CPUs busy: the thread at nice 19 never got to run
    try (ToolchainInventory.Probed probed = inventory(make).probe(starved -> { })) {
      probed.buildEnded();
      Toolchain t = probed.complete(Duration.ofSeconds(60)).get(0);
      assertEquals(sha256(MAKE), t.sha256());
      assertNull(t.note());
    }
  }

  @Test
  void aFileRewrittenDuringTheBuildAndHashedAfterItStillHasNoDigestAndANote() throws Exception {
    Path make = make();
    try (ToolchainInventory.Probed probed = inventory(make).probe(starved -> { })) {
      Files.writeString(make, "#!/bin/sh\necho 'GNU Make 9.9'\necho owned\n"); // the same inode
      probed.buildEnded(); // read now, at normal priority, after the rewrite
      Toolchain t = probed.complete(Duration.ofSeconds(60)).get(0);
      assertNull(t.sha256(), "a digest of content the file did not have before the build");
      assertTrue(t.note().startsWith("changed during the build"), t.note());
    }
  }

  /**
   * The build ends while the low-priority thread is inside a file: the thread at normal priority
   * goes on from where it was, and the digest is that of every byte (sha256sum's). Bounded
   * attempts: each must give the right digest within the wait (a hand-over lost between the two
   * threads would leave the file unhashed), and at least one must have handed a file over midway.
   */
  @Test
  void aFileHandedOverMidwayGetsTheDigestOfAllItsBytes() throws Exception {
    Path make = make();
    byte[] big = new byte[16 << 20]; // 64 reads of 256 KiB
    new java.util.Random(13).nextBytes(big);
    byte[] script = "#!/bin/sh\necho 'GNU Make 9.9'\nexit 0\n".getBytes(java.nio.charset.StandardCharsets.UTF_8);
    System.arraycopy(script, 0, big, 0, script.length);
    Files.write(make, big);
    String expected = dev.plumbline.testing.Coreutils.digest("sha256sum", make);
    int midway = 0;
    for (int attempt = 0; attempt < 10; attempt++) {
      List<Thread> low = new ArrayList<>();
      try (ToolchainInventory.Probed probed = inventory(make).probe(hashing -> {
        Thread t = new Thread(hashing, "test-low-priority");
        t.setDaemon(true);
        low.add(t);
      }, ToolchainDigestsTest::onNewThread)) {
        low.forEach(Thread::start);
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (!probed.lowPriorityBusy() && low.get(0).isAlive() && System.nanoTime() < deadline) {
          Thread.onSpinWait();
        }
        probed.buildEnded();
        Toolchain t = probed.complete(Duration.ofSeconds(30)).get(0);
        assertEquals(expected, t.sha256(), "attempt " + attempt + ": " + t.note());
        assertNull(t.note());
        midway += probed.handedOverMidway();
        low.get(0).join(10_000);
        assertTrue(!low.get(0).isAlive(), "the low-priority thread stopped after handing over");
      }
    }
    assertTrue(midway > 0, "no attempt handed a file over midway: the test did not test it");
  }

  private static void onNewThread(Runnable task) {
    Thread t = new Thread(task, "test-normal-priority");
    t.setDaemon(true);
    t.start();
  }

  @Test
  void aFileNotHashedInTimeSaysSo() throws Exception {
    Path make = make();
    try (ToolchainInventory.Probed probed = inventory(make).probe(hashing -> { }, hashing -> { })) { // the hashing never runs
      Toolchain t = probed.complete(Duration.ofMillis(100)).get(0);
      assertNull(t.sha256());
      assertTrue(t.note().startsWith("not hashed within"), t.note());
    }
  }
}
