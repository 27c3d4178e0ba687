package dev.plumbline.policy;

import dev.plumbline.record.BuildRecord;
import dev.plumbline.record.BuildRecord.Exec;
import dev.plumbline.record.BuildRecord.ProcessInfo;
import dev.plumbline.record.BuildRecord.Tool;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * How the evaluator and the learner name the evidence in one line: a tool with its digest, the
 * processes that did something, a shortened command line. (Destinations: {@code record.Destinations}.)
 */
final class EvidenceText {
  private EvidenceText() {}

  static String tool(Tool t) {
    String text = t.path() + " " + (t.sha256() == null ? "(no digest)" : Objects.requireNonNull(shaText(t.sha256())));
    BuildRecord.BuildOutput out = t.buildOutput();
    if (out != null) {
      List<String> writers = out.writtenBy() == null ? List.of() : out.writtenBy();
      text += ", build output " + out.path() + " written by " + (writers.isEmpty() ? "(unknown)" : String.join(", ", writers));
    }
    return text;
  }

  private static String shaText(String s) {
    return s.startsWith("sha256:") ? s : "sha256:" + s;
  }

  static String byProcesses(List<String> processes) {
    if (processes == null || processes.isEmpty()) {
      return "";
    }
    List<String> shown = processes.size() > 3 ? processes.subList(0, 3) : processes;
    return " by " + String.join(", ", shown) + (processes.size() > 3 ? " and " + (processes.size() - 3) + " more" : "");
  }

  /** The first processes that executed {@code path}: {@code pid 42 (curl -sS …)}. */
  static String ranBy(BuildRecord r, String path) {
    List<String> who = new ArrayList<>();
    int total = 0;
    for (ProcessInfo p : list(r.processes())) {
      for (Exec e : list(p.execs())) {
        if (Objects.equals(e.path(), path) || e.script() != null && Objects.equals(e.script().path(), path)) {
          total++;
          if (who.size() < 2) {
            who.add("pid " + p.pid() + " (" + argv(e.argv()) + ")");
          }
          break;
        }
      }
    }
    if (who.isEmpty()) {
      return "";
    }
    return " run by " + String.join(", ", who) + (total > who.size() ? " and " + (total - who.size()) + " more" : "");
  }

  static String argv(List<String> argv) {
    if (argv == null || argv.isEmpty()) {
      return "?";
    }
    String s = String.join(" ", argv);
    return s.length() > 80 ? s.substring(0, 79) + "…" : s;
  }

  private static <T> List<T> list(List<T> l) {
    return l == null ? List.of() : l;
  }
}
