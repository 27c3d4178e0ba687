package dev.plumbline.linux;

import com.sun.jna.Native;

/**
 * glibc's {@code malloc_trim}: gives the free pages of every malloc arena back to the kernel. The
 * JVM's compiler threads and the agent's short-lived threads (set-up, warm-up, package lists) free
 * what they malloc'd into arenas glibc keeps resident, ~1.4 MiB in the middle of an exec storm
 * (docs/benchmarks.md, "RSS"); trimmed once the trace ends, the record is made from a lower RSS
 * and the run's peak is lower. Without glibc (musl has no such function) it does nothing.
 */
public final class NativeHeap {
  private static final boolean BOUND = bind();

  private NativeHeap() {}

  private static boolean bind() {
    try {
      Native.register(NativeHeap.class, NativeLibraries.get("c"));
      return true;
    } catch (UnsatisfiedLinkError | NoClassDefFoundError e) {
      return false;
    }
  }

  private static native int malloc_trim(long pad);

  /** Whether libc has malloc_trim (glibc). */
  static boolean available() {
    return BOUND;
  }

  /** Gives the arenas' free pages back; a no-op where libc has no malloc_trim. */
  public static void trim() {
    if (BOUND) {
      malloc_trim(0);
    }
  }
}
