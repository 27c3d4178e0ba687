package dev.plumbline.packages;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The dpkg reader against this machine's own database, with dpkg-query as ground truth (CI runs
 * on Debian 12; the machine must have dpkg, and .ci/run installs xz-utils).
 */
class DpkgDatabaseRealTest {
  private static final Path ROOT = Path.of("/");
  private static final Distro HOST = new Distro("debian", "12", "bookworm");

  @BeforeAll
  static void needsDpkg() {
    if (!DpkgDatabase.presentIn(ROOT) || !Files.isExecutable(Path.of("/usr/bin/dpkg-query"))) {
      fail("needs a Debian host with dpkg (/var/lib/dpkg/status and /usr/bin/dpkg-query)");
    }
  }

  private static String run(List<String> argv) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(argv).redirectError(ProcessBuilder.Redirect.DISCARD).start();
    byte[] out = p.getInputStream().readAllBytes();
    p.waitFor();
    return new String(out, StandardCharsets.UTF_8);
  }

  @Test
  void installedPackagesEqualDpkgQuery() throws Exception {
    Set<String> expected = new TreeSet<>();
    for (String line : run(List.of("dpkg-query", "-W", "-f", "${Package}\\t${Architecture}\\t${Version}\\t${db:Status-Status}\\n")).split("\n")) {
      String[] f = line.split("\t");
      if (f.length == 4 && !f[3].equals("not-installed") && !f[3].equals("config-files")) {
        expected.add(f[0] + ":" + f[1] + " " + f[2]);
      }
    }
    Set<String> ours = new TreeSet<>();
    for (InstalledPackage p : new DpkgDatabase(ROOT, HOST).installed()) {
      ours.add(p.displayName() + " " + p.version());
    }
    assertTrue(expected.size() > 50, "dpkg-query listed only " + expected.size() + " packages");
    assertEquals(expected, ours);
  }

  /** Every entry of /usr/bin and the multiarch library directory: our owner names equal dpkg -S's for both /usr-merge names. */
  @Test
  void ownersEqualDpkgS() throws Exception {
    List<String> paths = new ArrayList<>();
    for (String dir : List.of("/usr/bin", "/usr/sbin", "/usr/lib/x86_64-linux-gnu")) {
      try (Stream<Path> s = Files.list(Path.of(dir))) {
        s.filter(p -> Files.isRegularFile(p) || Files.isSymbolicLink(p)).map(Path::toString).forEach(paths::add);
      }
    }
    List<String> asked = new ArrayList<>(List.of("dpkg-query", "-S"));
    for (String p : paths) {
      asked.add(p);
      asked.add(p.substring("/usr".length())); // the pre-merge name lists may use
    }
    Map<String, Set<String>> expected = new TreeMap<>();
    Set<String> diverted = new HashSet<>();
    for (String line : run(asked).split("\n")) {
      if (line.startsWith("diversion by ")) {
        diverted.add(line.substring(line.indexOf(": ") + 2));
        continue;
      }
      int sep = line.indexOf(": /");
      if (sep < 0) {
        continue;
      }
      String path = line.substring(sep + 2);
      String merged = path.startsWith("/usr/") ? path : "/usr" + path;
      for (String owner : line.substring(0, sep).split(", ")) {
        expected.computeIfAbsent(merged, k -> new TreeSet<>()).add(owner.replaceAll(":.*", ""));
      }
    }
    DpkgDatabase scanned = new DpkgDatabase(ROOT, HOST);
    Map<String, List<OwnedFile>> owners = scanned.owners(paths);
    DpkgDatabase prepared = new DpkgDatabase(ROOT, HOST);
    prepared.prepare(); // the index made during a build answers as the scan after it
    assertEquals(owners, prepared.owners(paths));
    // what was read is what a fingerprint holds (states in the same form, nothing read outside it)
    DatabaseFiles.Fingerprint now = scanned.files().snapshot();
    assertTrue(scanned.filesRead().size() > 100, "read " + scanned.filesRead().size() + " files");
    assertEquals(List.of(), now.disagreeing(scanned.filesRead()));
    assertEquals(List.of(), now.disagreeing(prepared.filesRead()));
    Map<String, Set<String>> ours = new TreeMap<>();
    owners.forEach((path, files) -> files.forEach(f -> ours.computeIfAbsent(path, k -> new TreeSet<>()).add(f.pkg().name())));
    for (String d : diverted) {
      // dpkg -S names every package that lists a diverted path; we name the one whose file is there
      String merged = d.startsWith("/usr/") ? d : "/usr" + d;
      expected.remove(merged);
      ours.remove(merged);
    }
    assertTrue(expected.size() > 100, "dpkg -S found owners for only " + expected.size() + " paths");
    assertEquals(expected, ours);
  }

  @Test
  void xzAndLiblzmaAsDpkgSeesThem() throws Exception {
    Path lib = Path.of("/usr/lib/x86_64-linux-gnu/liblzma.so.5").toRealPath();
    String libPath = lib.toString();
    Map<String, List<OwnedFile>> o = new DpkgDatabase(ROOT, HOST).owners(List.of("/usr/bin/xz", libPath));
    String[] w = run(List.of("dpkg-query", "-W", "-f", "${Version}\\t${Architecture}", "liblzma5")).split("\t");
    OwnedFile f = o.get(libPath).get(0);
    assertEquals("liblzma5", f.pkg().name());
    assertEquals(w[0], f.pkg().version());
    assertEquals(w[1], f.pkg().arch());
    assertEquals("pkg:deb/debian/liblzma5@" + Purl.encode(w[0]) + "?arch=" + w[1] + "&distro=debian-12", f.pkg().purl());
    assertEquals("xz-utils", o.get("/usr/bin/xz").get(0).pkg().name());
    for (OwnedFile packaged : List.of(f, o.get("/usr/bin/xz").get(0))) {
      Path file = Path.of(packaged.listedPath());
      String sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
      String md5 = run(List.of("md5sum", file.toString())).split(" ")[0];
      assertEquals(md5, packaged.digest().hex(), "md5sums entry equals md5sum(1) of " + file);
      assertEquals(DigestMatch.MATCH, DigestMatch.check(file, packaged.digest(), sha));
    }
  }
}
