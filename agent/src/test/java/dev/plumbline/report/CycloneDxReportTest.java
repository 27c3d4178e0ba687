package dev.plumbline.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.plumbline.policy.Evidence;
import dev.plumbline.policy.TestRecords;
import dev.plumbline.record.BuildRecord;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.cyclonedx.Version;
import org.cyclonedx.parsers.JsonParser;
import org.junit.jupiter.api.Test;

/** The BOM validates against CycloneDX 1.6 with the library's own schema validator. */
class CycloneDxReportTest {
  static BuildRecord record() {
    BuildRecord.PackageFile xz = new BuildRecord.PackageFile("/usr/bin/xz", "ab".repeat(32), List.of("exec"), null, "md5:" + "cd".repeat(16), "match");
    BuildRecord.PackageFile lib = new BuildRecord.PackageFile("/usr/lib/x86_64-linux-gnu/liblzma.so.5.4.1", "ef".repeat(32), List.of("library"),
        "/lib/x86_64-linux-gnu/liblzma.so.5.4.1", "md5:" + "01".repeat(16), "mismatch");
    return TestRecords.buildB().build().withPackages(new BuildRecord.Packages(
        List.of(new BuildRecord.PackageDatabase("dpkg", 3, List.of("adduser:all"), null, null)),
        List.of(
            new BuildRecord.UsedPackage("dpkg", "liblzma5", "5.4.1-1", "amd64", "pkg:deb/debian/liblzma5@5.4.1-1?arch=amd64&distro=debian-12", List.of(lib)),
            new BuildRecord.UsedPackage("dpkg", "xz-utils", "5.4.1-1", "amd64", "pkg:deb/debian/xz-utils@5.4.1-1?arch=amd64&distro=debian-12", List.of(xz))),
        List.of(new BuildRecord.PackageFile("/w/build.sh", "11".repeat(32), List.of("script"), null, null, null))));
  }

  @Test
  void validCycloneDx16WithPurlsHashesAndRoles() throws Exception {
    String json = CycloneDxReport.render(new Evidence(record(), null, null, null, "b.sigstore.json", true));
    var errors = new JsonParser().validate(json.getBytes(StandardCharsets.UTF_8), Version.VERSION_16);
    assertEquals(List.of(), errors.stream().map(Throwable::getMessage).toList(), json);
    JsonNode bom = new ObjectMapper().readTree(json);
    assertEquals("1.6", bom.get("specVersion").asText());
    assertEquals("build", bom.at("/metadata/lifecycles/0/phase").asText());
    JsonNode xz = bom.at("/components/1");
    assertEquals("pkg:deb/debian/xz-utils@5.4.1-1?arch=amd64&distro=debian-12", xz.get("purl").asText());
    assertEquals("application", xz.get("type").asText());
    assertTrue(xz.get("properties").toString().contains("{\"name\":\"plumbline:role\",\"value\":\"build-tool\"}"), xz.toString());
    assertEquals("SHA-256", xz.at("/components/0/hashes/0/alg").asText());
    assertEquals("ab".repeat(32), xz.at("/components/0/hashes/0/content").asText());
    assertEquals("library", bom.at("/components/0/type").asText());
    assertTrue(bom.at("/components/0").toString().contains("\"value\":\"mismatch\""));
    assertEquals("/w/build.sh", bom.at("/components/2/name").asText());
    // deterministic: the same record gives the same BOM
    assertEquals(json, CycloneDxReport.render(new Evidence(record(), null, null, null, "b.sigstore.json", true)));
  }

  @Test
  void aBrokenBomIsCaughtByTheValidator() throws Exception {
    String json = CycloneDxReport.render(new Evidence(record(), null, null, null, "b", true)).replace("\"type\" : \"application\"", "\"type\" : \"spaceship\"");
    assertTrue(json.contains("spaceship"), "the test changed the BOM");
    assertTrue(!new JsonParser().validate(json.getBytes(StandardCharsets.UTF_8), Version.VERSION_16).isEmpty());
  }
}
