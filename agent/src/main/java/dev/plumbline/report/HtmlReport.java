package dev.plumbline.report;

import static dev.plumbline.report.Text.html;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.plumbline.text.Printable;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.plumbline.egress.EgressMode;
import dev.plumbline.policy.Evidence;
import dev.plumbline.record.BuildRecord;
import dev.plumbline.record.BuildRecord.Destination;
import dev.plumbline.record.BuildRecord.Exec;
import dev.plumbline.record.BuildRecord.FileWrite;
import dev.plumbline.record.BuildRecord.ProcessInfo;
import dev.plumbline.record.BuildRecord.Tool;
import dev.plumbline.trace.EgressDecision;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;

/**
 * One self-contained HTML file: inline CSS, inline script and SVG, no fetch of any kind (a
 * Content-Security-Policy of {@code default-src 'none'} makes sure). The process tree and tables are
 * rendered here so the page reads without script; the timeline is drawn by the inline script from
 * the embedded JSON. Every value from the record is escaped: the build controls its argv and paths.
 */
public final class HtmlReport {
  /** Past this many processes the tree and timeline show the first ones and say so. */
  static final int MAX_PROCESSES = 2000;
  static final int MAX_ROWS = 1000;
  private static final ObjectMapper JSON = new ObjectMapper();

  private HtmlReport() {}

  public static String render(Evidence evidence) {
    BuildFacts f = new BuildFacts(evidence);
    ProcessTree tree = new ProcessTree(f.record);
    StringBuilder h = new StringBuilder(64 * 1024);
    h.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    h.append("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; "
        + "script-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'\">\n");
    h.append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    h.append("<title>Plumbline report: ").append(html(f.command())).append("</title>\n");
    h.append("<style>\n").append(resource("report.css")).append("</style>\n</head>\n<body>\n");

    header(h, f);
    tree(h, f, tree);
    timeline(h);
    network(h, f);
    tools(h, f);
    packages(h, f);
    files(h, f);

    h.append("<footer>").append(html(footer(f))).append("</footer>\n");
    h.append("<script type=\"application/json\" id=\"plumbline-data\">").append(data(f, tree)).append("</script>\n");
    h.append("<script>\n").append(resource("report.js")).append("</script>\n");
    h.append("</body>\n</html>\n");
    return h.toString();
  }

  private static void header(StringBuilder h, BuildFacts f) {
    h.append("<header>\n<div class=\"brand\">Plumbline build report</div>\n");
    h.append("<h1><code>").append(html(f.command())).append("</code></h1>\n");
    h.append("<div class=\"badges\">");
    badge(h, f.succeeded() ? "ok" : "bad", "exit " + f.exit(), "exit");
    badge(h, f.complete() ? "ok" : "bad", f.complete() ? "trace complete" : "trace INCOMPLETE", "completeness");
    badge(h, EgressMode.BLOCK.label().equals(f.egressMode()) ? "ok" : "warn", "egress " + f.egressMode(), "egress");
    badge(h, f.evidence.verified() ? "ok" : "warn", f.evidence.verified() ? "signature verified" : "not verified — use plumbline verify", "verified");
    h.append("</div>\n");
    h.append("<div class=\"meta\">");
    String cwd = f.record.invocation() == null ? null : f.record.invocation().cwd();
    if (cwd != null) {
      h.append("in <code>").append(html(cwd)).append("</code> · ");
    }
    h.append(f.start == null ? "start unknown" : html(f.start.toString())).append(" · ").append(html(Text.duration(f.duration())));
    h.append("</div>\n</header>\n");

    h.append("<section class=\"cards\" id=\"summary\">\n");
    card(h, "processes", f.processes.size(), "Processes", null);
    card(h, "tools", f.tools.size(), "Tools", null);
    card(h, "destinations", f.destinations.size(), "Destinations", null);
    card(h, "blocked", f.blocked.size(), "Blocked", f.blocked.isEmpty() ? null : "bad");
    card(h, "sourcewrites", f.sourceWrites.size(), "Source writes", f.sourceWrites.isEmpty() ? null : "bad");
    h.append("</section>\n");

    if (!f.warnings.isEmpty()) {
      h.append("<section id=\"warnings\"><h2>Warnings</h2><ul class=\"warnings\">\n");
      for (String w : f.warnings) {
        h.append("<li class=\"warning\">").append(html(w)).append("</li>\n");
      }
      h.append("</ul></section>\n");
    }
  }

