package dev.plumbline.report;

import static dev.plumbline.report.Text.md;

import dev.plumbline.policy.Evidence;
import dev.plumbline.record.BuildRecord.DnsQuery;
import dev.plumbline.record.BuildRecord.FileWrite;
import dev.plumbline.trace.EgressDecision;
import java.util.List;

/**
 * The GitHub job summary: GitHub-flavoured markdown with tables of tools, destinations, blocked
 * attempts, warnings and source writes. Tables are capped so the summary stays far below GitHub's
 * 1 MiB limit; every value is escaped (a build controls its argv, paths and host names).
 */
public final class MarkdownReport {
  /** Rows per table before "… and N more". */
  static final int MAX_ROWS = 200;

  private MarkdownReport() {}

  public static String render(Evidence evidence) {
    StringBuilder m = new StringBuilder();
    m.append("## Plumbline build report\n\n");
    if (!evidence.verified()) {
      m.append("> [!WARNING]\n> Read from `").append(dev.plumbline.text.Printable.inline(evidence.source()).replace("`", "'"))
          .append("` without checking its signature: **not verified — use `plumbline verify`**.\n\n");
    }
    return m.append(body(new BuildFacts(evidence))).toString();
  }

  /**
   * The report without its heading and verification banner, for a caller that states the verdict
   * itself above it (the action's job summary): the build line, counts, warnings and tables.
   */
  public static String body(Evidence evidence) {
    return body(new BuildFacts(evidence, false));
  }

