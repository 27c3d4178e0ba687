package dev.plumbline.dist;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The self-contained tarball (scripts/dist, run by 'mvn package'): its layout, that making it
 * again gives the same bytes, and that it traces, signs and verifies a build in a root filesystem
 * without Java, entered the way a container job runs a step.
 */
class TarballIT {
  static final Path ROOT = ShadedJarIT.ROOT;
  static final Path TARGET = ROOT.resolve("agent/target");

  record Result(int exit, String output) {}

  static Result exec(Path cwd, List<String> cmd, int minutes) throws IOException, InterruptedException {
    ProcessBuilder pb = new ProcessBuilder(cmd).directory(cwd.toFile()).redirectErrorStream(true);
    pb.environment().put("TZ", "UTC");
    Process p = pb.start();
    byte[] out = p.getInputStream().readAllBytes();
    if (!p.waitFor(minutes, TimeUnit.MINUTES)) {
      p.destroyForcibly();
      throw new AssertionError(cmd + " did not finish");
    }
    return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8));
  }

  static Path tarball() throws IOException {
    try (Stream<Path> s = Files.list(TARGET)) {
      List<Path> found = s.filter(p -> p.getFileName().toString().matches("plumbline-.*-linux-x86_64\\.tar\\.gz")).toList();
      assertEquals(1, found.size(), "one plumbline-VERSION-linux-x86_64.tar.gz in " + TARGET + " (run 'mvn package'): " + found);
      return found.get(0);
    }
  }

  static String topFolder(Path tarball) {
    String file = tarball.getFileName().toString();
    return file.substring(0, file.length() - ".tar.gz".length());
  }

  static String sha256(Path file) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
  }

  @Test
  void oneFolderWithLauncherJarAndRuntimeAllStampedAndSorted() throws Exception {
    Path tarball = tarball();
    String top = topFolder(tarball);
    Result list = exec(TARGET, List.of("tar", "--numeric-owner", "-tvzf", tarball.toString()), 2);
    assertEquals(0, list.exit(), list.output());
    String stamp = OffsetDateTime.parse(System.getProperty("plumbline.outputTimestamp"))
        .withOffsetSameInstant(ZoneOffset.UTC).format(DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm"));
    // drwxr-xr-x 0/0    0 2026-01-01 00:00 plumbline-…/bin/
    Pattern entry = Pattern.compile("^(\\S+) (\\d+)/(\\d+) +\\d+ (\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d) (.+?)(?: -> .*)?$");
    List<String> names = new ArrayList<>();
    for (String line : list.output().strip().split("\n")) {
      Matcher m = entry.matcher(line);
      assertTrue(m.matches(), "unexpected listing line: " + line);
      assertEquals("0/0", m.group(2) + "/" + m.group(3), "owner of " + m.group(5));
      assertEquals(stamp, m.group(4), "time of " + m.group(5));
      assertFalse(!m.group(1).startsWith("l") && m.group(1).matches(".....w.*|........w."), "group/world-writable: " + line);
      names.add(m.group(5));
    }
    assertTrue(names.stream().allMatch(n -> n.equals(top + "/") || n.startsWith(top + "/")), "one top-level folder " + top);
    List<String> sorted = new ArrayList<>(names);
    sorted.sort(null);
    assertEquals(sorted, names, "entries in name order");
    for (String must : List.of("/bin/plumbline", "/lib/plumbline.jar", "/lib/plumbline.classlist", "/lib/plumbline-run.classlist",
        "/lib/jna/linux-x86-64/libjnidispatch.so", "/runtime/bin/java",
        "/runtime/lib/modules", "/runtime/release")) {
      assertTrue(names.contains(top + must), top + must + " missing from " + tarball.getFileName());
    }
    assertTrue(list.output().contains("-rwxr-xr-x 0/0"), "bin/plumbline is executable");

    // bin/plumbline is scripts/plumbline, lib/plumbline.jar the shaded jar: one of each, not copies that drift
    Path x = Files.createTempDirectory("plumbline-tar");
    try {
      assertEquals(0, exec(x, List.of("tar", "-xzf", tarball.toString(), top + "/bin/plumbline", top + "/lib/plumbline.jar"), 2).exit());
      assertArrayEquals(Files.readAllBytes(ROOT.resolve("scripts/plumbline")), Files.readAllBytes(x.resolve(top + "/bin/plumbline")));
      assertEquals(sha256(TARGET.resolve("plumbline.jar")), sha256(x.resolve(top + "/lib/plumbline.jar")));
      // JNA's library beside the jar is the jar's own (JNA refuses another version's)
      String jnaLib = "com/sun/jna/linux-x86-64/libjnidispatch.so";
      assertEquals(0, exec(x, List.of("tar", "-xzf", tarball.toString(), top + "/lib/jna/linux-x86-64/libjnidispatch.so"), 2).exit());
      try (java.util.zip.ZipFile jar = new java.util.zip.ZipFile(TARGET.resolve("plumbline.jar").toFile())) {
        assertArrayEquals(jar.getInputStream(jar.getEntry(jnaLib)).readAllBytes(),
            Files.readAllBytes(x.resolve(top + "/lib/jna/linux-x86-64/libjnidispatch.so")), "the tarball's " + jnaLib);
      }
      Result modules = exec(x, List.of("tar", "-xzOf", tarball.toString(), top + "/runtime/release"), 2);
      assertTrue(modules.output().contains("MODULES=\"java.base java.logging jdk.crypto.ec jdk.unsupported\""), modules.output());
    } finally {
      exec(ROOT, List.of("rm", "-rf", x.toString()), 1);
    }
  }

  /** scripts/dist again, from scratch (its own jlink, its own training), on the same jar. */
  @Test
  void makingTheTarballAgainGivesTheSameBytes(@TempDir Path out) throws Exception {
    Path tarball = tarball();
    String version = topFolder(tarball).replaceFirst("^plumbline-", "").replaceFirst("-linux-x86_64$", "");
    Result r = exec(ROOT, List.of(ROOT.resolve("scripts/dist").toString(), TARGET.resolve("plumbline.jar").toString(),
        version, System.getProperty("plumbline.outputTimestamp"), out.toString()), 15);
    assertEquals(0, r.exit(), r.output());
    assertEquals(Files.readAllLines(TARGET.resolve("plumbline.classlist")), Files.readAllLines(out.resolve("plumbline.classlist")),
        "the class list of two builds");
    assertEquals(Files.readAllLines(TARGET.resolve("plumbline-run.classlist")), Files.readAllLines(out.resolve("plumbline-run.classlist")),
        "the unsigned run's class list of two builds");
    assertEquals(sha256(tarball), sha256(out.resolve(tarball.getFileName())), "two builds of " + tarball.getFileName());
  }

  /**
   * A root filesystem with only a shell, a few coreutils and the C libraries they and the runtime
   * link against (copied from this machine) and the extracted tarball: no java anywhere. Each
   * step runs as a container job's would: a new mount and PID namespace with its own /proc, chroot.
   */
  @Test
  @Tag("needs-root")
  @Tag("needs-ptrace")
  void runsAndVerifiesInARootFilesystemWithoutJava(@TempDir Path dir) throws Exception {
    Path tarball = tarball();
    String top = topFolder(tarball);
    Path root = dir.resolve("root");
    for (String d : List.of("proc", "dev", "tmp", "root", "opt", "work", "etc")) {
      Files.createDirectories(root.resolve(d));
    }
    assertEquals(0, exec(root, List.of("chmod", "1777", "tmp"), 1).exit());
    for (String[] dev : new String[][] {{"null", "3"}, {"zero", "5"}, {"random", "8"}, {"urandom", "9"}}) {
      Result mknod = exec(root, List.of("mknod", "-m", "666", "dev/" + dev[0], "c", "1", dev[1]), 1);
      assertEquals(0, mknod.exit(), mknod.output());
    }
    Files.writeString(root.resolve("etc/passwd"), "root:x:0:0:root:/root:/bin/sh\n");
    assertEquals(0, exec(root, List.of("tar", "-C", "opt", "-xzf", tarball.toString()), 2).exit());

    // the shell and the tools the launcher and the build use, at the paths they have here
    Set<Path> elves = new LinkedHashSet<>();
    for (String tool : List.of("sh", "true", "cat", "dirname", "stat", "readlink", "cksum", "cut", "mkdir", "mv", "rm", "env", "ls", "nice")) {
      Result which = exec(root, List.of("sh", "-c", "command -v " + tool), 1);
      assertEquals(0, which.exit(), tool + " not found on this machine");
      Path host = Path.of(which.output().strip());
      copyInto(root, host);
      copyInto(root, Path.of("/usr/bin", tool));
      copyInto(root, Path.of("/bin", tool));
      elves.add(host);
    }
    try (Stream<Path> s = Files.walk(root.resolve("opt"))) {
      s.filter(p -> Files.isRegularFile(p) && (p.toString().endsWith(".so") || p.endsWith("bin/java"))).forEach(elves::add);
    }
    // the shared libraries all of them load, as ldd resolves them here
    Pattern lib = Pattern.compile("(?:=> )?(/\\S+) \\(0x");
    for (Path elf : elves) {
      Result ldd = exec(root, List.of("ldd", elf.toString()), 1);
      Matcher m = lib.matcher(ldd.output());
      while (m.find()) {
        copyInto(root, Path.of(m.group(1)));
      }
    }
    assertFalse(Files.exists(root.resolve("usr/bin/java")) || Files.exists(root.resolve("bin/java")), "java in the root filesystem");

    String plumbline = "/opt/" + top + "/bin/plumbline";
    Path conformance = Path.of(ShadedJarIT.class.getResource("/dev/plumbline/sigstore/conformance/bundle-verify").toURI());
    Files.copy(conformance.resolve("happy-path-v0.3/bundle.sigstore.json"), root.resolve("work/keyless.sigstore.json"));
    Files.copy(conformance.resolve("a.txt"), root.resolve("work/a.txt"));

    Result noJava = inRoot(root, "command -v java || echo no-java-here");
    assertEquals("no-java-here", noJava.output().strip(), noJava.output());
    Result keygen = inRoot(root, plumbline + " keygen --prefix /work/k");
    assertEquals(0, keygen.exit(), keygen.output());
    Result run = inRoot(root, plumbline + " run --key k.key --bundle b.sigstore.json --record r.json --subject out.txt"
        + " -- /bin/sh -c 'echo built > out.txt && /bin/true'");
    assertEquals(0, run.exit(), run.output());
    Result verify = inRoot(root, plumbline + " verify --bundle b.sigstore.json --key k.pub out.txt");
    assertEquals(0, verify.exit(), verify.output());
    assertTrue(verify.output().contains("VERIFIED"), verify.output());
    assertTrue(Files.readString(root.resolve("work/r.json")).contains("/bin/true"), "the record names the build's tools");
    Result keyless = inRoot(root, plumbline + " verify --bundle keyless.sigstore.json --certificate-identity "
        + "https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main"
        + " --certificate-oidc-issuer https://token.actions.githubusercontent.com --allow-non-attestation a.txt");
    assertEquals(0, keyless.exit(), keyless.output());
    Files.writeString(root.resolve("work/out.txt"), "tampered\n");
    Result tampered = inRoot(root, plumbline + " verify --bundle b.sigstore.json --key k.pub out.txt");
    assertEquals(1, tampered.exit(), tampered.output());
  }

  /** A step in the root filesystem: new mount and PID namespaces, its own /proc, chroot, /work. */
  static Result inRoot(Path root, String script) throws IOException, InterruptedException {
    return exec(root, List.of("unshare", "--mount", "--pid", "--fork", "--mount-proc=" + root.resolve("proc"),
        "chroot", root.toString(), "/usr/bin/env", "-i", "PATH=/usr/bin:/bin", "HOME=/root",
        "/bin/sh", "-c", "cd /work && " + script), 10);
  }

  /** Copies a file of this machine (following links) to the same path under root, if it exists. */
  static void copyInto(Path root, Path host) throws IOException {
    if (!Files.exists(host) || host.startsWith(root)) {
      return; // not on this machine, or already in the root filesystem (the runtime's own libraries)
    }
    Path target = root.resolve(host.toString().substring(1));
    if (Files.exists(target, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    Files.createDirectories(target.getParent());
    Files.copy(host, target, StandardCopyOption.COPY_ATTRIBUTES);
  }
}
