package dev.plumbline.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import dev.plumbline.sigstore.fake.FakeSigstore;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The shaded jar as issue 13 wants it: at most 20 MB, only the natives of the platforms Plumbline
 * runs on, and minimized without losing a class the code loads. The last check reads the class
 * loading log the unit tests write (surefire's {@code -Xlog:class+load}): every class they loaded
 * from a runtime dependency must be in the jar, so a class that shade's minimizer or an exclusion
 * dropped but the code reaches (by reflection, by name) fails here instead of at a user's. Keyless
 * signing and verification, whose libraries lost the most, also run through the jar for real.
 */
class ShadedJarIT {
  static final Path ROOT = Path.of(System.getProperty("plumbline.root", "..")).toAbsolutePath().normalize();
  static final Path JAR = ROOT.resolve("agent/target/plumbline.jar");
  static final Path CLASS_LOG = ROOT.resolve("agent/target/unit-test-classes.log");
  static final long MAX_BYTES = 20_000_000;

  /** JNA's dispatch library for linux x86-64 and aarch64: the only native code the jar may hold. */
  static final Set<String> NATIVES = Set.of(
      "com/sun/jna/linux-x86-64/libjnidispatch.so", "com/sun/jna/linux-aarch64/libjnidispatch.so");

  /** Jars only the tests use (the runner, assertions, the mock web server): never shaded. */
  static final List<String> TEST_ONLY = List.of(
      "/org/junit/", "/junit/junit/", "/org/opentest4j/", "/org/apiguardian/", "/org/hamcrest/",
      "/org/apache/maven/surefire/", "/com/squareup/okhttp3/mockwebserver/", "/com/tngtech/archunit/",
      // the CycloneDX test validates the BOM against the schema: the agent only writes it
      "/com/networknt/", "/com/ethlo/");

  /**
   * Classes of shaded libraries that only test code reaches: the fake Fulcio issues certificates
   * with BouncyCastle's builders, MockWebServer uses an okhttp internal hook, the CycloneDX test
   * parses the BOM back.
   */
  static final Set<String> TEST_ONLY_CLASSES = Set.of(
      "org.bouncycastle.cert.X509v3CertificateBuilder",
      "org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder",
      "org.bouncycastle.operator.jcajce.JcaContentSignerBuilder",
      "org.bouncycastle.operator.jcajce.JcaContentSignerBuilder$1",
      "okhttp3.internal.Internal",
      "org.cyclonedx.parsers.JsonParser", "org.cyclonedx.parsers.Parser", "org.cyclonedx.exception.ParseException");

  static ZipFile jar() throws IOException {
    assertTrue(Files.isRegularFile(JAR), JAR + " is missing: run 'mvn package' first");
    return new ZipFile(JAR.toFile());
  }

  @Test
  void jarIsAtMostTwentyMegabytes() throws IOException {
    long size = Files.size(JAR);
    assertTrue(size <= MAX_BYTES, "plumbline.jar is " + size + " bytes, more than " + MAX_BYTES);
  }

  @Test
  void onlyJnaNativesForLinuxX8664AndAarch64() throws IOException {
    Set<String> natives = new TreeSet<>();
    try (ZipFile zip = jar()) {
      zip.stream().map(ZipEntry::getName)
          .filter(n -> n.startsWith("META-INF/native/") && !n.endsWith("/")
              || n.matches(".*\\.(so|so\\.\\d+|dll|jnilib|dylib|a)$"))
          .forEach(natives::add);
    }
    assertEquals(new TreeSet<>(NATIVES), natives, "native libraries in plumbline.jar");
  }

  @Test
  void plumblinesOwnEntriesCarryTheBuildTimestamp() throws IOException {
    String stamp = System.getProperty("plumbline.outputTimestamp");
    assertTrue(stamp != null && !stamp.isBlank(), "the plumbline.outputTimestamp system property is not set (failsafe sets it)");
    LocalDateTime expected = OffsetDateTime.parse(stamp).withOffsetSameInstant(ZoneOffset.UTC).toLocalDateTime();
    List<String> off = new ArrayList<>();
    int seen = 0;
    try (ZipFile zip = jar()) {
      for (ZipEntry e : java.util.Collections.list(zip.entries())) {
        if (e.getName().startsWith("dev/plumbline/") || e.getName().equals("META-INF/MANIFEST.MF")) {
          seen++;
          if (!e.getTimeLocal().equals(expected)) {
            off.add(e.getName() + " " + e.getTimeLocal());
          }
        }
      }
    }
    assertTrue(seen > 100, "only " + seen + " of Plumbline's own entries in the jar");
    assertTrue(off.isEmpty(), "entries not stamped " + expected + ": " + off.subList(0, Math.min(5, off.size())));
  }

  @Test
  void everyDependencyClassTheUnitTestsLoadedIsInTheJar() throws IOException {
    assertTrue(Files.isRegularFile(CLASS_LOG),
        CLASS_LOG + " is missing: it is written by the unit tests (mvn verify runs them before this test)");
    // [0.123s][info][class,load] com.example.Foo source: file:/root/.m2/repository/.../foo.jar
    Pattern line = Pattern.compile("\\] (\\S+) source: (?:jar:)?file:(\\S+\\.jar)(?:!/)?$");
    Set<String> names;
    try (ZipFile zip = jar()) {
      names = new java.util.HashSet<>(zip.stream().map(ZipEntry::getName).toList());
    }
    Set<String> missing = new TreeSet<>();
    int checked = 0;
    for (String l : Files.readAllLines(CLASS_LOG)) {
      Matcher m = line.matcher(l);
      if (!m.find() || TEST_ONLY.stream().anyMatch(m.group(2)::contains) || TEST_ONLY_CLASSES.contains(m.group(1))) {
        continue;
      }
      checked++;
      String entry = m.group(1).replace('.', '/') + ".class";
      boolean present = names.contains(entry)
          || names.stream().anyMatch(n -> n.startsWith("META-INF/versions/") && n.endsWith("/" + entry));
      if (!present) {
        missing.add(m.group(1) + " (" + Path.of(m.group(2)).getFileName() + ")");
      }
    }
    assertTrue(checked > 500, "only " + checked + " dependency classes in " + CLASS_LOG + ": was it written by a full test run?");
    assertTrue(missing.isEmpty(), "classes the code loaded that plumbline.jar lacks: " + missing);
  }

  record Result(int exit, String output) {}

  /** Runs scripts/plumbline (the shaded jar, as users start it) and returns its exit code and output. */
  static Result plumbline(Path cwd, String... args) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>();
    cmd.add(ROOT.resolve("scripts/plumbline").toString());
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd).directory(cwd.toFile()).redirectErrorStream(true);
    pb.environment().put("PLUMBLINE_JAR", JAR.toString());
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(2, TimeUnit.MINUTES)) {
      p.destroyForcibly();
      throw new AssertionError(cmd + " did not finish: " + out);
    }
    return new Result(p.exitValue(), out);
  }

  @Test
  void keylessSigningAndVerificationWorkFromTheJar(@TempDir Path dir) throws Exception {
    try (FakeSigstore fake = new FakeSigstore()) {
      Path root = fake.writeTrustedRoot(dir);
      Path config = fake.writeSigningConfig(dir);
      Path out = dir.resolve("out.txt");
      Path bundle = dir.resolve("keyless.sigstore.json");
      Path token = dir.resolve("token");
      Files.writeString(token, fake.mintToken("sigstore"));
      Result run = plumbline(dir, "run", "--keyless", "--identity-token-file", token.toString(),
          "--trusted-root", root.toString(), "--signing-config", config.toString(),
          "--subject", out.toString(), "--bundle", bundle.toString(), "--", "/bin/sh", "-c", "echo built > " + out);
      assertEquals(0, run.exit(), run.output());
      Result verify = plumbline(dir, "verify", "--bundle", bundle.toString(),
          "--certificate-identity", FakeSigstore.workflowIdentity(), "--certificate-oidc-issuer", FakeSigstore.ISSUER,
          "--trusted-root", root.toString(), out.toString());
      assertEquals(0, verify.exit(), verify.output());
      assertTrue(verify.output().contains("VERIFIED"), verify.output());
      Files.writeString(out, "tampered\n");
      Result tampered = plumbline(dir, "verify", "--bundle", bundle.toString(),
          "--certificate-identity", FakeSigstore.workflowIdentity(), "--certificate-oidc-issuer", FakeSigstore.ISSUER,
          "--trusted-root", root.toString(), out.toString());
      assertEquals(1, tampered.exit(), tampered.output());
    }
  }
}
