package dev.plumbline.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.plumbline.policy.Evidence;
import dev.plumbline.policy.TestRecords;
import dev.plumbline.record.BuildRecord;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Opens the HTML report in a real browser (Debian's chromium, headless) inside a network namespace
 * of its own with no interfaces up: the page must render completely with no network at all, and
 * chromium itself cannot reach anything. The scripts must have run: the DOM after rendering holds
 * the timeline bars they draw, and the screenshot shows them.
 */
@Tag("needs-chromium")
@Tag("needs-root")
@Tag("needs-network-namespace")
class ChromiumRenderTest {
  static final int WIDTH = 1280;
  static final int HEIGHT = 2000;
  @TempDir static Path dir;
  static BuildRecord record;
  static Path page;

  @BeforeAll
  static void writePage() throws IOException {
    TestRecords.Builder b = TestRecords.buildB();
    b.connect("pastebin.com", "198.51.100.7", 443, "tcp", "blocked", "105 curl");
    b.write("src/main.c", true, "104 sh", "truncate", "write");
    record = b.build();
    page = dir.resolve("report.html");
    Files.writeString(page, HtmlReport.render(Evidence.ofRecord(record, "build-b.json")));
  }

  static String chromium() {
    for (String p : List.of("/usr/bin/chromium", "/usr/bin/chromium-browser")) {
      if (Files.isExecutable(Path.of(p))) {
        return p;
      }
    }
    fail("chromium is not installed: .ci/run installs it (apt-get install chromium)");
    return null;
  }

  /** Runs chromium on the page with extra arguments; returns its stdout. */
  static String run(String... extra) throws Exception {
    List<String> cmd = new ArrayList<>(List.of("unshare", "--net", chromium(), "--headless", "--no-sandbox", "--disable-gpu",
        "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
        "--hide-scrollbars", "--user-data-dir=" + Files.createTempDirectory(dir, "profile")));
    cmd.addAll(List.of(extra));
    cmd.add(page.toUri().toString());
    Path out = Files.createTempFile(dir, "out", ".txt");
    Path err = Files.createTempFile(dir, "err", ".txt");
    Process p = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
    // a guard against a hung browser, not a timing assertion
    if (!p.waitFor(180, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      fail("chromium did not finish: " + Files.readString(err));
    }
    assertEquals(0, p.exitValue(), () -> "chromium failed: " + read(err));
    return Files.readString(out, StandardCharsets.UTF_8);
  }

  static String read(Path p) {
    try {
      return Files.readString(p);
    } catch (IOException e) {
      return e.toString();
    }
  }

  static int count(String s, String needle) {
    return HtmlReportTest.count(s, needle);
  }

  @Test
  void domAfterScriptsHasTreeDestinationsAndTimeline() throws Exception {
    String dom = run("--dump-dom");
    assertTrue(dom.contains("data-rendered=\"true\""), "the report script ran to its end");
    assertTrue(dom.contains("id=\"timeline-svg\""), "the timeline SVG was drawn");
    assertEquals(record.processes().size(), count(dom, "class=\"tl-bar"), "one timeline bar per process");
    assertEquals(record.processes().size(), count(dom, "<li class=\"proc"), "one tree node per process");
    assertEquals(record.network().size(), count(dom, "<tr class=\"dest "), "one row per destination");
    assertTrue(dom.contains("id=\"bar-105\""), "curl has its bar");
    assertTrue(dom.contains("<span class=\"decision blocked\">blocked</span>"), "the blocked attempt is shown as blocked");
    assertTrue(dom.contains("class=\"tl-exec\""), "exec ticks were drawn");
  }

  @Test
  void screenshotShowsTheTimelineBars() throws Exception {
    Path shot = dir.resolve("report.png");
    run("--screenshot=" + shot, "--window-size=" + WIDTH + "," + HEIGHT);
    BufferedImage img = ImageIO.read(shot.toFile());
    assertEquals(WIDTH, img.getWidth());
    assertEquals(HEIGHT, img.getHeight());
    int bar = 0;
    int blockedCard = 0;
    for (int y = 0; y < img.getHeight(); y++) {
      for (int x = 0; x < img.getWidth(); x++) {
        int rgb = img.getRGB(x, y) & 0xffffff;
        if (rgb == 0x54aeff) {
          bar++; // .tl-bar fill
        } else if (rgb == 0xffebe9) {
          blockedCard++; // the red "Blocked"/"Source writes" cards and badges
        }
      }
    }
    assertTrue(bar > 2000, "timeline bars are visible (" + bar + " px)");
    assertTrue(blockedCard > 10000, "the alarm cards are visible (" + blockedCard + " px)");
  }
}
