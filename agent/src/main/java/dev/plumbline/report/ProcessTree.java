package dev.plumbline.report;

import dev.plumbline.record.BuildRecord;
import dev.plumbline.record.BuildRecord.Exec;
import dev.plumbline.record.BuildRecord.ProcessInfo;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** The record's processes as a tree (by ppid), in depth-first order for display. */
final class ProcessTree {
  /** One process and its children; {@code label} is what it ran ("sh → make"). */
  record Node(ProcessInfo process, String label, int depth, List<Node> children) {}

  final List<Node> roots = new ArrayList<>();
  final List<Node> depthFirst = new ArrayList<>();

  ProcessTree(BuildRecord r) {
    List<ProcessInfo> ps = new ArrayList<>(r.processes() == null ? List.of() : r.processes());
    ps.sort(Comparator.comparing((ProcessInfo p) -> BuildRecord.time(p.startedAt()), Comparator.nullsFirst(Comparator.naturalOrder()))
        .thenComparingInt(ProcessInfo::pid));
    Map<Integer, List<ProcessInfo>> byParent = new HashMap<>();
    Set<Integer> pids = new java.util.HashSet<>();
    for (ProcessInfo p : ps) {
      pids.add(p.pid());
      byParent.computeIfAbsent(p.ppid(), k -> new ArrayList<>()).add(p);
    }
    Set<Integer> seen = new java.util.HashSet<>();
    for (ProcessInfo p : ps) {
      if (!pids.contains(p.ppid()) || p.ppid() == p.pid()) {
        roots.add(build(p, byParent, 0, seen, null));
      }
    }
    // pid reuse or a cycle would leave processes unreached: show them as roots rather than lose them
    for (ProcessInfo p : ps) {
      if (!seen.contains(p.pid())) {
        roots.add(build(p, byParent, 0, seen, null));
      }
    }
    for (Node n : roots) {
      flatten(n);
    }
  }

  private Node build(ProcessInfo p, Map<Integer, List<ProcessInfo>> byParent, int depth, Set<Integer> seen, String parentLabel) {
    seen.add(p.pid());
    String label = label(p, parentLabel);
    List<Node> kids = new ArrayList<>();
    for (ProcessInfo c : byParent.getOrDefault(p.pid(), List.of())) {
      if (!seen.contains(c.pid())) {
        kids.add(build(c, byParent, depth + 1, seen, label));
      }
    }
    return new Node(p, label, depth, kids);
  }

  private void flatten(Node n) {
    depthFirst.add(n);
    for (Node c : n.children()) {
      flatten(c);
    }
  }

  static String label(ProcessInfo p, String parentLabel) {
    List<Exec> execs = p.execs() == null ? List.of() : p.execs();
    if (execs.isEmpty()) {
      String inherited = parentLabel == null ? "?" : last(parentLabel);
      return "(fork of " + inherited + ")";
    }
    Set<String> names = new LinkedHashSet<>();
    for (Exec e : execs) {
      names.add(e.script() != null ? base(e.script().path()) : base(e.path()));
    }
    return String.join(" → ", names);
  }

  private static String last(String label) {
    int i = label.lastIndexOf(" → ");
    String l = i >= 0 ? label.substring(i + 3) : label;
    return l.startsWith("(fork of ") ? l.substring(9, l.length() - 1) : l;
  }

  static String base(String path) {
    if (path == null) {
      return "?";
    }
    int i = path.lastIndexOf('/');
    return i >= 0 && i < path.length() - 1 ? path.substring(i + 1) : path;
  }
}
