package dev.plumbline.record;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.plumbline.testing.Coreutils;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Hashes real processes and compares with {@code sha256sum}, an independent implementation. */
class ExecutableHasherTest {
  @TempDir Path tmp;
  private final List<Process> started = new ArrayList<>();
  private final ExecutableHasher hasher = new ExecutableHasher();

  @AfterEach
  void cleanUp() throws InterruptedException {
    hasher.close();
    for (Process p : started) {
      p.destroyForcibly();
      p.waitFor(10, TimeUnit.SECONDS);
    }
  }

  private Process start(Path dir, String... cmd) throws IOException {
    Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
    started.add(p);
    return p;
  }

  /** Waits (without a time limit that is asserted) until the process runs the expected image. */
  private static String waitForExe(long pid, String prefix) throws Exception {
    Path exe = Path.of("/proc/" + pid + "/exe");
    for (int i = 0; i < 2000; i++) {
      try {
        String target = Files.readSymbolicLink(exe).toString();
        if (target.startsWith(prefix)) {
          return target;
        }
      } catch (IOException e) {
        // not there yet
      }
      Thread.sleep(5);
    }
    throw new AssertionError("process " + pid + " never ran " + prefix);
  }

  @Test
  void hashesARunningProcessLikeSha256sum() throws Exception {
    Path sleep = Path.of("/bin/sleep").toRealPath();
    Process p = start(tmp, sleep.toString(), "30");
    waitForExe(p.pid(), sleep.toString());
    String digest = hasher.hashExecutable((int) p.pid()).get(60, TimeUnit.SECONDS);
    assertEquals(Coreutils.digest("sha256sum", sleep), digest);
  }

  @Test
  void sameInodeIsHashedOnce() throws Exception {
    Path sleep = Path.of("/bin/sleep").toRealPath();
    Process a = start(tmp, sleep.toString(), "30");
    Process b = start(tmp, sleep.toString(), "31");
    waitForExe(a.pid(), sleep.toString());
    waitForExe(b.pid(), sleep.toString());
    String first = hasher.hashExecutable((int) a.pid()).get(60, TimeUnit.SECONDS);
    CompletableFuture<String> second = hasher.hashExecutable((int) b.pid());
    assertEquals(first, second.get(60, TimeUnit.SECONDS));
    assertEquals(first, hasher.hashFile(sleep).get(60, TimeUnit.SECONDS));
    assertEquals(1, hasher.filesHashed());
  }

  @Test
  void otherDigestsAreTakenInTheSameReadAndOfferedWhileTheFileIsUnchanged() throws Exception {
    java.util.concurrent.ExecutorService workers = java.util.concurrent.Executors.newSingleThreadExecutor();
    try (ExecutableHasher both = new ExecutableHasher(Path.of("/proc"), workers, java.util.Set.of("md5", "sha1"))) {
      Path sleep = Path.of("/bin/sleep").toRealPath();
      Process p = start(tmp, sleep.toString(), "30");
      waitForExe(p.pid(), sleep.toString());
      assertEquals(Coreutils.digest("sha256sum", sleep), both.hashExecutable((int) p.pid()).get(60, TimeUnit.SECONDS));
      // md5sum and sha1sum: implementations other than libcrypto's and the JDK's
      assertEquals(java.util.Map.of("sha256", Coreutils.digest("sha256sum", sleep), "md5", Coreutils.digest("md5sum", sleep), "sha1", Coreutils.digest("sha1sum", sleep)),
          both.digestsTaken(sleep));
      assertEquals(both.digestsTaken(sleep), both.digestsTaken(Path.of("/bin/sleep")), "by the file's identity, not its name");
      // a script is read once too
      Path script = tmp.resolve("build.sh");
      Files.writeString(script, "#!/bin/sh\ntrue\n");
      assertEquals(Coreutils.digest("sha256sum", script), both.hashScript(0, List.of("sh", "build.sh"), tmp.toString()).get(60, TimeUnit.SECONDS).sha256());
      assertEquals(Coreutils.digest("md5sum", script), both.digestsTaken(script).get("md5"));
      // changed since (another size): nothing is offered for it
      Files.writeString(script, "#!/bin/sh\nfalse\n");
      assertNull(both.digestsTaken(script));
      assertNull(both.digestsTaken(tmp.resolve("never-read")));
    } finally {
      workers.shutdownNow();
    }
    // without other algorithms asked, none is kept
    Path sleep = Path.of("/bin/sleep").toRealPath();
    hasher.hashFile(sleep).get(60, TimeUnit.SECONDS);
    assertNull(hasher.digestsTaken(sleep));
  }

