package dev.plumbline.record;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.plumbline.text.Printable;
import dev.plumbline.trace.EgressDecision;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The end-of-run summary of a {@link BuildRecord}: {@link #text} for a person (the CLI writes it
 * to stderr) and {@link #json} for machines ({@code --json}, on stdout). Renders only; never
 * prints.
 */
public final class RunSummary {
  private RunSummary() {}

  /** How many tracked-source writes the text names before it says "and N more". */
  static final int MAX_LISTED = 10;

  /** The JSON form; every list in record order (already sorted). */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Summary(
      Integer exitCode,
      Integer signal,
      Double durationSeconds,
      int processes,
      int endedByAgent,
      int tools,
      List<DestinationLine> destinations,
      int dnsNames,
      int filesWritten,
      List<String> trackedSourcesWritten,
      List<BuildRecord.Note> notes,
      BuildRecord.Completeness completeness) {}

  /** One row of the destinations table. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record DestinationLine(
      String name, String address, String protocol, List<String> processes, EgressDecision decision, int count,
      Boolean wouldBlock) {}

  public static Summary summarise(BuildRecord r) {
    List<DestinationLine> lines = new ArrayList<>();
    for (BuildRecord.Destination d : nonNull(r.network())) {
      lines.add(new DestinationLine(d.hostname(), Destinations.endpoint(d), d.protocol(),
          nonNull(d.processes()).stream().map(RunSummary::basename).distinct().sorted().toList(),
          d.decision(), d.count(), d.wouldBlock()));
    }
    List<String> trackedWrites = nonNull(r.files()).stream()
        .filter(BuildRecord.FileWrite::tracked)
        .map(BuildRecord.FileWrite::path)
        .toList();
    BuildRecord.Invocation inv = r.invocation();
    return new Summary(
        inv == null ? null : inv.exitCode(),
        inv == null ? null : inv.signal(),
        inv == null ? null : seconds(inv.startedAt(), inv.finishedAt()),
        nonNull(r.processes()).size(),
        (int) nonNull(r.processes()).stream().filter(BuildRecord.ProcessInfo::outlivedBuild).count(),
        nonNull(r.tools()).size(),
        lines,
        (int) nonNull(r.dns()).stream().map(BuildRecord.DnsQuery::name).distinct().count(),
        nonNull(r.files()).size(),
        trackedWrites,
        nonNull(r.notes()),
        r.completeness());
  }

  /** The summary as canonical JSON (sorted properties, trailing newline). */
  public static String json(BuildRecord r) {
    return BuildRecords.canonicalJson(summarise(r));
  }

  /**
   * The summary as lines of text for stderr, ending in a newline. Every value from the build is
   * escaped ({@link Printable}): a file name cannot erase or add a line, or issue a CI command.
   */
  public static String text(BuildRecord r) {
    return Printable.lines(unescapedText(r));
  }

  private static String p(String s) {
    return Printable.inline(s);
  }

  private static String unescapedText(BuildRecord r) {
    Summary s = summarise(r);
    StringBuilder out = new StringBuilder();
    out.append("plumbline: build ").append(ending(s));
    if (s.durationSeconds() != null) {
      out.append(String.format(Locale.ROOT, " after %.1fs", s.durationSeconds()));
    }
    out.append('\n');
    out.append("  processes: ").append(s.processes());
    if (s.endedByAgent() > 0) {
      out.append(" (").append(s.endedByAgent()).append(" ended by plumbline after the grace period)");
    }
    out.append(", distinct tools: ").append(s.tools()).append('\n');

    if (s.destinations().isEmpty()) {
      out.append("  network: no destinations\n");
    } else {
      out.append("  network: ").append(s.destinations().size())
          .append(s.destinations().size() == 1 ? " destination" : " destinations");
      if (s.dnsNames() > 0) {
        out.append(", ").append(s.dnsNames()).append(s.dnsNames() == 1 ? " DNS name" : " DNS names");
      }
      out.append('\n');
      List<String[]> rows = new ArrayList<>();
      rows.add(new String[] {"NAME", "ADDRESS", "PROTOCOL", "PROCESS", "DECISION", "COUNT"});
      for (DestinationLine d : s.destinations()) {
        rows.add(new String[] {
          d.name() == null ? "-" : p(d.name()),
          p(d.address()),
          p(orDash(d.protocol())),
          d.processes().isEmpty() ? "-" : p(String.join(",", d.processes())),
          d.decision() == null ? "-" : d.decision().label() + (Boolean.TRUE.equals(d.wouldBlock()) ? ", would block" : ""),
          Integer.toString(d.count())
        });
      }
      table(out, rows);
    }

    out.append("  files written under the working directory: ").append(s.filesWritten());
    if (!s.trackedSourcesWritten().isEmpty()) {
      List<String> shown = s.trackedSourcesWritten().subList(0, Math.min(MAX_LISTED, s.trackedSourcesWritten().size()));
      out.append(", tracked sources written: ").append(s.trackedSourcesWritten().size()).append(" (")
          .append(String.join(", ", shown.stream().map(RunSummary::p).toList()));
      int more = s.trackedSourcesWritten().size() - shown.size();
      if (more > 0) {
        out.append(" and ").append(more).append(" more");
      }
      out.append(')');
    } else if (r.sources() != null && !r.sources().gitTracked()) {
      out.append(" (not a git checkout: tracked sources unknown)");
    } else {
      out.append(", no tracked source written");
    }
    out.append('\n');

    for (BuildRecord.Note n : s.notes()) {
      out.append("  note: ").append(p(n.kind())).append(": ").append(p(n.detail()));
      if (n.count() > 1) {
        out.append(" (").append(n.count()).append(" times)");
      }
      out.append('\n');
      String hint = hint(n);
      if (hint != null) {
        out.append("    hint: ").append(hint).append('\n');
      }
    }

    BuildRecord.Completeness c = s.completeness();
    if (c != null && c.complete()) {
      out.append("  trace: complete\n");
    } else {
      out.append("  trace: INCOMPLETE");
      List<String> reasons = c == null ? List.of("no completeness information") : nonNull(c.reasons());
      out.append(reasons.isEmpty() ? " (no reason given)\n" : ":\n");
      for (String reason : reasons) {
        out.append("    - ").append(p(reason)).append('\n');
      }
    }
    return out.toString();
  }

  /**
   * What a note usually means for the build, when it is a known failure. LeakSanitizer (ASan's
   * leak check at exit) stops the world through a CLONE_UNTRACED thread and ptrace; under a tracer
   * it cannot, prints "LeakSanitizer does not work under ptrace" and fails the program.
   */
  static String hint(BuildRecord.Note n) {
    if ("clone".equals(n.kind()) && n.detail() != null && n.detail().contains("CLONE_UNTRACED")) {
      return "AddressSanitizer's leak check (LeakSanitizer) does this at exit and then fails the program"
          + " (\"LeakSanitizer does not work under ptrace\"): set ASAN_OPTIONS=detect_leaks=0 for the traced build";
    }
    return null;
  }

  private static String ending(Summary s) {
    if (s.signal() != null) {
      return "killed by signal " + s.signal();
    }
    return s.exitCode() == null ? "ended" : "exited " + s.exitCode();
  }

  private static void table(StringBuilder out, List<String[]> rows) {
    int cols = rows.get(0).length;
    int[] width = new int[cols];
    for (String[] row : rows) {
      for (int i = 0; i < cols; i++) {
        width[i] = Math.max(width[i], row[i].length());
      }
    }
    for (String[] row : rows) {
      StringBuilder line = new StringBuilder("    ");
      for (int i = 0; i < cols; i++) {
        line.append(row[i]);
        if (i < cols - 1) {
          line.append(" ".repeat(width[i] - row[i].length() + 2));
        }
      }
      out.append(line.toString().stripTrailing()).append('\n');
    }
  }

  private static Double seconds(String start, String end) {
    if (start == null || end == null) {
      return null;
    }
    try {
      return Duration.between(Instant.parse(start), Instant.parse(end)).toMillis() / 1000.0;
    } catch (DateTimeParseException e) {
      return null;
    }
  }

  private static String basename(String path) {
    int slash = path.lastIndexOf('/');
    return slash < 0 ? path : path.substring(slash + 1);
  }

  private static String orDash(String s) {
    return s == null ? "-" : s;
  }

  private static <T> List<T> nonNull(List<T> list) {
    return list == null ? List.of() : list;
  }
}
