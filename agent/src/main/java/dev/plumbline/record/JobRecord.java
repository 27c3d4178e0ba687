package dev.plumbline.record;

import dev.plumbline.record.BuildRecord.Completeness;
import dev.plumbline.record.BuildRecord.Tool;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A whole CI job traced step by step (the action's {@code plumbline-shell}) as one record: what
 * every step ran, contacted and wrote, complete only when every step's trace was, with one
 * {@link BuildRecord.Step} section per step in order. Signed once, it attests the job.
 */
public final class JobRecord {
  private JobRecord() {}

  /** One step's record, the command to show for it, and the sha256 of its record file. */
  public record StepRecord(BuildRecord record, String command, String recordSha256) {}

  /** @param argv what the job record names as its command (e.g. plumbline-shell and the step count) */
  public static BuildRecord merge(List<StepRecord> steps, List<String> argv, String cwd) {
    if (steps.isEmpty()) {
      throw new IllegalArgumentException("a job record needs at least one step");
    }
    BuildRecord first = steps.get(0).record();
    Map<String, Tool> tools = new TreeMap<>();
    Map<String, BuildRecord.Library> libraries = new TreeMap<>();
    List<BuildRecord.ProcessInfo> processes = new ArrayList<>();
    List<BuildRecord.Destination> network = new ArrayList<>();
    List<BuildRecord.DnsQuery> dns = new ArrayList<>();
    List<BuildRecord.FileWrite> files = new ArrayList<>();
    List<BuildRecord.Note> notes = new ArrayList<>();
    List<String> incomplete = new ArrayList<>();
    List<BuildRecord.Step> sections = new ArrayList<>();
    Integer exit = 0;
    Integer signal = null;
    String started = null;
    String finished = null;
    BuildRecord.Sources sources = null;
    int n = 0;
    for (StepRecord s : steps) {
      n++;
      BuildRecord r = s.record();
      for (BuildRecord.Library l : list(r.libraries())) {
        libraries.merge(l.path() + "\0" + l.sha256(), l, (a, b) -> new BuildRecord.Library(a.path(), a.sha256(),
            union(a.how(), b.how()), union(a.processes(), b.processes()), a.count() + b.count()));
      }
      for (Tool t : list(r.tools())) {
        tools.merge(t.path() + "\0" + t.sha256(), t, Tool::plus);
      }
      processes.addAll(list(r.processes()));
      network.addAll(list(r.network()));
      dns.addAll(list(r.dns()));
      files.addAll(list(r.files()));
      notes.addAll(list(r.notes()));
      boolean complete = r.completeness() != null && r.completeness().complete();
      if (!complete) {
        List<String> reasons = r.completeness() == null || r.completeness().reasons() == null ? List.of("no completeness recorded")
            : r.completeness().reasons();
        int index = n;
        reasons.forEach(reason -> incomplete.add("step " + index + ": " + reason));
      }
      BuildRecord.Invocation inv = r.invocation();
      Integer code = inv == null ? null : inv.exitCode();
      Integer sig = inv == null ? null : inv.signal();
      sections.add(new BuildRecord.Step(n, s.command(), inv == null ? null : inv.startedAt(), inv == null ? null : inv.finishedAt(),
          code, sig, complete, s.recordSha256()));
      if (started == null && inv != null) {
        started = inv.startedAt();
      }
      if (inv != null) {
        finished = inv.finishedAt();
      }
      if (exit != null && exit == 0 && signal == null && (sig != null || code == null || code != 0)) {
        exit = code;
        signal = sig;
      }
      if (r.sources() != null) {
        sources = r.sources();
      }
    }
    network.sort(Comparator.comparing(d -> String.valueOf(d.hostname()) + "|" + d.address() + "|" + d.port() + "|" + d.protocol()));
    return new BuildRecord(
        BuildRecord.FORMAT,
        agent(steps),
        new BuildRecord.Invocation(argv, cwd, started, finished, exit, signal),
        incomplete.isEmpty() ? Completeness.full() : new Completeness(false, incomplete),
        new ArrayList<>(tools.values()),
        processes,
        network,
        dns,
        files,
        sources,
        notes,
        sections,
        null,
        new ArrayList<>(libraries.values()));
  }

  private static List<String> union(List<String> a, List<String> b) {
    java.util.Set<String> all = new java.util.TreeSet<>(list(a));
    all.addAll(list(b));
    return List.copyOf(all);
  }

  /**
   * The job's agent section: the first step's, with the weakest trust level of any step (a level
   * a step did not state makes the job's unstated) and a privilege gain or readable key if any
   * step had one: the job is only as separated as its least separated step.
   */
  static BuildRecord.Agent agent(List<StepRecord> steps) {
    BuildRecord.Agent first = steps.get(0).record().agent();
    if (first == null) {
      return null;
    }
    List<String> order = List.of(BuildRecord.Agent.BUILD_ROOT, BuildRecord.Agent.SAME_USER, BuildRecord.Agent.SEPARATE_USER);
    String trust = first.trust();
    Boolean gained = first.privilegeGained();
    Boolean keyReadable = first.keyReadable();
    for (StepRecord s : steps) {
      BuildRecord.Agent a = s.record().agent();
      String t = a == null ? null : a.trust();
      trust = trust == null || t == null || !order.contains(t) || !order.contains(trust) ? null
          : order.get(Math.min(order.indexOf(trust), order.indexOf(t)));
      gained = anyTrue(gained, a == null ? null : a.privilegeGained());
      keyReadable = anyTrue(keyReadable, a == null ? null : a.keyReadable());
    }
    return first.withTrust(trust, keyReadable).withPrivilegeGained(gained);
  }

  /** true if either is, else null if either is unknown, else false. */
  private static Boolean anyTrue(Boolean a, Boolean b) {
    if (Boolean.TRUE.equals(a) || Boolean.TRUE.equals(b)) {
      return true;
    }
    return a == null || b == null ? null : false;
  }

  private static <T> List<T> list(List<T> l) {
    return l == null ? List.of() : l;
  }
}