  private static String body(BuildFacts f) {
    StringBuilder m = new StringBuilder();
    String status = f.succeeded() ? "✅ exited 0" : "❌ exited " + md(f.exit());
    m.append("**").append(md(f.command())).append("** ").append(status)
        .append(" after ").append(Text.duration(f.duration()))
        .append(" · egress **").append(md(f.egressMode())).append("**")
        .append(" · trace ").append(f.complete() ? "complete ✅" : "**INCOMPLETE** ❌").append("\n\n");

    m.append("| Processes | Tools | Destinations | Blocked | DNS names | Source writes |\n");
    m.append("| ---: | ---: | ---: | ---: | ---: | ---: |\n");
    m.append("| ").append(f.processes.size()).append(" | ").append(f.tools.size()).append(" | ")
        .append(f.destinations.size()).append(" | ").append(f.blocked.size()).append(" | ")
        .append(f.dns.size()).append(" | ").append(f.sourceWrites.size()).append(" |\n\n");

    m.append("### Warnings\n\n");
    if (f.warnings.isEmpty()) {
      m.append("None: the trace is complete, nothing was blocked and no tracked source changed.\n\n");
    } else {
      for (String w : f.warnings) {
        m.append("- ⚠️ ").append(md(w)).append('\n');
      }
      m.append('\n');
    }

    m.append("### Tools (").append(f.tools.size()).append(")\n\n");
    if (f.tools.isEmpty()) {
      m.append("No tools recorded.\n\n");
    } else {
      m.append("| Tool | sha256 | Runs |\n| --- | --- | ---: |\n");
      rows(m, f.tools, t -> "| " + md(t.path()) + " | " + Text.mdSha256(t.sha256()) + " | " + t.count() + " |");
    }

    if (f.packageCounts() != null) {
      m.append("### Packages (").append(f.packageCounts()).append(")\n\n");
      if (f.usedPackages.isEmpty()) {
        m.append("No file the build ran belongs to an OS package.\n\n");
      } else {
        m.append("| Package | Version | Arch | Files that ran |\n| --- | --- | --- | --- |\n");
        rows(m, f.usedPackages, u -> "| " + md(u.name()) + " | " + md(u.version()) + " | " + md(u.arch() == null ? "" : u.arch())
            + " | " + md(f.ranFiles(u)) + " |");
      }
      if (!f.unownedFiles.isEmpty()) {
        m.append(f.unownedFiles.size()).append(f.unownedFiles.size() == 1 ? " file that ran belongs" : " files that ran belong")
            .append(" to no package: ")
            .append(md(String.join(", ", f.unownedFiles.stream().limit(20).map(x -> x.path()).toList())))
            .append(f.unownedFiles.size() > 20 ? ", …" : "").append("\n\n");
      }
      if (!f.unusedPackages.isEmpty()) {
        m.append("<details><summary>").append(f.unusedPackages.size()).append(" installed packages the build did not use</summary>\n\n")
            .append(md(String.join(" ", f.unusedPackages))).append("\n\n</details>\n\n");
      }
    }

    m.append("### Network destinations (").append(f.destinations.size()).append(")\n\n");
    if (f.destinations.isEmpty()) {
      m.append("No network use recorded.\n\n");
    } else {
      m.append("| Destination | Address | Protocol | Decision | Processes | Calls |\n| --- | --- | --- | --- | --- | ---: |\n");
      rows(m, f.destinations, d -> "| " + md(BuildFacts.name(d)) + " | " + md(BuildFacts.address(d)) + " | " + md(d.protocol())
          + " | " + decision(d.decision()) + (BuildFacts.wouldBlock(d) ? " · ⛔ **would be blocked**" : "") + " | " + md(processes(d.processes())) + " | " + d.count() + " |");
    }

    m.append("### Blocked attempts (").append(f.blocked.size()).append(")\n\n");
    if (f.blocked.isEmpty()) {
      m.append("None.\n\n");
    } else {
      m.append("| Destination | Address | Processes | Calls | Results |\n| --- | --- | --- | ---: | --- |\n");
      rows(m, f.blocked, d -> "| " + md(BuildFacts.name(d)) + " | " + md(BuildFacts.address(d)) + " | " + md(processes(d.processes()))
          + " | " + d.count() + " | " + md(String.join(", ", d.results() == null ? List.of() : d.results())) + " |");
    }

    if (!f.dns.isEmpty()) {
      m.append("### DNS (").append(f.dns.size()).append(")\n\n");
      m.append("| Name | Type | Answers | Decision | Count |\n| --- | --- | --- | --- | ---: |\n");
      rows(m, f.dns, (DnsQuery q) -> "| " + md(q.name()) + " | " + md(q.type()) + " | "
          + md(String.join(", ", q.answers() == null ? List.of() : q.answers())) + " | " + decision(q.decision()) + " | " + q.count() + " |");
    }

    m.append("### Source writes (").append(f.sourceWrites.size()).append(" tracked)\n\n");
    if (f.sourceWrites.isEmpty()) {
      m.append("No git-tracked file was changed").append(f.otherWrites.isEmpty() ? "." : " (" + f.otherWrites.size() + " untracked files were written).").append("\n\n");
    } else {
      m.append("| File | Operations | Processes |\n| --- | --- | --- |\n");
      rows(m, f.sourceWrites, (FileWrite w) -> "| " + md(w.path()) + " | " + md(String.join(", ", w.operations() == null ? List.of() : w.operations()))
          + " | " + md(processes(w.processes())) + " |");
    }
    m.append("<sub>").append(md(agent(f))).append("</sub>\n");
    return m.toString();
  }

  private static String agent(BuildFacts f) {
    var a = f.record.agent();
    return "Recorded by " + (a == null ? "plumbline" : a.name() + " " + a.version() + " (" + a.monitor() + ")")
        + (f.record.format() == null ? "" : " · " + f.record.format());
  }

  private static <T> void rows(StringBuilder m, List<T> items, java.util.function.Function<T, String> row) {
    int n = 0;
    for (T t : items) {
      if (n++ == MAX_ROWS) {
        m.append("| … and ").append(items.size() - MAX_ROWS).append(" more (see the full record) |").append("\n");
        break;
      }
      m.append(row.apply(t)).append('\n');
    }
    m.append('\n');
  }

  static String decision(EgressDecision d) {
    if (d == null) {
      return "";
    }
    return switch (d) {
      case BLOCKED -> "🚫 blocked";
      case ALLOWED -> "✅ allowed";
      case AUDITED -> "👀 audited";
      case REDIRECTED -> md(d.label());
    };
  }

  static String processes(List<String> ps) {
    if (ps == null || ps.isEmpty()) {
      return "";
    }
    return ps.size() <= 3 ? String.join(", ", ps) : String.join(", ", ps.subList(0, 3)) + " +" + (ps.size() - 3);
  }
}
