package dev.plumbline.packages;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class VersionsTest {
  private static final List<String> DEB_PAIRS =
      List.of(
          "1.0~rc1 1.0", "1.0 1.0-1", "1.0-1 1.0-1+b1", "5.4.1-0.2 5.4.1-1", "5.6.0-0.1 5.6.1+really5.4.5-1",
          "1:0.9 2:0.1", "2.36-9 2.36-9+deb12u1", "1.2a 1.2b", "1.9 1.10", "0:1.0 1.0.0", "7.88.1-10 7.88.1-10+deb12u5",
          "1.0~~ 1.0~", "1.0~ 1.0", "1.0 1.0a", "1.0a 1.0+", "3.0 3.0.0");

  /** Ordering of each pair agrees with dpkg --compare-versions on this machine. */
  @Test
  void debOrderEqualsDpkgCompareVersions() throws Exception {
    if (!Files.isExecutable(Path.of("/usr/bin/dpkg"))) {
      fail("needs dpkg (/usr/bin/dpkg) as the ground truth for Debian version order");
    }
    for (String pair : DEB_PAIRS) {
      String[] v = pair.split(" ");
      for (String op : new String[] {"lt", "eq", "gt"}) {
        int rc = new ProcessBuilder("dpkg", "--compare-versions", v[0], op, v[1]).start().waitFor();
        int ours = Integer.signum(Versions.compare("dpkg", v[0], v[1]));
        boolean expected = switch (op) {
          case "lt" -> ours < 0;
          case "eq" -> ours == 0;
          default -> ours > 0;
        };
        assertEquals(rc == 0, expected, v[0] + " " + op + " " + v[1]);
      }
    }
  }

  @Test
  void rpmOrderFromRpmvercmpsOwnTests() {
    // cases from rpm's tests/rpmvercmp.at
    String[][] cases = {
      {"1.0", "1.0", "0"}, {"1.0", "2.0", "-1"}, {"2.0.1", "2.0", "1"}, {"2.0.1a", "2.0.1", "1"},
      {"5.5p1", "5.5p10", "-1"}, {"10xyz", "10.1xyz", "-1"}, {"xyz10", "xyz10.1", "-1"}, {"1.0a", "1.0", "1"},
      {"2a", "2.0", "-1"}, {"1.0", "1.0~rc1", "1"}, {"1.0~rc1", "1.0~rc2", "-1"}, {"1.0~rc1~git123", "1.0~rc1", "-1"},
      {"1.0^", "1.0", "1"}, {"1.0^git1", "1.0^git2", "-1"}, {"1.0^git1", "1.01", "-1"}, {"1.0^20160101", "1.0.1", "-1"},
      {"1.010", "1.9", "1"}, {"1.05", "1.5", "0"}, {"b", "a", "1"}, {"a+", "a_", "0"}
    };
    for (String[] c : cases) {
      assertEquals(Integer.parseInt(c[2]), Integer.signum(Versions.compareRpm(c[0], c[1])), c[0] + " vs " + c[1]);
    }
    assertTrue(Versions.compare("rpm", "1:1.0-1", "2.0-1") > 0, "epoch first");
    assertEquals(0, Versions.compare("rpm", "5.4.4", "5.4.4-1.fc39"), "a bare version matches any release");
  }

  @Test
  void ranges() {
    Versions.Range r = Versions.Range.parse(">=5.6.0, <5.6.2");
    assertTrue(r.contains("dpkg", "5.6.0-0.1"));
    assertTrue(r.contains("dpkg", "5.6.1-1"));
    assertFalse(r.contains("dpkg", "5.4.1-0.2"));
    assertTrue(r.contains("dpkg", "5.6.1+really5.4.5-1"), "ranges compare version strings, not content");
    assertTrue(Versions.Range.parse("5.4.1-0.2").contains("dpkg", "5.4.1-0.2"));
    assertTrue(Versions.Range.parse("5.4.5-r0").contains("apk", "5.4.5-r0"));
    assertFalse(Versions.Range.parse(">=5.0").contains("apk", "5.4.5-r0"), "no apk order: ordered constraints match nothing");
    assertThrows(IllegalArgumentException.class, () -> Versions.Range.parse(">="));
  }
}
