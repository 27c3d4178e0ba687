package dev.plumbline.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * What the kernel under the tests can do. Some hosts (VMs with a restricted compat layer) kill a
 * 64-bit process that executes {@code int $0x80} with SIGSEGV even though IA32 emulation is
 * configured: there the 32-bit-ABI attacks cannot run at all, untraced or traced, and tests that
 * perform them assert that outcome instead of a refusal by the tracer.
 */
public final class Kernel {
  private Kernel() {}

  private static Boolean int80;

  /** Whether {@code int $0x80} (i386 getpid) works from a 64-bit process here. */
  public static synchronized boolean int80Works() {
    if (int80 == null) {
      int80 = probeInt80();
    }
    return int80;
  }

  private static boolean probeInt80() {
    try {
      Path dir = Files.createTempDirectory("plumbline-int80-");
      Path src = dir.resolve("p.c");
      Files.writeString(src, "int main(void){long r;__asm__ volatile(\"int $0x80\":\"=a\"(r):\"a\"(20L));return r>0?0:1;}\n");
      Path bin = dir.resolve("p");
      Process cc = new ProcessBuilder("gcc", "-o", bin.toString(), src.toString()).inheritIO().start();
      if (!cc.waitFor(60, TimeUnit.SECONDS) || cc.exitValue() != 0) {
        throw new IllegalStateException("gcc could not build the int 0x80 probe (the tracer tests need gcc)");
      }
      Process p = new ProcessBuilder(bin.toString()).start();
      if (!p.waitFor(30, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        return false;
      }
      return p.exitValue() == 0;
    } catch (IOException e) {
      throw new IllegalStateException("cannot probe int 0x80: " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while probing int 0x80", e);
    }
  }
}
