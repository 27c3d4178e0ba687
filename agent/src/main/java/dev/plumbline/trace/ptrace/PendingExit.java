package dev.plumbline.trace.ptrace;

import dev.plumbline.trace.TraceEvent;
import java.util.ArrayList;
import java.util.List;

/**
 * What a call's exit stop must finish (network calls, ptrace attempts): the events waiting for the
 * call's result, and a check to run once the result is known.
 */
final class PendingExit {
  final List<TraceEvent.Network> events = new ArrayList<>();
  /** Runs before the events go out. */
  Runnable onExit;
  long rval;
  boolean isError;

  /** Runs the check and emits the events, each with its own result or {@code result}. */
  void finish(Reporter out, String result) {
    if (onExit != null) {
      onExit.run();
    }
    for (TraceEvent.Network n : events) {
      out.emit(new TraceEvent.Network(n.at(), n.pid(), n.syscall(), n.family(), n.protocol(), n.address(),
          n.port(), n.decision(), n.result() != null ? n.result() : result));
    }
  }
}
