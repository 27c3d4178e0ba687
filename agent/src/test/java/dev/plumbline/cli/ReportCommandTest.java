package dev.plumbline.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.plumbline.policy.TestFiles;
import dev.plumbline.policy.TestRecords;
import dev.plumbline.testing.Cli;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReportCommandTest {
  @TempDir Path dir;

  @Test
  void markdownOnStdoutByDefault() throws Exception {
    Path a = TestFiles.record(dir, "a.json", TestRecords.buildA().build());
    Cli.Result r = Cli.run("report", "--record", a.toString()).assertNoStackTrace();
    assertEquals(0, r.code(), r.err());
    assertTrue(r.out().startsWith("## Plumbline build report"), r.out());
    assertTrue(r.out().contains("### Tools (4)"), r.out());
  }

  @Test
  void writesMarkdownAndHtmlFiles() throws Exception {
    Path b = TestFiles.bundle(dir, "b.sigstore.json", TestRecords.buildB().build(), "octo/hello");
    Path md = dir.resolve("summary.md");
    Path html = dir.resolve("report.html");
    Cli.Result r = Cli.run("report", "--bundle", b.toString(), "--markdown", md.toString(), "--html", html.toString()).assertNoStackTrace();
    assertEquals(0, r.code(), r.err());
    assertTrue(Files.readString(md).contains("not verified — use `plumbline verify`"));
    assertTrue(Files.readString(html).contains("id=\"badge-verified\">not verified — use plumbline verify<"));
    assertTrue(r.err().contains("read without verifying"), r.err());
  }

  @Test
  void badInputIsAOneLineUsageError() throws Exception {
    Path notJson = Files.writeString(dir.resolve("x.json"), "not json");
    Cli.Result r = Cli.run("report", "--record", notJson.toString()).assertNoStackTrace();
    assertEquals(ExitCodes.USAGE, r.code());
    assertEquals(1, r.err().lines().count(), r.err());
    assertTrue(r.err().startsWith("plumbline: " + notJson + ":1: malformed JSON"), r.err());
    Path envelopeless = Files.writeString(dir.resolve("b.json"), "{\"mediaType\":\"x\",\"dsseEnvelope\":{\"payload\":\"%%%\"}}");
    Cli.Result b = Cli.run("report", "--bundle", envelopeless.toString()).assertNoStackTrace();
    assertEquals(ExitCodes.USAGE, b.code());
    assertTrue(b.err().contains("DSSE payload is not base64"), b.err());
    assertEquals(ExitCodes.USAGE, Cli.run("report").code(), "needs --record or --bundle");
  }
}
