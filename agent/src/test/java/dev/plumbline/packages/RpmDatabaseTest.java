package dev.plumbline.packages;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RpmDatabaseTest {
  private static final Path ROOT = Fixtures.resource("rpm-root");
  private static final Distro FEDORA = new Distro("fedora", "39", "");

  private final List<List<String>> calls = new ArrayList<>();

  private RpmDatabase db() {
    return new RpmDatabase(
        ROOT,
        FEDORA,
        argv -> {
          calls.add(argv);
          return Files.readString(Fixtures.resource("rpm-qa.txt"));
        });
  }

  private static String sha256(Path f) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(f)));
  }

  @Test
  void foundByItsDatabaseFile(@TempDir Path empty) {
    assertTrue(RpmDatabase.presentIn(ROOT));
    assertFalse(RpmDatabase.presentIn(empty));
  }

  @Test
  void runsRpmOnceForTheWholeDatabase() throws Exception {
    RpmDatabase db = db();
    db.installed();
    db.owners(List.of("/usr/bin/xz"));
    db.owners(List.of("/usr/bin/useradd"));
    assertEquals(1, calls.size());
    List<String> argv = calls.get(0);
    assertEquals(List.of("rpm", "--root", ROOT.toString(), "-qa", "--queryformat"), argv.subList(0, 5));
    assertTrue(argv.get(5).contains("[@F\\t%{FILEDIGESTS}\\t%{FILENAMES}\\n]"));
  }

  @Test
  void packagesWithEpochsAndWithoutArch() throws Exception {
    List<InstalledPackage> pkgs = db().installed();
    assertEquals(List.of("gpg-pubkey", "legacy-tool", "shadow-utils", "xz", "xz-libs"), pkgs.stream().map(InstalledPackage::name).toList());
    InstalledPackage shadow = pkgs.get(2);
    assertEquals("2:4.14.0-2.fc39", shadow.version());
    assertEquals("pkg:rpm/fedora/shadow-utils@4.14.0-2.fc39?arch=x86_64&distro=fedora-39&epoch=2", shadow.purl());
    assertNull(pkgs.get(0).arch());
    assertEquals("pkg:rpm/fedora/gpg-pubkey@18b8e74c-62f2920f?distro=fedora-39", pkgs.get(0).purl());
  }

  @Test
  void ownersAndDigests() throws Exception {
    RpmDatabase db = db();
    Map<String, List<OwnedFile>> o =
        db.owners(List.of("/usr/bin/xz", "/usr/bin/unxz", "/usr/bin/useradd", "/opt/legacy/bin/tool with\ttab", "/usr/bin/nothing"));
    assertEquals("xz", o.get("/usr/bin/xz").get(0).pkg().name());
    assertEquals("sha256", o.get("/usr/bin/xz").get(0).digest().algorithm());
    assertNull(o.get("/usr/bin/unxz").get(0).digest(), "symlinks have no digest");
    assertEquals("md5", o.get("/opt/legacy/bin/tool with\ttab").get(0).digest().algorithm(), "no FILEDIGESTALGO means MD5");
    assertFalse(o.containsKey("/usr/bin/nothing"));

    Path xz = ROOT.resolve("usr/bin/xz");
    assertEquals(DigestMatch.MATCH, DigestMatch.check(xz, o.get("/usr/bin/xz").get(0).digest(), sha256(xz)));
    Path useradd = ROOT.resolve("usr/bin/useradd");
    assertEquals(DigestMatch.MISMATCH, DigestMatch.check(useradd, o.get("/usr/bin/useradd").get(0).digest(), sha256(useradd)));
  }

  @Test
  void digestAlgorithmsAreThoseOfThePackagesRpmListedAndRpmIsNotRunForThem() throws Exception {
    RpmDatabase db = db();
    assertEquals(java.util.Set.of(), db.digestAlgorithms(), "not run yet: none known");
    assertEquals(0, calls.size());
    db.installed();
    assertEquals(java.util.Set.of("md5", "sha256"), db.digestAlgorithms());
    assertEquals(java.util.Set.of("md5"), DigestMatch.digestsToTake(List.of(db)), "SHA-256 is taken anyway");
  }

  @Test
  void rpmMissingIsOneLineNamingIt() {
    RpmDatabase db = new RpmDatabase(ROOT, FEDORA, argv -> {
      throw new IOException("Cannot run program \"rpm\": error=2, No such file or directory");
    });
    PackageDatabaseException e = assertThrows(PackageDatabaseException.class, db::installed);
    assertTrue(e.getMessage().contains("rpm -qa failed"), e.getMessage());
    assertFalse(e.getMessage().contains("\n"));
  }

  @Test
  void anRpmThatFailedIsNotRunAgain() {
    // PackageRecords runs rpm before the build; asked again after it (the record), a failed run must
    // not run rpm then: the build may have planted one
    RpmDatabase db = new RpmDatabase(ROOT, FEDORA, argv -> {
      calls.add(argv);
      throw new IOException("rpm exited with 1");
    });
    PackageDatabaseException first = assertThrows(PackageDatabaseException.class, db::installed);
    PackageDatabaseException again = assertThrows(PackageDatabaseException.class, () -> db.owners(List.of("/usr/bin/xz")));
    assertEquals(first.getMessage(), again.getMessage());
    assertEquals(1, calls.size());
  }

  @Test
  void unknownDigestAlgorithmClaimsNoDigest() {
    List<RpmQueryOutput.Entry> e = RpmQueryOutput.parse("@P\tx\t(none)\t1\t1\tnoarch\t11\n@F\t" + "ab".repeat(28) + "\t/usr/bin/x\n");
    assertNull(e.get(0).files().get("/usr/bin/x"));
    assertThrows(IllegalArgumentException.class, () -> RpmQueryOutput.parse("@P\tx\t1\n"));
  }

  @Test
  void theRpmProgramRunsAtTheGivenPathWithOnlyTheGivenEnvironmentInRoot(@TempDir Path dir) throws Exception {
    // a stand-in rpm that prints what it was given: its environment, directory and arguments
    Path rpm = dir.resolve("rpm");
    Files.writeString(rpm, "#!/bin/sh\nenv | sort\necho \"cwd=$(pwd)\"\necho \"args=$*\"\n");
    Files.setPosixFilePermissions(rpm, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
    String out = RpmDatabase.processes(rpm, Map.of("PATH", "/usr/bin:/bin", "LC_ALL", "C"))
        .run(List.of("rpm", "--root", "/", "-qa"));
    List<String> env = out.lines().filter(l -> !l.startsWith("cwd=") && !l.startsWith("args=") && !l.startsWith("PWD=")
        && !l.startsWith("SHLVL=") && !l.startsWith("_=")).toList();
    assertEquals(List.of("LC_ALL=C", "PATH=/usr/bin:/bin"), env, out);
    assertTrue(out.contains("cwd=/\n"), out);
    assertTrue(out.contains("args=--root / -qa"), out);
  }

  @Test
  void noRpmToRunIsAnUnreadableDatabaseWithItsReason() {
    RpmDatabase db = new RpmDatabase(ROOT, FEDORA, RpmDatabase.unavailable("no rpm program in a root-owned system directory"));
    PackageDatabaseException e = assertThrows(PackageDatabaseException.class, db::installed);
    assertTrue(e.getMessage().contains("no rpm program in a root-owned system directory"), e.getMessage());
  }
}
