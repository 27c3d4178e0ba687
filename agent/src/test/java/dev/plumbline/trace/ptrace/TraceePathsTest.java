package dev.plumbline.trace.ptrace;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.plumbline.linux.Errno;
import dev.plumbline.linux.PathHandles;
import dev.plumbline.linux.TracerCalls;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The tracee-view path walk, on this JVM as the "tracee" (its own /proc/PID/root and cwd): every
 * other name for a file pins that file, with the device and inode stat(2) reports.
 */
class TraceePathsTest {
  static TraceePaths paths;
  static int pid;

  @TempDir Path dir;

  @BeforeAll
  static void setUp() throws Exception {
    paths = new TraceePaths(new TracerCalls(), "/proc");
    pid = (int) ProcessHandle.current().pid();
  }

  static long[] identity(Path p) throws Exception {
    return new long[] {((Number) Files.getAttribute(p, "unix:dev")).longValue(), ((Number) Files.getAttribute(p, "unix:ino")).longValue()};
  }

  /** Pins {@code path} as this process would resolve it, and checks it is {@code file}. */
  static void assertPins(Path file, String path) throws Exception {
    TraceePaths.Pinned p = paths.pin(pid, pid, path);
    try {
      assertTrue(p.fd() >= 0, path + ": " + Errno.name(-p.fd()));
      assertNotNull(p.stat());
      long[] want = identity(file);
      assertEquals(want[0], p.stat().dev(), path + " device (glibc's makedev)");
      assertEquals(want[1], p.stat().ino(), path + " inode");
    } finally {
      PathHandles.close(p.fd());
    }
  }

  static void assertFails(int errno, String path) {
    TraceePaths.Pinned p = paths.pin(pid, pid, path);
    PathHandles.close(p.fd());
    assertEquals(-errno, p.fd(), path);
  }

  @Test
  void everyOtherNameForAFileIsThatFile() throws Exception {
    Path target = Files.writeString(dir.resolve("target"), "x");
    Files.createLink(dir.resolve("hard"), target);
    Files.createSymbolicLink(dir.resolve("abs-link"), target);
    Files.createSymbolicLink(dir.resolve("rel-link"), Path.of("target"));
    Path sub = Files.createDirectories(dir.resolve("a/b"));
    Files.createSymbolicLink(sub.resolve("up"), Path.of("../../target"));
    Files.createSymbolicLink(dir.resolve("dirlink"), sub);
    Files.createSymbolicLink(dir.resolve("chain"), dir.resolve("abs-link"));

    assertPins(target, target.toString());
    assertPins(target, dir.resolve("hard").toString());
    assertPins(target, dir.resolve("abs-link").toString());
    assertPins(target, dir.resolve("rel-link").toString());
    assertPins(target, dir.resolve("chain").toString());
    assertPins(target, sub.resolve("up").toString());
    // a symlinked directory, then ".." of where it points (the kernel's order, not the text's)
    assertPins(target, dir.resolve("dirlink").toString() + "/../../target");
    assertPins(target, dir + "//./a/../target");
    // ".." at the root stays at the root
    assertPins(target, "/../../.." + target);
    // relative to this process's working directory
    Path cwd = Path.of("").toAbsolutePath();
    assertPins(target, cwd.relativize(target).toString());
    // procfs names that mean the task itself
    assertPins(target, "/proc/self/root" + target);
    assertPins(target, "/proc/thread-self/root" + target);
    assertPins(target, "/proc/" + pid + "/root" + target);
    assertPins(cwd, "/proc/self/cwd");
  }

  @Test
  void failuresAreTheKernelsErrors() throws Exception {
    Files.createSymbolicLink(dir.resolve("loop-a"), dir.resolve("loop-b"));
    Files.createSymbolicLink(dir.resolve("loop-b"), dir.resolve("loop-a"));
    Files.writeString(dir.resolve("file"), "x");
    assertFails(Errno.ENOENT, dir.resolve("missing").toString());
    assertFails(Errno.ELOOP, dir.resolve("loop-a").toString());
    assertFails(Errno.ENOTDIR, dir.resolve("file/below").toString());
    assertFails(Errno.ENOTDIR, dir.resolve("file") + "/");
    assertFails(Errno.ENOENT, "");
  }

  /**
   * openat's directory descriptor: a relative path starts at the directory the task holds, and is
   * placed below a directory known by device and inode whatever its name (a chroot or mount
   * namespace of the build names the sources otherwise).
   */
  @Test
  void relativePathsStartAtTheDescriptorsDirectoryAndArePlacedByIdentity() throws Exception {
    Path src = Files.createDirectories(dir.resolve("src/sub")).getParent();
    Path target = Files.writeString(src.resolve("sub/target"), "x");
    PathHandles.FileStat srcStat = PathHandles.stat(src.toString());
    int fd = PathHandles.open(src.resolve("sub").toString());
    assertTrue(fd >= 0);
    try {
      TraceePaths.Pinned p = paths.pin(pid, pid, fd, "target");
      PathHandles.close(p.fd());
      assertEquals(identity(target)[1], p.stat().ino());
      assertEquals(new TraceePaths.Below("sub/new.c", false), paths.below(pid, pid, fd, "../sub/new.c", srcStat));
      assertEquals(new TraceePaths.Below("sub", false), paths.below(pid, pid, fd, ".", srcStat));
      assertEquals(TraceePaths.Below.NOT, paths.below(pid, pid, fd, "/tmp/x", srcStat));
      // a descriptor the task does not have: the call fails (EBADF), which is no lack of view
      TraceePaths.Pinned none = paths.pin(pid, pid, 1 << 20, "target");
      assertEquals(-Errno.ENOENT, none.fd());
      assertFalse(none.noView());
      assertNull(none.stat());
    } finally {
      PathHandles.close(fd);
    }
  }
}
