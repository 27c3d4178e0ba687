package dev.plumbline.linux;

import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class NativeHeapTest {
  @Test
  void bindsGlibcsMallocTrim() {
    // the agent's hosts and CI are glibc (Debian): there a failed binding would silently keep
    // the arenas' free pages resident for the whole run
    assertTrue(NativeHeap.available(), "malloc_trim not bound from libc");
    NativeHeap.trim(); // and calling it returns
  }
}
