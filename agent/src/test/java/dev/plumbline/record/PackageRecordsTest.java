package dev.plumbline.record;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.plumbline.packages.Distro;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The packages section from the apk fixture database (a copy, so the test can change it). */
class PackageRecordsTest {
  private static final Distro ALPINE = new Distro("alpine", "3.19.1", null);
  @TempDir Path root;

  @BeforeEach
  void copyFixture() throws Exception {
    Path from = Path.of(URI.create(PackageRecordsTest.class.getResource("/packages/apk-root").toURI().toString()));
    try (Stream<Path> s = Files.walk(from)) {
      for (Path p : s.toList()) {
        Path to = root.resolve(from.relativize(p).toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(to);
        } else {
          Files.copy(p, to);
        }
      }
    }
  }

  private String sha256(String path) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(root.resolve(path.substring(1)))));
  }

  private BuildRecord record(String xzSha) {
    BuildRecord base = dev.plumbline.testing.Records.sample(true);
    return new BuildRecord(
        base.format(), base.agent(), base.invocation(), base.completeness(),
        List.of(new BuildRecord.Tool("/usr/bin/xz", xzSha, 2), new BuildRecord.Tool("/bin/sh", "cc".repeat(32), 1)),
        List.of(new BuildRecord.ProcessInfo(1, 0, null, null, 0, null, false, List.of(
            new BuildRecord.Exec("/bin/sh", "cc".repeat(32), List.of("sh", "build.sh"), "/w", null,
                new BuildRecord.Script("/w/build.sh", "dd".repeat(32)))))),
        List.of(), List.of(), List.of(), null, null, null, null, null);
  }

  @Test
  void packagedFilesUnownedFilesAndCounts() throws Exception {
    PackageRecords packages = PackageRecords.before(root, ALPINE, argv -> "");
    BuildRecord r = packages.annotate(record(sha256("/usr/bin/xz")));
    BuildRecord.Packages p = r.packages();
    assertEquals(1, p.databases().size());
    assertEquals("apk", p.databases().get(0).manager());
    assertEquals(3, p.databases().get(0).installed());
    assertEquals(List.of("musl:x86_64", "xz-libs:x86_64"), p.databases().get(0).unused());
    assertNull(p.databases().get(0).changedDuringBuild());
    assertEquals(1, p.used().size());
    BuildRecord.UsedPackage xz = p.used().get(0);
    assertEquals("pkg:apk/alpine/xz@5.4.5-r0?arch=x86_64&distro=alpine-3.19.1", xz.purl());
    assertEquals("match", xz.files().get(0).digestMatch());
    assertEquals(List.of("exec"), xz.files().get(0).kinds());
    assertTrue(xz.files().get(0).digest().startsWith("sha1:"));
    assertEquals(List.of("/bin/sh", "/w/build.sh"), p.unowned().stream().map(BuildRecord.PackageFile::path).toList());
    assertEquals(List.of("script"), p.unowned().get(1).kinds());
    assertEquals(new dev.plumbline.env.Environment.PackageCounts(3, 1), BuildRecords.packageCounts(r));
  }

  @Test
  void aDifferentBinaryRanFromThePackagesPath() throws Exception {
    PackageRecords packages = PackageRecords.before(root, ALPINE, argv -> "");
    BuildRecord r = packages.annotate(record("ee".repeat(32)));
    // the file on disk is the packaged one, so what ran (another digest) was not
    assertEquals("mismatch", r.packages().used().get(0).files().get(0).digestMatch());
  }

  @Test
  void aDatabaseChangedDuringTheBuildIsNamed() throws Exception {
    PackageRecords packages = PackageRecords.before(root, ALPINE, argv -> "");
    Path db = root.resolve("lib/apk/db/installed");
    Thread.sleep(20);
    Files.writeString(db, Files.readString(db).replace("V:5.4.5-r0", "V:5.4.5-r1"));
    BuildRecord r = packages.annotate(record(sha256("/usr/bin/xz")));
    assertEquals(List.of(db.toString()), r.packages().databases().get(0).changedDuringBuild());
  }

  @Test
  void noDatabaseMeansEverythingUnowned(@TempDir Path empty) throws Exception {
    BuildRecord r = PackageRecords.before(empty, ALPINE, argv -> "").annotate(record("ee".repeat(32)));
    assertEquals(List.of(), r.packages().databases());
    assertEquals(List.of(), r.packages().used());
    assertEquals(3, r.packages().unowned().size());
  }
}
