package dev.plumbline.record;

import java.util.Objects;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** What came of a digest the hasher computes for the record: one place that says how a failure reads. */
final class DigestOutcome {
  private DigestOutcome() {}

  /**
   * A value (null for a script not found), or why there is none: {@code problem} (the hasher's
   * words), or {@code late} (not done by the record's deadline). Equal outcomes are equal records.
   */
  record Outcome<T>(T value, String problem, boolean late) {
    // equals and hashCode written out, with the values the record's own would give: those are
    // made by the JDK at their first call (java.lang.runtime.ObjectMethods spinning method handles,
    // ~60 classes), which came after the build, as its processes' outcomes were interned
    @Override
    public boolean equals(Object o) {
      return o instanceof Outcome<?> other && late == other.late && Objects.equals(value, other.value)
          && Objects.equals(problem, other.problem);
    }

    @Override
    public int hashCode() {
      return (31 * Objects.hashCode(value) + Objects.hashCode(problem)) * 31 + Boolean.hashCode(late);
    }

    boolean failed() {
      return problem != null || late;
    }

    /** The record's reason for an incomplete trace, for {@code what} ran as {@code path}; null when it did not fail. */
    String reason(String what, String path) {
      if (late) {
        return what + " not hashed in time: " + path;
      }
      return problem == null ? null : what + " not hashed: " + path + " (" + problem + ")";
    }
  }

  /** {@code f}'s outcome, waiting for it until {@code deadline} ({@link System#nanoTime}). */
  static <T> Outcome<T> of(CompletableFuture<T> f, long deadline) {
    try {
      long left = Math.max(0, deadline - System.nanoTime());
      return new Outcome<>(f.get(left, TimeUnit.NANOSECONDS), null, false);
    } catch (TimeoutException e) {
      return new Outcome<>(null, null, true);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      return new Outcome<>(null, cause instanceof HashException h ? h.problem() : String.valueOf(cause), false);
    } catch (CancellationException e) {
      return new Outcome<>(null, "cancelled", false);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new Outcome<>(null, "interrupted", false);
    }
  }
}
