package dev.plumbline.record;

import dev.plumbline.egress.EgressMode;
import dev.plumbline.egress.EgressPolicy;
import dev.plumbline.egress.EgressSession;
import dev.plumbline.trace.EgressGate;
import java.util.ArrayList;
import java.util.List;

/** What egress adds to a build record: DNS questions as trace events, hostnames of destinations. */
public final class EgressRecords {
  private EgressRecords() {}

  /**
   * The record with {@code hostname} filled in for every inet destination that has none, from the
   * names the gate learned (DNS answers and /etc/hosts).
   */
  public static BuildRecord withHostnames(BuildRecord r, EgressGate gate) {
    if (r.network() == null) {
      return r;
    }
    List<BuildRecord.Destination> out = new ArrayList<>();
    for (BuildRecord.Destination d : r.network()) {
      String host = d.hostname();
      if (host == null && d.address() != null && ("inet".equals(d.family()) || "inet6".equals(d.family()))) {
        host = gate.hostnameFor(d.address());
      }
      out.add(d.withHostname(host));
    }
    return r.withNetwork(out);
  }

  /**
   * The record with {@code wouldBlock} set on every {@code audited} destination: whether block mode
   * with the same options would refuse it (judged with every name learned during the run).
   */
  public static BuildRecord withWouldBlock(BuildRecord r, EgressPolicy gate) {
    if (r.network() == null) {
      return r;
    }
    List<BuildRecord.Destination> out = new ArrayList<>();
    for (BuildRecord.Destination d : r.network()) {
      Boolean would = d.wouldBlock();
      if ("audited".equals(d.decision())) {
        would = gate.wouldBlock(d.family(), d.protocol(), d.address(), d.port());
      }
      out.add(d.withWouldBlock(would));
    }
    return r.withNetwork(out);
  }
  /**
   * The record with what egress knows filled in: {@code hostname} of destinations,
   * {@code agent.egressMode} / {@code agent.allow}, and in audit mode with an allowlist
   * {@code wouldBlock} of each audited destination.
   */
  public static BuildRecord annotate(BuildRecord r, EgressSession session) {
    EgressPolicy gate = session.gate();
    BuildRecord withNames = EgressRecords.withHostnames(r, gate);
    if (gate.mode() == EgressMode.AUDIT && !gate.allowlist().rules().isEmpty()) {
      withNames = EgressRecords.withWouldBlock(withNames, gate);
    }
    BuildRecord.Agent a = withNames.agent();
    if (a == null) {
      return withNames;
    }
    BuildRecord.Agent agent = new BuildRecord.Agent(a.name(), a.version(), a.monitor(), gate.mode().label(), session.allow());
    return withNames.withAgent(agent);
  }

}
