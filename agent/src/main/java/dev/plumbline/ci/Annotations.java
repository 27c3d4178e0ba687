package dev.plumbline.ci;

import dev.plumbline.record.BuildRecord;
import dev.plumbline.record.BuildRecord.Destination;
import dev.plumbline.record.BuildRecord.FileWrite;
import dev.plumbline.trace.EgressDecision;
import java.util.ArrayList;
import java.util.List;

/**
 * The annotations a build record raises: errors for an incomplete trace and for each blocked
 * destination, warnings for each destination block mode would refuse ({@code wouldBlock}, audit
 * mode with an allowlist) and for each write to a git-tracked source (on that file). Every value
 * is escaped by {@link WorkflowCommands}.
 */
public final class Annotations {
  private Annotations() {}

  /** @param pathPrefix the build directory relative to the workspace ("" or ending in '/'): file annotations are repository paths */
  public static List<String> of(BuildRecord record, String pathPrefix) {
    List<String> out = new ArrayList<>();
    if (record.completeness() == null || !record.completeness().complete()) {
      List<String> reasons = record.completeness() == null || record.completeness().reasons() == null
          ? List.of() : record.completeness().reasons();
      out.add(WorkflowCommands.error("Plumbline: incomplete trace",
          "The record is incomplete: " + (reasons.isEmpty() ? "no reason given" : String.join("; ", reasons))));
    }
    for (Destination d : list(record.network())) {
      if (d.decision() == EgressDecision.BLOCKED) {
        out.add(WorkflowCommands.error("Plumbline: egress blocked", describe(d)));
      }
    }
    for (Destination d : list(record.network())) {
      if (Boolean.TRUE.equals(d.wouldBlock())) {
        out.add(WorkflowCommands.warning("Plumbline: egress outside the allowlist",
            describe(d) + " (would be blocked with egress-policy: block)"));
      }
    }
    for (FileWrite f : list(record.files())) {
      if (f.tracked()) {
        out.add(WorkflowCommands.fileWarning(pathPrefix + f.path(), "Plumbline: source file modified during the build",
            String.join(", ", list(f.operations())) + " by " + String.join(", ", list(f.processes()))));
      }
    }
    return out;
  }

  /** "tcp name:443 from /usr/bin/curl": protocol, destination by name (else address), processes. */
  static String describe(Destination d) {
    return (d.protocol() == null ? "?" : d.protocol()) + " " + Endpoints.display(d) + " from " + String.join(", ", list(d.processes()));
  }

  private static <T> List<T> list(List<T> l) {
    return l == null ? List.of() : l;
  }
}
