package dev.plumbline.record;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.plumbline.packages.Distro;
import dev.plumbline.packages.RpmDatabase;
import dev.plumbline.policy.Evidence;
import dev.plumbline.report.CycloneDxReport;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The window after the build: a process the build left behind, outside the trace (a cron job, a
 * daemon it talked to; here a separate perl process), rewrites dpkg's md5sums of a binary the build
 * modified to that binary's MD5, right after the agent's after-build fingerprint and before the
 * agent reads the md5sums. It learns the moment as such a process could: inotify on dpkg's info
 * directory, whose opening is the fingerprint's listing; the agent then goes on making the record
 * (here: the test waits for the write, as RunCommand finishes the record between {@code buildEnded}
 * and {@code annotate}). The rewrite keeps the size and puts the mtime back. Neither the record nor
 * the CycloneDX BOM made from it may say the modified binary matches its package: the rewrite is
 * seen by the fingerprint after the build or by the read after it, and either way the database is
 * named as changed and the file's verdict is database-changed.
 */
class PackageDatabaseWindowTest {
  private static final Distro DEBIAN = new Distro("debian", "12", "bookworm");
  private static final RpmDatabase.Query NO_RPM = RpmDatabase.unavailable("not in this test");
  private static final Path PERL = Path.of("/usr/bin/perl");
  private static final int ATTEMPTS = 12;

  /**
   * Watches DIR for its own opening (IN_OPEN on the directory itself: the fingerprint's listing),
   * then rewrites FILE in place with TEXT (same size) and puts its mtime back. inotify through
   * syscall(2): no module needed.
   */
  private static final String WRITER = String.join("\n",
      "use strict; use POSIX ();",
      "my ($dir, $file, $text) = @ARGV;",
      "my %nr = (x86_64 => [294, 254], aarch64 => [26, 27]);",
      "my ($init, $add) = @{$nr{(POSIX::uname())[4]} or die 'arch'};",
      "my $fd = syscall($init, 0); die \"inotify: $!\" if $fd < 0;",
      "open(my $in, '<&=', $fd) or die \"fd: $!\";",
      "die \"watch: $!\" if syscall($add, $fd, $dir, 0x20) < 0;",
      "$| = 1; print \"armed\\n\";",
      "OUTER: while (1) {",
      "  my $n = sysread($in, my $buf, 65536); die \"read: $!\" unless $n;",
      "  for (my $at = 0; $at < $n;) {",
      "    my ($wd, $mask, $cookie, $len) = unpack('iIII', substr($buf, $at, 16));",
      "    $at += 16 + $len;",
      "    last OUTER if $len == 0 && ($mask & 0x40000000);",
      "  }",
      "}",
      "my @st = stat($file);",
      "open(my $out, '+<', $file) or die \"open: $!\"; syswrite($out, $text) == length($text) or die; close($out);",
      "utime($st[8], $st[9], $file) or die \"utime: $!\";",
      "print \"written\\n\";",
      "");

  @TempDir Path dir;

