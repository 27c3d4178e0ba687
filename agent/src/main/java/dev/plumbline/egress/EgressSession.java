package dev.plumbline.egress;

import dev.plumbline.egress.dns.DnsObservation;
import dev.plumbline.net.HostNames;
import dev.plumbline.trace.TraceEvent;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/**
 * Egress for one {@code plumbline run}: the gate the tracer consults, the DNS questions the
 * resolver saw (queued from its threads, handed over once the build is done, so the recorder is
 * only ever fed from one thread), and what egress adds to the finished record.
 *
 * <pre>
 * try (EgressSession egress = EgressSession.start(options)) {
 *   egress.forwardDnsTo(recorder::accept);
 *   tracer.run(new Request(..., egress.gate(), egress.enforcing(), recorder::accept));
 *   BuildRecord record = EgressRecords.annotate(recorder.finish(...), egress);
 * }
 * </pre>
 */
public final class EgressSession implements AutoCloseable {
  private final EgressPolicy gate;
  private final ConcurrentLinkedQueue<DnsObservation> dns;
  private Consumer<TraceEvent> live;

  private EgressSession(EgressPolicy gate, ConcurrentLinkedQueue<DnsObservation> dns) {
    this.gate = gate;
    this.dns = dns;
  }

  /**
   * From now on hands each DNS question to {@code sink} as soon as it is answered (on a resolver
   * thread, before the build gets the answer, so a later connect finds its name), after those
   * seen so far. The sink must be thread-safe (BuildRecorder's methods are synchronized).
   */
  public synchronized void forwardDnsTo(Consumer<TraceEvent> sink) {
    for (TraceEvent.Dns e : dnsEvents()) {
      sink.accept(e);
    }
    live = sink;
  }

  private synchronized void observed(DnsObservation o) {
    if (live != null) {
      live.accept(toEvent(o));
    } else {
      dns.add(o);
    }
  }

  /** Parses the options (one-line {@link EgressConfigException} on bad ones) and starts DNS capture. */
  public static EgressSession start(EgressGates.Options options) throws EgressConfigException {
    return start(options, EgressGates.HostFiles.system(), Clock.systemUTC());
  }

  public static EgressSession start(EgressGates.Options options, EgressGates.HostFiles files, Clock clock)
      throws EgressConfigException {
    ConcurrentLinkedQueue<DnsObservation> dns = new ConcurrentLinkedQueue<>();
    AtomicReference<EgressSession> self = new AtomicReference<>();
    EgressPolicy gate =
        EgressGates.fromOptions(
            options,
            files,
            o -> {
              EgressSession s = self.get();
              if (s == null) {
                dns.add(o);
              } else {
                s.observed(o);
              }
            },
            clock);
    self.set(new EgressSession(gate, dns));
    return self.get();
  }

  public EgressPolicy gate() {
    return gate;
  }

  /** True in block mode: decisions are a policy, not an audit. */
  public boolean enforcing() {
    return gate.mode() == EgressMode.BLOCK;
  }

  public EgressMode mode() {
    return gate.mode();
  }

  /** The allow rules as written, sorted, for the record's {@code agent.allow}. */
  public List<String> allow() {
    return gate.allowlist().texts();
  }

  /** The DNS questions seen so far as trace events, in the order they were answered; drains the queue. */
  public List<TraceEvent.Dns> dnsEvents() {
    List<TraceEvent.Dns> out = new ArrayList<>();
    DnsObservation o;
    while ((o = dns.poll()) != null) {
      out.add(toEvent(o));
    }
    return out;
  }

  /** The trace event for one DNS question (name in canonical form when it is a valid host name). */
  static TraceEvent.Dns toEvent(DnsObservation o) {
    String canonical = HostNames.canonical(o.name());
    String name = canonical != null ? canonical : o.name();
    return new TraceEvent.Dns(o.at(), o.pid(), name, o.type(), o.answers(), o.decision());
  }

  /** Stops the resolver. */
  @Override
  public void close() {
    gate.close();
  }
}
