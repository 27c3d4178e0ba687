package dev.plumbline.cli;

import dev.plumbline.attest.AttestationRun;
import java.io.PrintWriter;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Progress lines on stderr for phases that take more than a second: nothing for a fast phase, a
 * "plumbline: PHASE…" line once one has run for a second (so a slow network round trip is not
 * mistaken for a hang), and its duration when it ends (not when it failed: its error line follows).
 */
final class Progress implements AttestationRun.Phases {
  static final long THRESHOLD_MS = 1000;

  private final PrintWriter err;
  private final long thresholdMs;
  private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "plumbline-progress");
    t.setDaemon(true);
    return t;
  });
  private String phase;
  private long startedNanos;
  private boolean shown;
  private ScheduledFuture<?> pending;

  Progress(PrintWriter err) {
    this(err, THRESHOLD_MS);
  }

  Progress(PrintWriter err, long thresholdMs) {
    this.err = err;
    this.thresholdMs = thresholdMs;
  }

  @Override
  public synchronized void start(String next) {
    end();
    phase = next;
    startedNanos = System.nanoTime();
    shown = false;
    pending = timer.schedule(this::show, thresholdMs, TimeUnit.MILLISECONDS);
  }

  private synchronized void show() {
    if (phase != null) {
      err.println("plumbline: " + phase + "…");
      err.flush();
      shown = true;
    }
  }

  private void end() {
    end(true);
  }

  private void end(boolean succeeded) {
    if (pending != null) {
      pending.cancel(false);
    }
    if (succeeded && phase != null && shown) {
      err.println("plumbline: " + phase + ": done in " + String.format(java.util.Locale.ROOT, "%.1f s", (System.nanoTime() - startedNanos) / 1e9));
      err.flush();
    }
    phase = null;
  }

  @Override
  public synchronized void done() {
    end();
    timer.shutdownNow();
  }

  @Override
  public synchronized void failed() {
    end(false);
    timer.shutdownNow();
  }
}
