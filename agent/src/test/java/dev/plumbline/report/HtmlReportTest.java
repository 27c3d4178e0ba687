package dev.plumbline.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.plumbline.policy.Evidence;
import dev.plumbline.policy.TestRecords;
import dev.plumbline.record.BuildRecord;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class HtmlReportTest {
  static final Pattern TAG = Pattern.compile("<([a-zA-Z][a-zA-Z0-9-]*)([^>]*)>");
  static final Pattern ATTR = Pattern.compile("([a-zA-Z:-]+)\\s*=\\s*(\"[^\"]*\"|'[^']*'|[^\\s>]+)");
  static final java.util.Set<String> LOADING_ATTRS =
      java.util.Set.of("src", "href", "action", "srcset", "poster", "data", "xlink:href", "formaction", "background", "manifest", "ping");
  /** Script and style constructs that load from elsewhere. */
  static final Pattern REMOTE_CODE = Pattern.compile("(?i)url\\(\\s*[\"']?\\s*(https?:)?//|@import|\\bfetch\\(|XMLHttpRequest|\\.src\\s*=|\\.href\\s*=|import\\(");

  /** Every real tag's attributes (escaped text is not a tag), and the code in script/style elements. */
  static List<String> remoteLoads(String html) {
    List<String> found = new java.util.ArrayList<>();
    Matcher t = TAG.matcher(html);
    while (t.find()) {
      String tag = t.group(1).toLowerCase(java.util.Locale.ROOT);
      if (List.of("link", "iframe", "object", "embed", "base", "img", "audio", "video", "source", "frame").contains(tag)) {
        found.add("element <" + tag + ">");
      }
      Matcher a = ATTR.matcher(t.group(2));
      while (a.find()) {
        String name = a.group(1).toLowerCase(java.util.Locale.ROOT);
        String value = a.group(2).replaceAll("^[\"']|[\"']$", "").strip().toLowerCase(java.util.Locale.ROOT);
        if (LOADING_ATTRS.contains(name) && !value.startsWith("#") && !value.startsWith("data:")) {
          found.add(tag + " " + name + "=" + value);
        }
      }
    }
    Matcher code = Pattern.compile("(?s)<(script|style)[^>]*>(.*?)</\\1>").matcher(html);
    while (code.find()) {
      Matcher r = REMOTE_CODE.matcher(code.group(2));
      if (r.find()) {
        found.add(code.group(1) + ": " + r.group());
      }
    }
    return found;
  }

  static BuildRecord hostile() {
    TestRecords.Builder b = TestRecords.buildB();
    b.tool("/tmp/\"><img src=https://evil.example/x.png>", TestRecords.CURL, 300, 100, "2026-11-20T10:00:03Z", "2026-11-20T10:00:03.1Z",
        "x", "</script><script src=http://evil.example/a.js></script>");
    b.connect("evil.example\"><link href=https://evil.example/s.css>", "192.0.2.1", 80, "tcp", "blocked", "300 x");
    b.write("src/<b>.c", true, "300 x", "write");
    return b.build();
  }

  @Test
  void selfContainedEvenWithHostileValues() {
    String html = HtmlReport.render(new Evidence(hostile(), null, null, null, "b.json", false));
    assertEquals(List.of(), remoteLoads(html));
    // the checker itself finds what it is meant to find
    assertEquals(List.of("element <img>", "img src=https://x/y.png"), remoteLoads("<p><img src=\"https://x/y.png\"></p>"));
    assertEquals(List.of("a href=//x.example/"), remoteLoads("<a href=//x.example/>x</a>"));
    assertEquals(List.of("style: url(https://"), remoteLoads("<style>b{background:url(https://x/y)}</style>"));
    assertEquals(List.of(), remoteLoads("<p>&lt;img src=https://x/y.png&gt;</p>"));
    assertTrue(html.contains("Content-Security-Policy\" content=\"default-src 'none';"), "a CSP forbids any fetch");
    assertFalse(html.contains("<img"), "the hostile <img> is escaped");
    assertTrue(html.contains("&lt;img src=https://evil.example/x.png&gt;"), "and still shown");
    // exactly one closing script tag per script element: no value closed one early
    assertEquals(2, count(html, "</script>"));
  }

  @Test
  void keyElementsArePresent() {
    BuildRecord r = TestRecords.buildB().build();
    String html = HtmlReport.render(new Evidence(r, null, null, null, "b.json", true));
    assertEquals(r.processes().size(), count(html, "<li class=\"proc\""));
    assertEquals(r.network().size(), count(html, "<tr class=\"dest "));
    assertEquals(r.tools().size(), count(html, "<tr class=\"tool\""));
    assertTrue(html.contains("id=\"timeline\""));
    assertTrue(html.contains("id=\"badge-verified\">signature verified<"), html);
    // the tree nests by ppid: curl (105) is inside sh (104), which is inside make (100)
    int make = html.indexOf("id=\"proc-100\"");
    int sh = html.indexOf("id=\"proc-104\"");
    int curl = html.indexOf("id=\"proc-105\"");
    assertTrue(make < sh && sh < curl, "depth-first order");
    String shNode = html.substring(sh, html.indexOf("</li>\n</ul></details></li>", sh));
    assertTrue(shNode.contains("id=\"proc-105\""), "curl is nested under sh");
  }

  @Test
  void timelineDataIsRelativeToTheBuildStart() {
    BuildRecord r = TestRecords.buildA().build();
    BuildFacts f = new BuildFacts(new Evidence(r, null, null, null, "a", true));
    String data = HtmlReport.data(f, new ProcessTree(r));
    assertTrue(data.startsWith("{\"end\":4000,\"procs\":[{\"pid\":100,\"label\":\"make\",\"depth\":0,\"start\":0,\"end\":4000"), data);
    assertTrue(data.contains("{\"pid\":102,\"label\":\"x86_64-linux-gnu-gcc-12\",\"depth\":1,\"start\":1500,\"end\":2500"), data);
  }

  @Test
  void processTreeSurvivesOrphansAndPidCycles() {
    List<BuildRecord.ProcessInfo> ps = List.of(
        new BuildRecord.ProcessInfo(5, 6, null, null, 0, null, false, List.of()),
        new BuildRecord.ProcessInfo(6, 5, null, null, 0, null, false, List.of()),
        new BuildRecord.ProcessInfo(7, 999, null, null, null, 9, true, List.of()));
    BuildRecord r = new BuildRecord(null, null, null, null, null, ps, null, null, null, null, null, null, null, null);
    ProcessTree t = new ProcessTree(r);
    assertEquals(3, t.depthFirst.size(), "no process is lost");
    String html = HtmlReport.render(Evidence.ofRecord(r, "x"));
    assertEquals(3, count(html, "<li class=\"proc\""));
    assertTrue(html.contains("signal 9"));
  }

  static int count(String s, String needle) {
    int n = 0;
    for (int i = s.indexOf(needle); i >= 0; i = s.indexOf(needle, i + 1)) {
      n++;
    }
    return n;
  }
}
