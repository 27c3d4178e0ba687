package dev.plumbline.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.plumbline.policy.Evidence;
import dev.plumbline.policy.EvidenceFiles;
import dev.plumbline.policy.TestFiles;
import dev.plumbline.policy.TestRecords;
import dev.plumbline.record.BuildRecord;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MarkdownReportTest {
  @TempDir Path dir;

  static String render(BuildRecord r) {
    return MarkdownReport.render(new Evidence(r, null, null, null, "build.json", true));
  }

  /** The cells of a markdown table row: split on pipes that are not backslash-escaped. */
  static List<String> cells(String row) {
    String inner = row.strip();
    inner = inner.substring(1, inner.length() - 1);
    return List.of(inner.split("(?<!\\\\)\\|", -1));
  }

  static String rowContaining(String md, String needle) {
    return md.lines().filter(l -> l.startsWith("|") && l.contains(needle)).findFirst().orElseThrow(() -> new AssertionError("no row with " + needle + " in\n" + md));
  }

  @Test
  void tablesOfToolsDestinationsAndCounts() {
    String md = render(TestRecords.buildB().build());
    assertTrue(md.startsWith("## Plumbline build report\n"), md);
    assertTrue(md.contains("### Tools (5)"), md);
    List<String> curl = cells(rowContaining(md, "/usr/bin/curl"));
    assertEquals(3, curl.size(), curl.toString());
    assertEquals("`" + TestRecords.CURL + "`", curl.get(1).strip());
    assertTrue(md.contains("### Network destinations (4)"), md);
    List<String> evil = cells(rowContaining(md, "evil.example.net"));
    assertEquals(6, evil.size());
    assertEquals("203.0.113.9:443", evil.get(1).strip());
    assertTrue(md.contains("### Blocked attempts (0)\n\nNone."), md);
    assertTrue(md.contains("trace complete ✅"), md);
    assertTrue(md.contains("Egress ran in audit mode: 2 external destinations were reached"), md);
  }

  @Test
  void aServiceOnTheUnspecifiedAddressIsNotExternal() {
    TestRecords.Builder b = TestRecords.buildB();
    b.connect(null, "0.0.0.0", 8080, "tcp", "audited", "104 sh");
    b.connect(null, "::", 8080, "tcp", "audited", "104 sh");
    String md = render(b.build());
    assertTrue(md.contains("Egress ran in audit mode: 2 external destinations were reached"), md);
  }

  @Test
  void warningsForIncompleteTracesBlockedAttemptsAndSourceWrites() {
    TestRecords.Builder b = TestRecords.buildA();
    b.egressMode = "block";
    b.completeness = new BuildRecord.Completeness(false, List.of("pid 9 used io_uring"));
    b.connect("pastebin.com", "198.51.100.7", 443, "tcp", "blocked", "104 sh");
    b.write("src/main.c", true, "104 sh", "truncate");
    String md = render(b.build());
    assertTrue(md.contains("- ⚠️ Trace INCOMPLETE: pid 9 used io\\_uring"), md);
    assertTrue(md.contains("- ⚠️ 1 connection attempt was blocked"), md);
    assertTrue(md.contains("- ⚠️ 1 git-tracked source file was changed"), md);
    assertTrue(md.contains("### Blocked attempts (1)"), md);
    String blockedSection = md.substring(md.indexOf("### Blocked attempts (1)"));
    assertEquals(5, cells(rowContaining(blockedSection, "pastebin.com | 198")).size());
    assertTrue(md.contains("### Source writes (1 tracked)"), md);
    assertTrue(rowContaining(md, "src/main.c").contains("truncate"));
    assertTrue(md.contains("trace **INCOMPLETE** ❌"), md);
  }

  @Test
  void valuesCannotBreakTablesOrInjectMarkup() {
    TestRecords.Builder b = TestRecords.buildA();
    b.tool("/tmp/a|b`c`<img src=x>", TestRecords.CURL, 300, 100, "2026-11-20T10:00:03Z", "2026-11-20T10:00:03Z", "x");
    b.connect("x|y.example", "192.0.2.1", 80, "tcp", "audited", "300 a|b\nc");
    String md = render(b.build());
    List<String> tool = cells(rowContaining(md, "/tmp/a"));
    assertEquals(3, tool.size(), tool.toString());
    assertEquals("/tmp/a\\|b\\`c\\`&lt;img src=x&gt;", tool.get(0).strip());
    List<String> dest = cells(rowContaining(md, "x\\|y.example"));
    assertEquals(6, dest.size(), dest.toString());
    assertEquals("300 a\\|b\\\\nc", dest.get(4).strip(), "a line break is shown, escaped, not a new row");
    assertFalse(md.contains("<img"), md);
  }

  /** Issue 11 item 11: an unverified record's sha256 field is the build's text like any other. */
  @Test
  void aMalformedDigestIsEscapedAndFlagged() {
    TestRecords.Builder b = TestRecords.buildA();
    b.tool("/usr/bin/evil", "x` | <img src=x> |\n::error::y", 300, 100, "2026-11-20T10:00:03Z", "2026-11-20T10:00:03Z", "x");
    b.tool("/usr/bin/good", TestRecords.CURL, 301, 100, "2026-11-20T10:00:03Z", "2026-11-20T10:00:03Z", "y");
    String md = render(b.build());
    List<String> tool = cells(rowContaining(md, "/usr/bin/evil"));
    assertEquals(3, tool.size(), tool.toString());
    assertTrue(tool.get(1).strip().startsWith("⚠️ malformed: x\\` \\| &lt;img"), tool.get(1));
    assertFalse(md.contains("<img"), md);
    assertEquals("`" + TestRecords.CURL + "`", cells(rowContaining(md, "/usr/bin/good")).get(1).strip(),
        "a well-formed digest is still shown as code");
  }

  /** Bidirectional overrides and terminal controls are shown as escapes, in tables and in the HTML. */
  @Test
  void bidiAndControlsAreVisible() {
    TestRecords.Builder b = TestRecords.buildA();
    b.tool("/tmp/gnp.\u202etxt\u001b[2K", TestRecords.CURL, 300, 100, "2026-11-20T10:00:03Z", "2026-11-20T10:00:03Z", "x");
    String md = render(b.build());
    assertFalse(md.contains("\u202e") || md.contains("\u001b"), md);
    assertTrue(md.contains("/tmp/gnp.\\\\u202etxt\\\\x1b\\[2K"), md);
    String html = HtmlReport.render(Evidence.ofRecord(b.build(), "r.json"));
    assertFalse(html.contains("\u202e") || html.contains("\u001b"), "no raw bidi or ESC in the HTML");
    assertTrue(html.contains("/tmp/gnp.\\u202etxt\\x1b[2K"), "shown escaped");
  }

  @Test
  void bundlesAreMarkedNotVerified() throws Exception {
    Path bundle = TestFiles.bundle(dir, "b.sigstore.json", TestRecords.buildA().build(), "octo/hello");
    String md = MarkdownReport.render(EvidenceFiles.readBundleUnverified(bundle));
    assertTrue(md.contains("**not verified — use `plumbline verify`**"), md);
    assertTrue(md.contains("### Tools (4)"), md);
  }

  @Test
  void longTablesAreCapped() {
    TestRecords.Builder b = TestRecords.buildA();
    for (int i = 0; i < 250; i++) {
      b.connect("h" + i + ".example", "192.0.2." + (i % 250), 443, "tcp", "audited", "104 sh");
    }
    String md = render(b.build());
    assertTrue(md.contains("| … and 53 more (see the full record) |"), md);
  }
}
