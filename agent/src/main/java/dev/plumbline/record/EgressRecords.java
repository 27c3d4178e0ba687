package dev.plumbline.record;

import dev.plumbline.egress.EgressMode;
import dev.plumbline.egress.EgressPolicy;
import dev.plumbline.egress.EgressSession;
import dev.plumbline.trace.EgressDecision;
import dev.plumbline.trace.EgressGate;
import java.util.ArrayList;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;

/** What egress adds to a build record: DNS questions as trace events, hostnames of destinations. */
public final class EgressRecords {
  private EgressRecords() {}

  /**
   * The record with {@code hostname} filled in for every inet destination that has none, from the
   * names the gate learned (DNS answers and /etc/hosts).
   */
  public static BuildRecord withHostnames(BuildRecord r, EgressGate gate) {
    return eachDestination(r, d -> {
      boolean inet = "inet".equals(d.family()) || "inet6".equals(d.family());
      return d.hostname() == null && d.address() != null && inet ? d.withHostname(gate.hostnameFor(d.address())) : d;
    });
  }

  /**
   * The record with {@code wouldBlock} set on every {@code audited} destination: whether block mode
   * with the same options would refuse it (judged with every name learned during the run).
   */
  public static BuildRecord withWouldBlock(BuildRecord r, EgressPolicy gate) {
    return eachDestination(r, d -> d.decision() == EgressDecision.AUDITED && !d.listener() // block mode filters a listener, never refuses it
        ? d.withWouldBlock(gate.wouldBlock(d.family(), d.protocol(), d.address(), d.port()))
        : d);
  }

  private static BuildRecord eachDestination(BuildRecord r, UnaryOperator<BuildRecord.Destination> f) {
    return r.network() == null ? r : r.withNetwork(r.network().stream().map(f).collect(Collectors.toCollection(ArrayList::new)));
  }
  /**
   * The record's {@code agent} section, built once before the build runs: this agent, how it
   * watched, and the egress mode and allow rules of the session (as parsed, so what the record
   * says is what the gate enforced).
   */
  public static BuildRecord.Agent agent(String version, String monitor, EgressSession session) {
    return new BuildRecord.Agent("plumbline", version, monitor, session.mode(), session.allow(), null, null, null);
  }

  /**
   * The record with what egress learned during the run filled in: {@code hostname} of
   * destinations, and in audit mode with an allowlist {@code wouldBlock} of each audited one.
   */
  public static BuildRecord annotate(BuildRecord r, EgressSession session) {
    EgressPolicy gate = session.gate();
    BuildRecord withNames = EgressRecords.withHostnames(r, gate);
    if (gate.mode() == EgressMode.AUDIT && !gate.allowlist().rules().isEmpty()) {
      withNames = EgressRecords.withWouldBlock(withNames, gate);
    }
    return withNames;
  }
}