  @Test
  void changedFileIsHashedAgain() throws Exception {
    Path f = tmp.resolve("tool");
    Files.writeString(f, "one");
    String one = hasher.hashFile(f).get(60, TimeUnit.SECONDS);
    Files.writeString(f, "two, longer");
    String two = hasher.hashFile(f).get(60, TimeUnit.SECONDS);
    assertEquals(Coreutils.digest("sha256sum", f), two);
    assertTrue(!one.equals(two));
    assertEquals(2, hasher.filesHashed());
  }

  @Test
  void hashesAFilelessMemfdBinary() throws Exception {
    Path src = tmp.resolve("memfd_exec.c");
    Files.writeString(src, String.join("\n",
        "#define _GNU_SOURCE",
        "#include <sys/mman.h>",
        "#include <fcntl.h>",
        "#include <unistd.h>",
        "extern char **environ;",
        "int main(int argc, char **argv) {",
        "  int in = open(argv[1], O_RDONLY);",
        "  int fd = memfd_create(\"plumbline-test\", 0);",
        "  char buf[65536]; ssize_t n;",
        "  while ((n = read(in, buf, sizeof buf)) > 0) if (write(fd, buf, n) != n) return 2;",
        "  close(in);",
        "  char *args[] = {\"sleep\", argv[2], 0};",
        "  fexecve(fd, args, environ);",
        "  return 127;",
        "}", ""));
    Path bin = tmp.resolve("memfd_exec");
    Process cc = new ProcessBuilder("gcc", "-O2", "-o", bin.toString(), src.toString()).redirectErrorStream(true).start();
    String ccOut = new String(cc.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertEquals(0, cc.waitFor(), ccOut);

    Path sleep = Path.of("/bin/sleep").toRealPath();
    Process p = start(tmp, bin.toString(), sleep.toString(), "30");
    String exe = waitForExe(p.pid(), "/memfd:");
    assertTrue(exe.startsWith("/memfd:plumbline-test"), exe);
    assertEquals(Coreutils.digest("sha256sum", sleep), hasher.hashExecutable((int) p.pid()).get(60, TimeUnit.SECONDS));
  }

  @Test
  void vanishedProcessFailsWithOneLineReason() {
    CompletableFuture<String> f = hasher.hashExecutable(Integer.MAX_VALUE);
    ExecutionException e = assertThrows(ExecutionException.class, () -> f.get(60, TimeUnit.SECONDS));
    HashException h = assertInstanceOf(HashException.class, e.getCause());
    assertEquals("cannot open /proc/" + Integer.MAX_VALUE + "/exe: no such file", h.getMessage());
    assertEquals("no such file", h.problem());
  }

  @Test
  void findsTheScriptAnInterpreterRuns() throws Exception {
    Path script = tmp.resolve("build.sh");
    Files.writeString(script, "#!/bin/sh\nsleep 30\n");
    Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
    Process p = start(tmp, "./build.sh", "arg");
    waitForExe(p.pid(), Path.of("/bin/sh").toRealPath().toString());
    // what /proc/PID/cmdline shows after the kernel ran the #! line
    List<String> argv = dev.plumbline.trace.decode.Cmdline.parse(Files.readAllBytes(Path.of("/proc/" + p.pid() + "/cmdline")));
    assertEquals(List.of("/bin/sh", "./build.sh", "arg"), argv);
    BuildRecord.Script s = hasher.hashScript((int) p.pid(), argv, null).get(60, TimeUnit.SECONDS);
    assertEquals(new BuildRecord.Script(Path.of("/proc/" + p.pid() + "/cwd/build.sh").toString(), Coreutils.digest("sha256sum", script)), s);

    BuildRecord.Script withCwd = hasher.hashScript(0, argv, tmp.toString()).get(60, TimeUnit.SECONDS);
    assertEquals(new BuildRecord.Script(script.toString(), Coreutils.digest("sha256sum", script)), withCwd);

    // under a root or mount namespace of the build's own, argv's paths are its names: the
    // interpreter is hashed through its descriptor, and no file is read by those names
    ExecutableHasher.ExecHashes own = hasher.onExecInOwnView((int) p.pid());
    assertEquals(Coreutils.digest("sha256sum", Path.of("/bin/sh").toRealPath()), own.sha256().get(60, TimeUnit.SECONDS));
    assertNull(own.script().get(60, TimeUnit.SECONDS));
  }

  @Test
  void scriptAfterInterpreterOptionsAndNonScripts() throws Exception {
    Path script = tmp.resolve("s.py");
    Files.writeString(script, "#!/usr/bin/env python3\nprint(1)\n");
    Path plain = tmp.resolve("main.c");
    Files.writeString(plain, "int main(void) { return 0; }\n");
    String cwd = tmp.toString();
    assertEquals(script.toString(),
        hasher.hashScript(0, List.of("/usr/bin/python3", "-u", "s.py"), cwd).get(60, TimeUnit.SECONDS).path());
    // env python3 ./s.py: argv[1] is not a file here, argv[2] is the script
    assertEquals(script.toString(),
        hasher.hashScript(0, List.of("/usr/bin/env", "python3", "./s.py"), cwd).get(60, TimeUnit.SECONDS).path());
    assertNull(hasher.hashScript(0, List.of("gcc", "-c", "main.c"), cwd).get(60, TimeUnit.SECONDS));
    assertNull(hasher.hashScript(0, List.of("sleep", "30"), cwd).get(60, TimeUnit.SECONDS));
    assertNull(hasher.hashScript(0, List.of("true"), cwd).get(60, TimeUnit.SECONDS));
    // a script handled as data by a program that is not its interpreter
    assertNull(hasher.hashScript(0, List.of("cp", "s.py", "backup.py"), cwd).get(60, TimeUnit.SECONDS));
    assertNull(hasher.hashScript(0, List.of("/usr/bin/git", "add", "s.py"), cwd).get(60, TimeUnit.SECONDS));
    // ... but a program its #! line names is its interpreter
    Path custom = tmp.resolve("job");
    Files.writeString(custom, "#! /opt/tools/runjob --strict\nstep 1\n");
    assertEquals(custom.toString(),
        hasher.hashScript(0, List.of("/opt/tools/runjob", "--strict", "job"), cwd).get(60, TimeUnit.SECONDS).path());
    // a directory and a FIFO named on the command line are not opened
    Path fifo = tmp.resolve("fifo");
    Process mk = new ProcessBuilder("mkfifo", fifo.toString()).start();
    assertEquals(0, mk.waitFor());
    assertNull(hasher.hashScript(0, List.of("cat", "fifo", "."), cwd).get(60, TimeUnit.SECONDS));
  }

  @Test
  void filesWithoutShebangCountOnlyAsTheFirstOperandOfAProgramThatRunsIt() throws Exception {
    Path sh = tmp.resolve("build.sh");
    Files.writeString(sh, "echo hi\n");
    Path data = tmp.resolve("data.txt");
    Files.writeString(data, "not code\n");
    String cwd = tmp.toString();
    BuildRecord.Script s = hasher.hashScript(0, List.of("sh", "build.sh", "data.txt"), cwd).get(60, TimeUnit.SECONDS);
    assertEquals(new BuildRecord.Script(sh.toString(), Coreutils.digest("sha256sum", sh), "argument"), s);
    assertEquals(sh.toString(), hasher.hashScript(0, List.of("bash", "-x", "-o", "pipefail", "build.sh"), cwd)
        .get(60, TimeUnit.SECONDS).path());
    assertEquals(sh.toString(), hasher.hashScript(0, List.of("python3", "-W", "ignore", "build.sh"), cwd)
        .get(60, TimeUnit.SECONDS).path());
    // inline code: the file operand is data (sh -ec CMD NAME, perl -ne CODE FILE, python3 -m MOD FILE)
    assertNull(hasher.hashScript(0, List.of("sh", "-ec", "echo", "build.sh"), cwd).get(60, TimeUnit.SECONDS));
    assertNull(hasher.hashScript(0, List.of("perl", "-ne", "print", "data.txt"), cwd).get(60, TimeUnit.SECONDS));
    assertNull(hasher.hashScript(0, List.of("python3", "-m", "json.tool", "data.txt"), cwd).get(60, TimeUnit.SECONDS));
    assertNull(hasher.hashScript(0, List.of("node", "-e", "1", "data.txt"), cwd).get(60, TimeUnit.SECONDS));
    // not a program that runs its operand: make's target, awk's data, cat's input
    assertNull(hasher.hashScript(0, List.of("make", "build.sh"), cwd).get(60, TimeUnit.SECONDS));
    assertNull(hasher.hashScript(0, List.of("cat", "build.sh"), cwd).get(60, TimeUnit.SECONDS));
    // the second operand is an argument of the script, not a script
    assertNull(hasher.hashScript(0, List.of("sh", "missing.sh", "build.sh"), cwd).get(60, TimeUnit.SECONDS));
    // the dynamic loader runs its first operand; option values are skipped
    assertEquals(new BuildRecord.Script(sh.toString(), Coreutils.digest("sha256sum", sh), "argument"), hasher.hashScript(0,
        List.of("/lib64/ld-linux-x86-64.so.2", "--preload", data.toString(), "build.sh"), cwd).get(60, TimeUnit.SECONDS));
  }

  @Test
  void aShellReadingItsScriptFromAFileOnStandardInput() throws Exception {
    Path script = tmp.resolve("stdin.sh");
    Files.writeString(script, "sleep 30\n");
    Process p = new ProcessBuilder("sh").redirectInput(script.toFile()).start();
    try {
      waitForExe(p.pid(), Path.of("/bin/sh").toRealPath().toString());
      BuildRecord.Script s = hasher.hashScript((int) p.pid(), List.of("sh"), tmp.toString()).get(60, TimeUnit.SECONDS);
      assertEquals(new BuildRecord.Script(script.toString(), Coreutils.digest("sha256sum", script), "stdin"), s);
      // inline code: standard input is data
      assertNull(hasher.hashScript((int) p.pid(), List.of("sh", "-c", "cat"), tmp.toString()).get(60, TimeUnit.SECONDS));
    } finally {
      p.destroyForcibly();
    }
  }

  @Test
  void aLibraryIsHashedThroughTheDescriptorItWasMappedFrom() throws Exception {
    Path lib = tmp.resolve("lib.so");
    Files.writeString(lib, "not really ELF");
    Process p = new ProcessBuilder("sleep", "30").redirectInput(lib.toFile()).start();
    try {
      waitForExe(p.pid(), Path.of("/bin/sleep").toRealPath().toString());
      String first = hasher.hashMapped((int) p.pid(), lib.toString(), 0, -1, 0, false).get(60, TimeUnit.SECONDS);
      assertEquals(Coreutils.digest("sha256sum", lib), first);
      // replaced by name: the descriptor still reaches the file that was mapped
      Path other = tmp.resolve("other.so");
      Files.writeString(other, "something else");
      Files.move(other, lib, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
      assertEquals(first, hasher.hashMapped((int) p.pid(), lib.toString(), 0, -1, 0, false).get(60, TimeUnit.SECONDS));
      // by name, the device and inode must be the mapping's
      long inode = (Long) Files.getAttribute(lib, "unix:ino");
      long device = (Long) Files.getAttribute(lib, "unix:dev");
      assertEquals(Coreutils.digest("sha256sum", lib), hasher.hashMapped(0, lib.toString(), -1, device, inode, false).get(60, TimeUnit.SECONDS));
      for (long[] wrong : new long[][] {{device, inode + 1}, {device + 1, inode}, {-1, inode}}) {
        ExecutionException e = assertThrows(ExecutionException.class,
            () -> hasher.hashMapped(0, lib.toString(), -1, wrong[0], wrong[1], false).get(60, TimeUnit.SECONDS));
        assertTrue(((HashException) e.getCause()).problem().contains("not the one that was mapped"), e.getCause().getMessage());
      }
    } finally {
      p.destroyForcibly();
    }
  }

  /**
   * A file on overlayfs in a mount namespace of a process's own, reached here through
   * /proc/PID/root: hashed when the device and inode are the ones that process's maps show for
   * it; its lower layer's file, with the same inode number on another device, is not taken for it.
   * And what the kernel shows for the file mapped here ({@code PathHandles.mapsLine}, which the
   * hasher falls back on where stat's device is not the maps') is the process's own mapping's.
   */
  @Test
  void aFileOnOverlayfsIsTakenForTheMappingOnlyWithItsDeviceAndInode() throws Exception {
    Path lower = Files.createDirectories(tmp.resolve("lower"));
    for (String d : List.of("upper", "work", "merged")) {
      Files.createDirectories(tmp.resolve(d));
    }
    Path sleep = lower.resolve("sleep");
    Files.copy(Path.of("/bin/sleep").toRealPath(), sleep);
    Path merged = tmp.resolve("merged").resolve("sleep");
    Process p = new ProcessBuilder("unshare", "-Urm", "sh", "-c", "mount -t overlay overlay -o lowerdir=" + lower
        + ",upperdir=" + tmp.resolve("upper") + ",workdir=" + tmp.resolve("work") + " " + tmp.resolve("merged")
        + " && exec " + merged + " 30").redirectErrorStream(true).start();
    try {
      waitForExe(p.pid(), merged.toString());
      // the exec names its file in /proc/PID/exe before it maps it: wait for the mapping too
      dev.plumbline.trace.decode.ProcMaps.Mapping found = null;
      for (int i = 0; i < 2000 && found == null; i++) {
        found = dev.plumbline.trace.decode.ProcMaps.parse(Files.readAllBytes(Path.of("/proc/" + p.pid() + "/maps")))
            .stream().filter(m -> m.path().equals(merged.toString())).findFirst().orElse(null);
        if (found == null) {
          Thread.sleep(5);
        }
      }
      assertTrue(found != null, "the program is mapped");
      dev.plumbline.trace.decode.ProcMaps.Mapping mapped = found;
      long device = dev.plumbline.linux.PathHandles.makedev(mapped.major(), mapped.minor());
      Path here = Path.of("/proc/" + p.pid() + "/root" + merged);
      assertEquals(0x794c7630L, statfsType(here), "the file is on overlayfs");
      assertEquals(Coreutils.digest("sha256sum", sleep),
          hasher.hashMapped(0, here.toString(), -1, device, mapped.inode(), false).get(60, TimeUnit.SECONDS));
      assertEquals(mapped.inode(), (long) (Long) Files.getAttribute(sleep, "unix:ino"), "the layer's file has the inode number");
      ExecutionException e = assertThrows(ExecutionException.class,
          () -> hasher.hashMapped(0, sleep.toString(), -1, device, mapped.inode(), false).get(60, TimeUnit.SECONDS));
      assertTrue(((HashException) e.getCause()).problem().contains("not the one that was mapped"), e.getCause().getMessage());
      int fd = dev.plumbline.linux.PathHandles.open(here.toString());
      try {
        dev.plumbline.trace.decode.ProcMaps.Mapping probe =
            dev.plumbline.trace.decode.ProcMaps.parse(dev.plumbline.linux.PathHandles.mapsLine(fd)).get(0);
        assertEquals(List.of(mapped.major(), mapped.minor(), mapped.inode()), List.of(probe.major(), probe.minor(), probe.inode()));
      } finally {
        dev.plumbline.linux.PathHandles.close(fd);
      }
    } finally {
      p.destroyForcibly();
      p.waitFor();
    }
  }

  /** The filesystem type (statfs f_type) of a file, from stat -f. */
  private static long statfsType(Path f) throws Exception {
    Process s = new ProcessBuilder("stat", "-f", "-L", "-c", "%t", f.toString()).start();
    String out = new String(s.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).strip();
    s.waitFor();
    return Long.parseLong(out, 16);
  }

  @Test
  void shebangInterpreterName() {
    byte[] a = "#!/usr/bin/env python3\n".getBytes(StandardCharsets.UTF_8);
    assertEquals("env", ExecutableHasher.shebangInterpreter(a, a.length));
    byte[] b = "#! /bin/bash -e\n".getBytes(StandardCharsets.UTF_8);
    assertEquals("bash", ExecutableHasher.shebangInterpreter(b, b.length));
    byte[] c = "#!sh".getBytes(StandardCharsets.UTF_8);
    assertEquals("sh", ExecutableHasher.shebangInterpreter(c, c.length));
    byte[] d = "# comment\n".getBytes(StandardCharsets.UTF_8);
    assertNull(ExecutableHasher.shebangInterpreter(d, d.length));
    assertNull(ExecutableHasher.shebangInterpreter(new byte[] {'#'}, 1));
  }

  @Test
  void closedHasherFailsInsteadOfHanging() throws Exception {
    ExecutableHasher closed = new ExecutableHasher();
    closed.close();
    Path f = tmp.resolve("x");
    Files.writeString(f, "x");
    CompletableFuture<String> r = closed.hashFile(f);
    ExecutionException e = assertThrows(ExecutionException.class, () -> r.get(60, TimeUnit.SECONDS));
    assertInstanceOf(HashException.class, e.getCause());
    assertSame(HashException.class, e.getCause().getClass());
  }

  /**
   * A name taken for a mapping where the maps' pair may be another file's (btrfs) only when no one
   * but root can change what it names: every directory above it root's and writable by root alone.
   */
  @Test
  void aNameIsFixedOnlyUnderDirectoriesOfRootsThatNoOneElseCanWrite(@TempDir Path tmp) throws Exception {
    Path mine = Files.createDirectories(tmp.resolve("mine"));
    Path file = Files.writeString(mine.resolve("ld.so"), "x");
    Files.setPosixFilePermissions(mine, PosixFilePermissions.fromString("rwxr-xr-x"));
    Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x"));
    boolean rootsAllTheWay = true;
    for (Path d = mine; d != null; d = d.getParent()) {
      int mode = (Integer) Files.getAttribute(d, "unix:mode", java.nio.file.LinkOption.NOFOLLOW_LINKS);
      rootsAllTheWay &= (Integer) Files.getAttribute(d, "unix:uid") == 0 && (mode & 0022) == 0;
    }
    assertEquals(rootsAllTheWay, ExecutableHasher.nameFixed(file.toString()));
    Files.setPosixFilePermissions(mine, PosixFilePermissions.fromString("rwxrwxrwx"));
    assertEquals(false, ExecutableHasher.nameFixed(file.toString()), "a folder others can write");
    Path link = Files.createSymbolicLink(tmp.resolve("link"), mine);
    assertEquals(false, ExecutableHasher.nameFixed(link.resolve("ld.so").toString()), "a symlink on the way");
    assertEquals(false, ExecutableHasher.nameFixed("relative/ld.so"));
    assertEquals(Files.getAttribute(Path.of("/usr/bin"), "unix:uid").equals(0)
        && Files.getAttribute(Path.of("/usr"), "unix:uid").equals(0)
        && Files.getAttribute(Path.of("/"), "unix:uid").equals(0), ExecutableHasher.nameFixed("/usr/bin/true"));
  }
}
