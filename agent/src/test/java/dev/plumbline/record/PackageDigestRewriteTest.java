package dev.plumbline.record;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.plumbline.packages.Distro;
import dev.plumbline.packages.KnownDigests;
import dev.plumbline.packages.RpmDatabase;
import dev.plumbline.testing.Processes;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The package digest of what ran, checked without reading the file again: the hasher takes dpkg's
 * MD5 in the same read as the SHA-256 at the exec ({@link ExecutableHasher#digestsTaken}). A build
 * that rewrites a packaged binary between its exec and the end of the build (same size, mtime put
 * back) must not have those digests stand for the file as it is after the build: the record says
 * what a fresh read says. Real processes run the binaries; the hasher reads them through
 * /proc/PID/exe.
 */
class PackageDigestRewriteTest {
  private static final Distro DEBIAN = new Distro("debian", "12", "bookworm");
  private static final RpmDatabase.Query NO_RPM = RpmDatabase.unavailable("not in this test");

  @TempDir Path root;
  private Path tool;
  private byte[] packaged;
  private byte[] evil;
  private PackageRecords packages;
  private ExecutableHasher hasher;
  private final List<Process> started = new ArrayList<>();

  private static String hex(String algorithm, byte[] bytes) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance(algorithm).digest(bytes));
  }

  private void write(String relative, String text) throws Exception {
    Path p = root.resolve(relative);
    Files.createDirectories(p.getParent());
    Files.writeString(p, text);
  }

  @BeforeEach
  void packagedBinary() throws Exception {
    // the package's binary is a real program (sleep); the build's is the same size, one byte of the
    // section headers changed (the loader does not read them: it runs as well)
    packaged = Files.readAllBytes(Path.of("/bin/sleep").toRealPath());
    evil = packaged.clone();
    evil[evil.length - 1] ^= (byte) 0xff;
    tool = root.resolve("usr/bin/tool");
    Files.createDirectories(tool.getParent());
    Files.write(tool, packaged);
    Files.setPosixFilePermissions(tool, PosixFilePermissions.fromString("rwxr-xr-x"));
    write("var/lib/dpkg/status", String.join("\n",
        "Package: tool", "Status: install ok installed", "Architecture: amd64", "Version: 1.0-1", "", ""));
    write("var/lib/dpkg/info/tool.list", "/usr/bin\n/usr/bin/tool\n");
    write("var/lib/dpkg/info/tool.md5sums", hex("MD5", packaged) + "  usr/bin/tool\n");
    packages = PackageRecords.before(root, DEBIAN, NO_RPM);
    assertEquals(Set.of("md5"), packages.digestsToTake(), "dpkg's digests are MD5");
    hasher = new ExecutableHasher(Path.of("/proc"), packages.digestsToTake());
  }

  @AfterEach
  void cleanUp() throws InterruptedException {
    hasher.close();
    for (Process p : started) {
      p.destroyForcibly();
      p.waitFor(10, TimeUnit.SECONDS);
    }
  }

  /** Runs the tool as the build would and returns the SHA-256 the hasher took of what ran. */
  private String run() throws Exception {
    return run(tool, hasher);
  }

  private String run(Path tool, ExecutableHasher hasher) throws Exception {
    Process p = new ProcessBuilder(tool.toString(), "30").redirectErrorStream(true).start();
    started.add(p);
    // ProcessBuilder.start returns once the exec succeeded: /proc/PID/exe is the tool
    String sha = hasher.hashExecutable((int) p.pid()).get(60, TimeUnit.SECONDS);
    p.destroyForcibly();
    p.waitFor(10, TimeUnit.SECONDS); // a running binary cannot be written (ETXTBSY)
    return sha;
  }

  /** The build rewrites the tool in place: same size, mtime put back (only the ctime tells). */
  private void rewrite(byte[] content) throws IOException, InterruptedException {
    FileTime mtime = Files.getLastModifiedTime(tool);
    Thread.sleep(20); // a ctime tick on coarse clocks too
    Files.write(tool, content);
    Files.setLastModifiedTime(tool, mtime);
    assertEquals(mtime, Files.getLastModifiedTime(tool));
  }

  private BuildRecord ran(String... sha256s) {
    BuildRecord base = dev.plumbline.testing.Records.sample(true);
    List<BuildRecord.Tool> tools = new ArrayList<>();
    for (String sha : sha256s) {
      tools.add(new BuildRecord.Tool("/usr/bin/tool", sha, 1));
    }
    return new BuildRecord(base.format(), base.agent(), base.invocation(), base.completeness(),
        tools, List.of(), List.of(), List.of(), List.of(), null, null, null, null, null);
  }

  /** The hasher's digests, counting the files it answered for (each one a file not read again). */
  private final AtomicInteger answered = new AtomicInteger();
  private final KnownDigests known = file -> {
    Map<String, String> d = hasher.digestsTaken(file);
    if (d != null) {
      answered.incrementAndGet();
    }
    return d;
  };

  private String matchOf(BuildRecord r, String sha256) {
    for (BuildRecord.PackageFile f : r.packages().used().get(0).files()) {
      if (f.sha256().equals(sha256)) {
        return f.digestMatch();
      }
    }
    throw new AssertionError("no packaged file with " + sha256 + " in " + r.packages());
  }

  @Test
  void unchangedBinaryIsCheckedWithTheDigestsTakenAtItsExec() throws Exception {
    String sha = run();
    assertEquals(hex("SHA-256", packaged), sha);
    Map<String, String> taken = hasher.digestsTaken(tool);
    assertNotNull(taken, "the MD5 was taken in the same read");
    assertEquals(hex("MD5", packaged), taken.get("md5"));
    BuildRecord r = packages.annotate(ran(sha), known);
    assertEquals("match", matchOf(r, sha));
    assertEquals(1, answered.get(), "answered from the hasher's read, not read again");
    assertEquals(r.packages(), PackageRecords.before(root, DEBIAN, NO_RPM).annotate(ran(sha)).packages(), "as a fresh read says");
  }

  @Test
  void modifiedBinaryRanThenThePackagedOneWasPutBack() throws Exception {
    String packagedRan = run(); // the hasher now holds the packaged file's digests
    rewrite(evil);
    String evilRan = run();
    assertEquals(hex("SHA-256", evil), evilRan);
    rewrite(packaged); // tracks covered: the bytes, size and mtime the package installed
    assertNull(hasher.digestsTaken(tool), "the ctime changed: neither earlier read stands for the file now");
    BuildRecord r = packages.annotate(ran(packagedRan, evilRan), known);
    assertEquals("mismatch", matchOf(r, evilRan), "what ran was not the package's binary");
    assertEquals("match", matchOf(r, packagedRan));
    assertEquals(0, answered.get());
    assertEquals(r.packages(), PackageRecords.before(root, DEBIAN, NO_RPM).annotate(ran(packagedRan, evilRan)).packages());
  }

  @Test
  void packagedBinaryRanThenWasRewritten() throws Exception {
    String sha = run();
    rewrite(evil);
    assertNull(hasher.digestsTaken(tool), "the ctime changed: the exec's read does not stand for the file now");
    BuildRecord r = packages.annotate(ran(sha), known);
    // as a read after the build says: the file changed after it ran, and is not the package's now
    assertEquals("unknown", matchOf(r, sha));
    assertEquals(0, answered.get());
  }

  /**
   * Container images run from overlayfs. There the identity seen through /proc/PID/exe (overlay's
   * device and inode) must be the path's, for a file of the lower layer and for one copied up
   * into the upper layer, or every packaged file of a container build would be read again.
   */
  @Test
  @Tag("needs-root")
  void onOverlayfsTheDigestsTakenAtTheExecStandForThePath(@TempDir Path layers) throws Exception {
    Path merged = Files.createDirectories(layers.resolve("merged"));
    Path upper = Files.createDirectories(layers.resolve("upper"));
    Path work = Files.createDirectories(layers.resolve("work"));
    mount(List.of("mount", "-t", "overlay", "overlay", "-o",
        "lowerdir=" + root + ",upperdir=" + upper + ",workdir=" + work, merged.toString()));
    try (ExecutableHasher overlayHasher = new ExecutableHasher(Path.of("/proc"), Set.of("md5"))) {
      PackageRecords overlayPackages = PackageRecords.before(merged, DEBIAN, NO_RPM);
      Path lower = merged.resolve("usr/bin/tool");
      String sha = run(lower, overlayHasher);
      assertEquals(hex("SHA-256", packaged), sha);
      assertEquals(hex("MD5", packaged), overlayHasher.digestsTaken(lower).get("md5"), "a lower-layer file");
      KnownDigests counted = file -> {
        Map<String, String> d = overlayHasher.digestsTaken(file);
        if (d != null) {
          answered.incrementAndGet();
        }
        return d;
      };
      assertEquals("match", matchOf(overlayPackages.annotate(ran(sha), counted), sha));
      assertEquals(1, answered.get(), "answered from the hasher's read, not read again");

      Files.setLastModifiedTime(lower, FileTime.fromMillis(System.currentTimeMillis())); // copied up
      assertTrue(Files.exists(upper.resolve("usr/bin/tool")), "the tool is now in the upper layer");
      run(lower, overlayHasher);
      assertEquals(hex("MD5", packaged), overlayHasher.digestsTaken(lower).get("md5"), "a copied-up file");
    } finally {
      for (Process p : started) {
        p.destroyForcibly();
        p.waitFor(10, TimeUnit.SECONDS);
      }
      mount(List.of("umount", merged.toString()));
    }
  }

  private static void mount(List<String> command) throws Exception {
    Processes.Result r = Processes.run(command, Path.of("/"), Duration.ofSeconds(30));
    assertEquals(0, r.exit(), () -> command + ": " + r.output());
  }
}
