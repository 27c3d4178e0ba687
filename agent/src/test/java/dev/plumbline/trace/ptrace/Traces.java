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
    return run(cwd, grace, gate, false, argv);
  }

  /** With {@code enforcing}, the gate's answers are a policy (allowed/blocked), else an audit. */
  static Traces run(Path cwd, Duration grace, EgressGate gate, boolean enforcing, String... argv) throws Exception {
    Traces t = new Traces();
    Tracer tracer = new PtraceTracer();
    t.result = tracer.run(new Tracer.Request(List.of(argv), cwd, System.getenv(), grace,
        gate == null ? EgressGate.auditAll() : gate, enforcing, t.events::add));
    return t;
  }

  /**
   * Runs {@code argv} under the tracer in a network namespace of its own (loopback only, up), with
   * its standard output in {@code cwd/out.txt}.
   */
  static Traces inNetns(Path cwd, EgressGate gate, boolean enforcing, String... argv) throws Exception {
    List<String> all = new ArrayList<>(List.of("unshare", "-n", "/bin/sh", "-c",
        "ip link set lo up || exit 99; exec \"$@\" > out.txt", "sh"));
    all.addAll(List.of(argv));
    return run(cwd, Duration.ofSeconds(5), gate, enforcing, all.toArray(new String[0]));
  }

  <T extends TraceEvent> List<T> of(Class<T> type) {
    synchronized (events) {
      return events.stream().filter(type::isInstance).map(type::cast).toList();
    }
  }
}