  private static String hex(String algorithm, byte[] bytes) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance(algorithm).digest(bytes));
  }

  private static void write(Path p, String text) throws Exception {
    Files.createDirectories(p.getParent());
    Files.writeString(p, text);
  }

  private static BuildRecord ran(String path, String sha256) {
    BuildRecord base = dev.plumbline.testing.Records.sample(true);
    return new BuildRecord(base.format(), base.agent(), base.invocation(), base.completeness(),
        List.of(new BuildRecord.Tool(path, sha256, 1)), List.of(), List.of(), List.of(), List.of(), null, null,
        null, null, null);
  }

  /**
   * One attempt's outcome: the word for the modified xz in the record and in the CycloneDX BOM made
   * from it, what the record names as changed, whether the writer wrote.
   */
  private record Outcome(String digestMatch, String bomDigestMatch, List<String> changed, boolean written, boolean md5sumsNamed) {}

  /** The xz file's plumbline:digestMatch in the BOM {@code plumbline report --cyclonedx} makes of the record. */
  private static String bomDigestMatch(BuildRecord r) throws Exception {
    JsonNode bom = new ObjectMapper().readTree(CycloneDxReport.render(Evidence.ofRecord(r, "record.json")));
    for (JsonNode p : bom.at("/components/0/components/0/properties")) {
      if (p.path("name").asText().equals("plumbline:digestMatch")) {
        return p.path("value").asText();
      }
    }
    return null;
  }

  private Outcome attempt(int n, Path script) throws Exception {
    Path root = dir.resolve("root" + n);
    byte[] packaged = "the packaged xz".getBytes(StandardCharsets.UTF_8);
    byte[] modified = "the modified xz".getBytes(StandardCharsets.UTF_8);
    write(root.resolve("usr/bin/xz"), new String(modified, StandardCharsets.UTF_8)); // the build replaced it
    write(root.resolve("var/lib/dpkg/status"), String.join("\n",
        "Package: xz-utils", "Status: install ok installed", "Architecture: amd64", "Version: 5.4.1-0.2", "", ""));
    Path info = root.resolve("var/lib/dpkg/info");
    write(info.resolve("xz-utils.list"), "/usr/bin\n/usr/bin/xz\n");
    Path md5sums = info.resolve("xz-utils.md5sums");
    write(md5sums, hex("MD5", packaged) + "  usr/bin/xz\n");
    String forged = hex("MD5", modified) + "  usr/bin/xz\n";

    PackageRecords packages = PackageRecords.before(root, DEBIAN, NO_RPM);
    packages.prepare(Runnable::run); // what the agent reads while the build runs
    Process writer = new ProcessBuilder(PERL.toString(), script.toString(), info.toString(), md5sums.toString(), forged)
        .redirectError(ProcessBuilder.Redirect.INHERIT).start();
    boolean written;
    try (BufferedReader out = new BufferedReader(new InputStreamReader(writer.getInputStream(), StandardCharsets.UTF_8))) {
      assertEquals("armed", out.readLine(), "the writer watches the info directory");
      packages.buildEnded(); // the build has ended: the after-build fingerprint is taken
      written = writer.waitFor(20, TimeUnit.SECONDS) && "written".equals(out.readLine());
    } finally {
      writer.destroyForcibly();
    }
    BuildRecord r = packages.annotate(ran("/usr/bin/xz", hex("SHA-256", modified)));
    String word = r.packages().used().isEmpty() ? null : r.packages().used().get(0).files().get(0).digestMatch();
    List<String> changed = r.packages().databases().get(0).changedDuringBuild();
    return new Outcome(word, bomDigestMatch(r), changed, written, changed != null && changed.contains(md5sums.toString()));
  }

  @Test
  void md5sumsRewrittenAfterTheFingerprintNeverYieldAnUnremarkedMatch() throws Exception {
    assumeTrue(Files.isExecutable(PERL), "the racing writer is a perl script");
    Path script = Files.writeString(dir.resolve("writer.pl"), WRITER);
    List<Outcome> outcomes = new ArrayList<>();
    for (int i = 0; i < ATTEMPTS; i++) {
      Outcome o = attempt(i, script);
      outcomes.add(o);
      // one attempt where the record or the BOM vouches for the forged digest fails the test
      assertTrue(!"match".equals(o.digestMatch()) && !"match".equals(o.bomDigestMatch()),
          "attempt " + i + ": the modified xz is said to match its package: " + outcomes);
      assertTrue(o.digestMatch() == null || o.digestMatch().equals(o.bomDigestMatch()), "the BOM says what the record says: " + outcomes);
    }
    assertTrue(outcomes.stream().anyMatch(Outcome::written), "the writer rewrote the md5sums at least once: " + outcomes);
    // the rewrite came before the record was made: seen by the fingerprint or by the read after it
    assertTrue(outcomes.stream().filter(Outcome::written).allMatch(Outcome::md5sumsNamed), "every rewrite is named: " + outcomes);
  }
}
