package dev.plumbline.trace.ptrace;

import dev.plumbline.trace.EgressGate;
import dev.plumbline.trace.TraceEvent;
import dev.plumbline.trace.Tracer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;

/** Runs a command under the tracer and keeps every event, for tests. */
final class Traces {
  final List<TraceEvent> events = Collections.synchronizedList(new ArrayList<>());
  Tracer.Result result;

  static Traces run(Path cwd, Duration grace, EgressGate gate, String... argv) throws Exception {
    Traces t = new Traces();
    Tracer tracer = new PtraceTracer();
    t.result = tracer.run(new Tracer.Request(List.of(argv), cwd, System.getenv(), grace,
        gate == null ? EgressGate.auditAll() : gate, false, t.events::add));
    return t;
  }

  <T extends TraceEvent> List<T> of(Class<T> type) {
    synchronized (events) {
      return events.stream().filter(type::isInstance).map(type::cast).toList();
    }
  }
}
