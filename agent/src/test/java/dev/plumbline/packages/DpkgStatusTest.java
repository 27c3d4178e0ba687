package dev.plumbline.packages;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** dpkg's status file read from its bytes, line by line (only the lines that need it decoded). */
class DpkgStatusTest {

  private static List<DpkgStatus.Entry> parse(String text) {
    return DpkgStatus.parse(text.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void readsTheFiveFieldsOfEachParagraph() {
    List<DpkgStatus.Entry> entries = parse(String.join("\n",
        "Package: liblzma5",
        "Status: install ok installed",
        "Architecture: amd64",
        "Multi-Arch: same",
        "Version: 5.4.1-0.2",
        "Description: XZ-format compression library",
        " XZ is the successor to the Lempel-Ziv/Markov-chain Algorithm",
        " .",
        "",
        "package:   curl  ",
        "STATUS: deinstall ok config-files",
        "version: 7.88.1-10",
        "",
        ""));
    assertEquals(List.of(
        new DpkgStatus.Entry("liblzma5", "5.4.1-0.2", "amd64", "same", "installed"),
        new DpkgStatus.Entry("curl", "7.88.1-10", null, null, "config-files")), entries);
  }

  @Test
  void crlfLineEndsAndALastParagraphWithoutABlankLine() {
    assertEquals(List.of(
        new DpkgStatus.Entry("a", "1", "all", null, "installed"),
        new DpkgStatus.Entry("b", "2", null, null, "unpacked")),
        parse("Package: a\r\nVersion: 1\r\nArchitecture: all\r\nStatus: install ok installed\r\n\r\n"
            + "Package: b\nVersion: 2\nStatus: install ok unpacked"));
  }

  @Test
  void linesThatAreNotAsciiAreReadAsText() {
    List<DpkgStatus.Entry> entries = parse(String.join("\n",
        "Package: fonts-ü",
        "Status: install ok installed",
        "Version: 1.0~ß",
        "Description: Schrift für Überschriften",
        " mit Umlauten: äöü",
        // a continuation line of Unicode whitespace only (an em space) is blank, as it was when the
        // file was decoded whole and each line tested with Character.isWhitespace: the paragraph ends
        " \u2003",
        "Package: next",
        "Status: install ok half-installed",
        "\u2003\u3000",
        "Package: last",
        ""));
    assertEquals(List.of(
        new DpkgStatus.Entry("fonts-ü", "1.0~ß", null, null, "installed"),
        new DpkgStatus.Entry("next", null, null, null, "half-installed"),
        new DpkgStatus.Entry("last", null, null, null, "unknown")), entries);
  }

  @Test
  void whitespaceOnlyAsciiLinesEndAParagraphAndEmptyInputHasNone() {
    assertEquals(List.of(new DpkgStatus.Entry("a", null, null, null, "unknown"), new DpkgStatus.Entry("b", null, null, null, "unknown")),
        parse("Package: a\n \t \nPackage: b\n"));
    assertEquals(List.of(), parse(""));
  }
}