  private static void badge(StringBuilder h, String kind, String text, String id) {
    h.append("<span class=\"badge ").append(kind).append("\" id=\"badge-").append(id).append("\">").append(html(text)).append("</span>");
  }

  private static void card(StringBuilder h, String id, int n, String label, String kind) {
    h.append("<div class=\"card").append(kind == null ? "" : " " + kind).append("\" id=\"card-").append(id).append("\"><div class=\"n\">")
        .append(n).append("</div><div class=\"l\">").append(label).append("</div></div>\n");
  }

  private static void tree(StringBuilder h, BuildFacts f, ProcessTree tree) {
    int total = tree.depthFirst.size();
    h.append("<section id=\"tree\"><h2>Process tree <span class=\"count\">").append(total).append("</span>");
    h.append("<span class=\"tools\"><button type=\"button\" id=\"expand-all\">expand all</button>")
        .append("<button type=\"button\" id=\"collapse-all\">collapse all</button></span></h2>\n");
    if (total == 0) {
      h.append("<p class=\"empty\">No processes recorded.</p></section>\n");
      return;
    }
    int[] shown = {0};
    h.append("<ul class=\"tree\">\n");
    for (ProcessTree.Node n : tree.roots) {
      node(h, n, total, shown);
    }
    h.append("</ul>\n");
    if (shown[0] < total) {
      h.append("<p class=\"note\">Showing ").append(shown[0]).append(" of ").append(total).append(" processes; the record has them all.</p>\n");
    }
    h.append("</section>\n");
  }

  private static void node(StringBuilder h, ProcessTree.Node n, int total, int[] shown) {
    if (shown[0] >= MAX_PROCESSES) {
      return;
    }
    shown[0]++;
    ProcessInfo p = n.process();
    boolean open = total <= 200 || n.depth() < 2;
    h.append("<li class=\"proc\" id=\"proc-").append(p.pid()).append("\" data-pid=\"").append(p.pid()).append("\">");
    if (!n.children().isEmpty()) {
      h.append("<details").append(open ? " open" : "").append("><summary>");
    } else {
      h.append("<div class=\"leaf\">");
    }
    h.append("<span class=\"pname\">").append(html(n.label())).append("</span>");
    h.append("<span class=\"pid\">pid ").append(p.pid()).append("</span>");
    if (p.signal() != null) {
      h.append("<span class=\"exit bad\">signal ").append(p.signal()).append("</span>");
    } else if (p.exitCode() != null) {
      h.append("<span class=\"exit ").append(p.exitCode() == 0 ? "ok" : "bad").append("\">exit ").append(p.exitCode()).append("</span>");
    }
    if (p.outlivedBuild()) {
      h.append("<span class=\"exit warn\">outlived build</span>");
    }
    List<Exec> execs = p.execs() == null ? List.of() : p.execs();
    if (!execs.isEmpty()) {
      Exec last = execs.get(execs.size() - 1);
      h.append("<code class=\"argv\" title=\"").append(html(execTitle(execs))).append("\">").append(html(Text.argv(last.argv(), 160))).append("</code>");
    }
    if (!n.children().isEmpty()) {
      h.append("</summary>\n<ul>\n");
      for (ProcessTree.Node c : n.children()) {
        node(h, c, total, shown);
      }
      h.append("</ul></details>");
    } else {
      h.append("</div>");
    }
    h.append("</li>\n");
  }

  private static String execTitle(List<Exec> execs) {
    StringBuilder t = new StringBuilder();
    for (Exec e : execs) {
      if (t.length() > 0) {
        t.append('\n');
      }
      t.append(e.path()).append("  sha256:").append(e.sha256() == null ? "none" : Text.shortSha(e.sha256()) + "…");
      if (e.script() != null) {
        t.append("\n  script ").append(e.script().path());
      }
    }
    return t.toString();
  }

  private static void timeline(StringBuilder h) {
    h.append("<section id=\"timeline-section\"><h2>Timeline</h2>\n");
    h.append("<p class=\"hint\">One bar per process, from start to exit; ticks mark execs. Click a bar to find it in the tree.</p>\n");
    h.append("<div id=\"timeline\" class=\"timeline\"><noscript>The timeline needs JavaScript.</noscript></div>\n</section>\n");
  }

