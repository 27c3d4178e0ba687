package dev.plumbline.packages;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class PurlTest {
  private static final Distro DEBIAN_12 = new Distro("debian", "12", "bookworm");

  @Test
  void debPurlAsTheIssueWritesIt() {
    assertEquals(
        "pkg:deb/debian/liblzma5@5.4.1-0.2?arch=amd64&distro=debian-12",
        Purl.ofOsPackage("deb", DEBIAN_12, "liblzma5", "5.4.1-0.2", "amd64", null).toString());
  }

  @Test
  void specExamplesEncodeThePlusAndKeepTheEpochColon() {
    // purl-spec types/deb-definition.json examples
    assertEquals(
        "pkg:deb/debian/attr@1:2.4.47-2%2Bb1?arch=amd64",
        Purl.ofOsPackage("deb", new Distro("debian", null, null), "attr", "1:2.4.47-2+b1", "amd64", null).toString());
    // purl-spec rpm: version-release as version, epoch as a qualifier, qualifiers sorted by key
    assertEquals(
        "pkg:rpm/fedora/curl@7.50.3-1.fc25?arch=i386&distro=fedora-25&epoch=1",
        Purl.ofOsPackage("rpm", new Distro("fedora", "25", null), "curl", "7.50.3-1.fc25", "i386", "1").toString());
    assertEquals(
        "pkg:apk/alpine/curl@7.83.0-r0?arch=x86",
        Purl.ofOsPackage("apk", null, "curl", "7.83.0-r0", "x86", null).toString());
  }

  @Test
  void namesAreLowerCasedForDebAndApkButNotRpm() {
    assertEquals("pkg:deb/ubuntu/libfoo@1?arch=all", Purl.ofOsPackage("deb", new Distro("Ubuntu", null, null), "LibFoo", "1", "all", null).toString());
    assertEquals("pkg:rpm/Foo@1-1?arch=noarch", Purl.ofOsPackage("rpm", null, "Foo", "1-1", "noarch", null).toString());
  }

  @Test
  void distroFallsBackToTheCodename() {
    assertEquals("debian-trixie", new Distro("debian", null, "trixie").qualifier());
    assertEquals(null, new Distro(null, "12", null).qualifier());
  }

  @Test
  void parsesWhatItWrites() {
    for (String s :
        new String[] {
          "pkg:deb/debian/liblzma5@5.4.1-0.2?arch=amd64&distro=debian-12",
          "pkg:deb/debian/attr@1:2.4.47-2%2Bb1?arch=amd64",
          "pkg:rpm/fedora/curl@7.50.3-1.fc25?arch=i386&distro=fedora-25&epoch=1",
          "pkg:apk/alpine/curl",
          "pkg:generic/na%20me@1%2F2"
        }) {
      Purl p = Purl.parse(s);
      assertEquals(s, p.toString());
    }
    Purl p = Purl.parse("pkg:deb/debian/attr@1:2.4.47-2%2Bb1?arch=amd64");
    assertEquals("1:2.4.47-2+b1", p.version());
    assertEquals("debian", p.namespace());
    assertEquals(new TreeMap<>(Map.of("arch", "amd64")), p.qualifiers());
  }

  @Test
  void refusesWhatIsNotAPurl() {
    assertThrows(IllegalArgumentException.class, () -> Purl.parse("deb/debian/x"));
    assertThrows(IllegalArgumentException.class, () -> Purl.parse("pkg:deb"));
    assertThrows(IllegalArgumentException.class, () -> Purl.parse("pkg:deb/debian/x@1%zz"));
    assertThrows(IllegalArgumentException.class, () -> Purl.parse("pkg:deb/debian/x?arch"));
  }
}
