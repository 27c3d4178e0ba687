package dev.plumbline.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.plumbline.policy.Evidence;
import dev.plumbline.policy.TestRecords;
import dev.plumbline.record.BuildRecord;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Both renderings show installed vs used packages, the unused list and a modified packaged file. */
class PackagesReportTest {
  private static BuildRecord withPackages() {
    BuildRecord.PackageFile xz = new BuildRecord.PackageFile("/usr/bin/xz", "ab".repeat(32), List.of("exec"), null, "md5:" + "cd".repeat(16), "mismatch");
    BuildRecord.PackageFile sh = new BuildRecord.PackageFile("/usr/bin/dash", "ef".repeat(32), List.of("exec"), "/bin/dash", "md5:" + "01".repeat(16), "match");
    return TestRecords.buildB().build().withPackages(new BuildRecord.Packages(
        List.of(new BuildRecord.PackageDatabase("dpkg", 4, List.of("adduser:all", "<b>evil</b>:amd64"), null, null)),
        List.of(
            new BuildRecord.UsedPackage("dpkg", "dash", "0.5.12-2", "amd64", "pkg:deb/debian/dash@0.5.12-2?arch=amd64", List.of(sh)),
            new BuildRecord.UsedPackage("dpkg", "xz-utils", "5.4.1-1", "amd64", "pkg:deb/debian/xz-utils@5.4.1-1?arch=amd64", List.of(xz))),
        List.of(new BuildRecord.PackageFile("/w/build.sh", "11".repeat(32), List.of("script"), null, null, null))));
  }

  private static Evidence evidence(BuildRecord r) {
    return new Evidence(r, null, null, null, "build.json", true);
  }

  @Test
  void markdownShowsCountsUsedUnusedAndTheMismatch() {
    String md = MarkdownReport.render(evidence(withPackages()));
    assertTrue(md.contains("### Packages (2 used of 4 installed)"), md);
    List<String> row = MarkdownReportTest.cells(MarkdownReportTest.rowContaining(md, "xz-utils"));
    assertEquals("5.4.1-1", row.get(1).strip());
    assertTrue(row.get(3).contains("/usr/bin/xz (mismatch)"), row.toString());
    assertTrue(md.contains("2 installed packages the build did not use"), md);
    assertTrue(md.contains("adduser:all"), md);
    assertFalse(md.contains("<b>evil</b>"), "names are escaped: " + md);
    assertTrue(md.contains("Modified packaged file: /usr/bin/xz"), md);
    assertTrue(md.contains("1 file that ran belongs to no package: /w/build.sh"), md);
  }

  @Test
  void htmlShowsTheSame() {
    String html = HtmlReport.render(evidence(withPackages()));
    assertTrue(html.contains("<section id=\"packages\"><h2>Packages <span class=\"count\">2 used of 4 installed</span>"), html);
    assertTrue(html.contains("2 installed packages the build did not use"));
    assertTrue(html.contains("&lt;b&gt;evil&lt;/b&gt;:amd64"));
    assertFalse(html.contains("<b>evil</b>"));
    assertTrue(html.contains("Modified packaged file: /usr/bin/xz"));
  }

  @Test
  void noSectionWithoutPackages() {
    assertFalse(MarkdownReport.render(evidence(TestRecords.buildB().build())).contains("### Packages"));
    assertFalse(HtmlReport.render(evidence(TestRecords.buildB().build())).contains("id=\"packages\""));
  }
}