  private static void network(StringBuilder h, BuildFacts f) {
    h.append("<section id=\"network\"><h2>Network destinations <span class=\"count\">").append(f.destinations.size()).append("</span></h2>\n");
    if (f.destinations.isEmpty()) {
      h.append("<p class=\"empty\">No network use recorded.</p></section>\n");
      return;
    }
    h.append("<table class=\"dests\"><thead><tr><th>Destination</th><th>Address</th><th>Protocol</th><th>Decision</th><th>Processes</th><th class=\"num\">Calls</th></tr></thead><tbody>\n");
    int n = 0;
    for (Destination d : f.destinations) {
      if (n++ == MAX_ROWS) {
        break;
      }
      String decision = d.decision() == null ? "unknown" : d.decision().label();
      h.append("<tr class=\"dest ").append(html(decision)).append("\"><td class=\"dname\">").append(html(BuildFacts.name(d))).append("</td><td><code>")
          .append(html(BuildFacts.address(d))).append("</code></td><td>").append(html(d.protocol())).append("</td><td><span class=\"decision ")
          .append(html(decision)).append("\">").append(html(decision)).append("</span>")
          .append(BuildFacts.wouldBlock(d) ? " <span class=\"decision blocked\">would be blocked</span>" : "").append("</td><td>")
          .append(html(MarkdownReport.processes(d.processes()))).append("</td><td class=\"num\">").append(d.count()).append("</td></tr>\n");
    }
    h.append("</tbody></table>\n");
    if (f.destinations.size() > MAX_ROWS) {
      h.append("<p class=\"note\">Showing ").append(MAX_ROWS).append(" of ").append(f.destinations.size()).append(".</p>\n");
    }
    if (!f.dns.isEmpty()) {
      h.append("<details class=\"dns\"><summary>DNS queries (").append(f.dns.size()).append(")</summary><table><thead><tr><th>Name</th><th>Type</th><th>Answers</th><th>Decision</th><th class=\"num\">Count</th></tr></thead><tbody>\n");
      f.dns.stream().limit(MAX_ROWS).forEach(q -> h.append("<tr class=\"dnsq\"><td>").append(html(q.name())).append("</td><td>").append(html(q.type()))
          .append("</td><td><code>").append(html(String.join(", ", q.answers() == null ? List.of() : q.answers()))).append("</code></td><td><span class=\"decision ")
          .append(html(label(q.decision()))).append("\">").append(html(label(q.decision()))).append("</span></td><td class=\"num\">").append(q.count()).append("</td></tr>\n"));
      h.append("</tbody></table></details>\n");
    }
    h.append("</section>\n");
  }

  private static void tools(StringBuilder h, BuildFacts f) {
    h.append("<section id=\"tools\"><h2>Tools <span class=\"count\">").append(f.tools.size()).append("</span></h2>\n");
    if (f.tools.isEmpty()) {
      h.append("<p class=\"empty\">No tools recorded.</p></section>\n");
      return;
    }
    h.append("<table class=\"toolt\"><thead><tr><th>Tool</th><th>sha256</th><th class=\"num\">Runs</th></tr></thead><tbody>\n");
    f.tools.stream().limit(MAX_ROWS).forEach((Tool t) -> h.append("<tr class=\"tool\"><td><code>").append(html(t.path())).append("</code></td><td><code class=\"sha\" title=\"")
        .append(html(t.sha256())).append("\">").append(t.sha256() == null ? "none" : html(Text.shortSha(t.sha256())) + "…").append("</code></td><td class=\"num\">")
        .append(t.count()).append("</td></tr>\n"));
    h.append("</tbody></table></section>\n");
  }

  private static void packages(StringBuilder h, BuildFacts f) {
    if (f.packageCounts() == null) {
      return;
    }
    h.append("<section id=\"packages\"><h2>Packages <span class=\"count\">").append(html(f.packageCounts())).append("</span></h2>\n");
    if (f.usedPackages.isEmpty()) {
      h.append("<p class=\"empty\">No file the build ran belongs to an OS package.</p>\n");
    } else {
      h.append("<table><thead><tr><th>Package</th><th>Version</th><th>Arch</th><th>Files that ran</th></tr></thead><tbody>\n");
      f.usedPackages.stream().limit(MAX_ROWS).forEach(u -> h.append("<tr class=\"package\" title=\"").append(html(u.purl())).append("\"><td>")
          .append(html(u.name())).append("</td><td>").append(html(u.version())).append("</td><td>").append(html(u.arch() == null ? "" : u.arch()))
          .append("</td><td><code>").append(html(f.ranFiles(u))).append("</code></td></tr>\n"));
      h.append("</tbody></table>\n");
    }
    if (!f.unownedFiles.isEmpty()) {
      h.append("<details class=\"unowned\"><summary>").append(f.unownedFiles.size()).append(" files that ran belong to no package</summary><ul>");
      f.unownedFiles.stream().limit(MAX_ROWS).forEach(x -> h.append("<li><code>").append(html(x.path())).append("</code></li>"));
      h.append("</ul></details>\n");
    }
    if (!f.unusedPackages.isEmpty()) {
      h.append("<details class=\"unused\"><summary>").append(f.unusedPackages.size()).append(" installed packages the build did not use</summary><p>")
          .append(html(String.join(" ", f.unusedPackages))).append("</p></details>\n");
    }
    h.append("</section>\n");
  }

