package dev.plumbline.ci;

import dev.plumbline.policy.PolicyLearner;
import dev.plumbline.record.BuildRecord;
import dev.plumbline.record.BuildRecord.Destination;
import java.util.List;

/** Destinations as the action shows them, and the {@code allowed-endpoints:} block learned from a run. */
public final class Endpoints {
  private Endpoints() {}

  /** name:port, else address:port ([v6]:port), or unix:PATH. */
  static String display(Destination d) {
    if ("unix".equals(d.family())) {
      return "unix:" + d.address();
    }
    String host = d.hostname() != null ? d.hostname()
        : d.address() == null ? "?" : d.address().indexOf(':') >= 0 ? "[" + d.address() + "]" : d.address();
    return d.port() == null ? host : host + ":" + d.port();
  }

  /**
   * A ready-to-paste {@code allowed-endpoints: |} input with every destination the build reached
   * (from {@link PolicyLearner#endpoints}, the list {@code policy init} writes), or null when it
   * reached none. Loopback is left out unless {@code denyLoopback}: the action allows it anyway.
   */
  public static String allowedEndpointsInput(BuildRecord record, boolean denyLoopback) {
    List<PolicyLearner.LearnedEndpoint> learned = PolicyLearner.endpoints(record).stream()
        .filter(e -> denyLoopback || !e.loopback())
        .toList();
    if (learned.isEmpty()) {
      return null;
    }
    int width = learned.stream().mapToInt(e -> e.entry().length()).max().orElse(0);
    StringBuilder b = new StringBuilder("egress-policy: block\nallowed-endpoints: |\n");
    for (PolicyLearner.LearnedEndpoint e : learned) {
      b.append("  ").append(e.entry()).append(" ".repeat(width - e.entry().length())).append("  # ")
          .append(e.comment().replace('\n', ' ')).append('\n');
    }
    return b.toString();
  }
}
