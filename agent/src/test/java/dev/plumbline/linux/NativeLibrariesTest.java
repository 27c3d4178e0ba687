package dev.plumbline.linux;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class NativeLibrariesTest {
  /** The list given to JNA instead of ldconfig's must hold the directory this JVM's own libc came from. */
  @Test
  void thePlatformPathHoldsTheDirectoryOfTheRunningLibc() throws Exception {
    String libc = Files.readAllLines(Path.of("/proc/self/maps")).stream()
        .map(l -> l.substring(l.lastIndexOf(' ') + 1))
        .filter(p -> p.matches(".*/libc(-[0-9.]+)?\\.so(\\.6)?$"))
        .findFirst().orElseThrow(() -> new AssertionError("no libc in /proc/self/maps"));
    Path dir = Path.of(libc).getParent().toRealPath();
    boolean listed = false;
    for (String d : NativeLibraries.platformPath()) {
      assertTrue(Files.isDirectory(Path.of(d)), d);
      listed |= Path.of(d).toRealPath().equals(dir);
    }
    assertTrue(listed, dir + " not in " + NativeLibraries.platformPath());
  }

  @Test
  void libcLoadsThroughIt() throws Exception {
    assertNotNull(NativeLibraries.get("c").getFunction("getpid"));
    assertNotNull(System.getProperty("jna.platform.library.path"), "given to JNA before its first lookup");
    Linux.requireLibc();
  }
}