  private static void files(StringBuilder h, BuildFacts f) {
    h.append("<section id=\"files\"><h2>Source writes <span class=\"count\">").append(f.sourceWrites.size()).append("</span></h2>\n");
    if (f.sourceWrites.isEmpty()) {
      h.append("<p class=\"empty\">No git-tracked file was changed");
      h.append(f.otherWrites.isEmpty() ? "." : " (" + f.otherWrites.size() + " untracked files were written).").append("</p></section>\n");
      return;
    }
    h.append("<table><thead><tr><th>File</th><th>Operations</th><th>Processes</th></tr></thead><tbody>\n");
    f.sourceWrites.stream().limit(MAX_ROWS).forEach((FileWrite w) -> h.append("<tr class=\"srcwrite\"><td><code>").append(html(w.path())).append("</code></td><td>")
        .append(html(String.join(", ", w.operations() == null ? List.of() : w.operations()))).append("</td><td>")
        .append(html(MarkdownReport.processes(w.processes()))).append("</td></tr>\n"));
    h.append("</tbody></table></section>\n");
  }

  private static String footer(BuildFacts f) {
    var a = f.record.agent();
    return "Recorded by " + (a == null ? "plumbline" : a.name() + " " + a.version() + " (" + a.monitor() + ")")
        + " · " + (f.evidence.verified() ? "verified" : "read without verification from " + f.evidence.source());
  }

  /** The timeline's data: times in ms from the build's start, processes in tree order. */
  static String data(BuildFacts f, ProcessTree tree) {
    Instant origin = f.start;
    for (ProcessTree.Node n : tree.depthFirst) {
      Instant s = BuildRecord.time(n.process().startedAt());
      if (s != null && (origin == null || s.isBefore(origin))) {
        origin = s;
      }
    }
    ObjectNode root = JSON.createObjectNode();
    Long end = ms(origin, f.end);
    root.put("end", end == null ? 0 : end);
    ArrayNode procs = root.putArray("procs");
    int shown = 0;
    for (ProcessTree.Node n : tree.depthFirst) {
      if (shown++ >= MAX_PROCESSES) {
        break;
      }
      ProcessInfo p = n.process();
      ObjectNode o = procs.addObject();
      o.put("pid", p.pid());
      o.put("label", Printable.inline(n.label())); // the timeline shows it as text: controls and bidi visible
      o.put("depth", n.depth());
      Long s = ms(origin, BuildRecord.time(p.startedAt()));
      Long e = ms(origin, BuildRecord.time(p.endedAt()));
      if (s != null) {
        o.put("start", s);
      }
      if (e != null) {
        o.put("end", e);
      }
      o.put("ok", p.signal() == null && (p.exitCode() == null || p.exitCode() == 0));
      ArrayNode execs = o.putArray("execs");
      for (Exec x : p.execs() == null ? List.<Exec>of() : p.execs()) {
        Long at = ms(origin, BuildRecord.time(x.at()));
        if (at != null) {
          execs.addObject().put("at", at).put("name", Printable.inline(ProcessTree.base(x.path())));
        }
      }
    }
    try {
      // "<" is escaped so no value can close the script element
      return JSON.writeValueAsString(root).replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026");
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  private static Long ms(Instant origin, Instant t) {
    return origin == null || t == null ? null : java.time.Duration.between(origin, t).toMillis();
  }

  private static String resource(String name) {
    try (InputStream in = HtmlReport.class.getResourceAsStream(name)) {
      if (in == null) {
        throw new IllegalStateException("missing resource " + name);
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String label(EgressDecision d) {
    return d == null ? "" : d.label();
  }
}
