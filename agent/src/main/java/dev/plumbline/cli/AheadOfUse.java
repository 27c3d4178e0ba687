package dev.plumbline.cli;

/**
 * Set-up work started on another thread before the main thread needs it, so that a start-up on a
 * 2-core machine does it beside picocli's model and the option checks instead of after them
 * (docs/benchmarks.md, "verify start-up"). Nothing waits for it: the main thread takes what is
 * finished and otherwise does the same work itself, so the only effect is on time; what fails here
 * fails again on the main thread, which reports it as before.
 */
final class AheadOfUse {
  private AheadOfUse() {}

  static void start(String name, Runnable work) {
    Thread t = new Thread(() -> {
      try {
        work.run();
      } catch (Throwable e) { // (even an Error: the default handler would print a stack trace)
        // met again, and reported, on the main thread
      }
    }, "plumbline-" + name);
    t.setDaemon(true);
    t.start();
  }
}
