package dev.plumbline.trust;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.plumbline.testing.Trees;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The build as an attacker, against the real launcher (scripts/plumbline) run as an unprivileged
 * user (nobody, through setpriv), signing with a password-protected key: the build scans
 * /proc/*&#47;environ, /proc/*&#47;cmdline and /proc/*&#47;fd/* of every process it can see, copies every
 * file named on a command line, then forges a bundle with a key of its own. None of the secrets
 * shows up in what it collected, and the forged bundle is rejected. docs/threat-model.md cites this.
 */
class TrustBoundaryIT {
  static final int NOBODY = 65534;
  static final Path ROOT = Path.of(System.getProperty("plumbline.root", "..")).toAbsolutePath().normalize();
  static final Path LAUNCHER = ROOT.resolve("scripts/plumbline");
  static Path dir;

  @BeforeAll
  static void workDirectory() throws Exception {
    requireRoot();
    dir = Files.createTempDirectory("plumbline-trust-");
    Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
  }

  @AfterAll
  static void cleanUp() throws IOException {
    Trees.delete(dir);
  }

  static void requireRoot() throws Exception {
    Process id = new ProcessBuilder("id", "-u").start();
    String uid = new String(id.getInputStream().readAllBytes()).strip();
    id.waitFor();
    assertEquals("0", uid, "TrustBoundaryIT needs root (CI runs as root) to run plumbline as nobody through setpriv");
  }

  /** A directory the unprivileged agent and build own. */
  static Path ownedByNobody(String name) throws IOException {
    Path d = Files.createDirectories(dir.resolve(name));
    Files.setAttribute(d, "unix:uid", NOBODY);
    Files.setAttribute(d, "unix:gid", NOBODY);
    return d;
  }

  static Path rootOnly(Path file, String content) throws IOException {
    Files.writeString(file, content);
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
    return file;
  }

  record Run(int code, String output) {}

  /** The record {@code run} wrote at {@code record}, with the run's output under "output"; the run must have exited 0. */
  static com.fasterxml.jackson.databind.JsonNode recordOf(Path record, Run run) throws IOException {
    assertEquals(0, run.code(), run.output());
    com.fasterxml.jackson.databind.node.ObjectNode r =
        (com.fasterxml.jackson.databind.node.ObjectNode) new com.fasterxml.jackson.databind.ObjectMapper().readTree(record.toFile());
    r.put("output", run.output());
    return r;
  }

  /** {@code sh -c SCRIPT} as root: it opens descriptors, then becomes nobody and execs the rest. */
  static Run asNobody(Path cwd, Map<String, String> env, String redirects, List<String> argv) throws Exception {
    List<String> cmd = new ArrayList<>(List.of("/bin/sh", "-c",
        "exec setpriv --reuid=" + NOBODY + " --regid=" + NOBODY + " --clear-groups -- \"$@\" " + redirects, "sh"));
    cmd.addAll(argv);
    ProcessBuilder pb = new ProcessBuilder(cmd).directory(cwd.toFile()).redirectErrorStream(true)
        .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
    pb.environment().put("HOME", cwd.toString());
    pb.environment().put("PLUMBLINE_CDS", "0"); // nobody cannot write an archive next to the jar
    pb.environment().putAll(env);
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(300, TimeUnit.SECONDS), out);
    return new Run(p.exitValue(), out);
  }

  static Path keygen(Path where, String password) throws Exception {
    ProcessBuilder pb = new ProcessBuilder(LAUNCHER.toString(), "keygen", "--prefix", where.resolve("k").toString())
        .redirectErrorStream(true);
    pb.environment().put("PLUMBLINE_KEY_PASSWORD", password);
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes());
    assertEquals(0, p.waitFor(), out);
    return where.resolve("k.key");
  }

  /**
   * The attacker: everything it can see goes to loot/, then it signs a statement of its own
   * choosing with its own key, naming the real key's hint.
   */
  static final String ATTACK = String.join("\n",
      "loot=$PWD/loot; mkdir -p \"$loot\"",
      "env > \"$loot/self.env\"",
      "echo $$ > \"$loot/self.pid\"",
      "for p in /proc/[0-9]*; do",
      "  pid=${p#/proc/}",
      "  cat \"$p/environ\" > \"$loot/$pid.environ\" 2>/dev/null || rm -f \"$loot/$pid.environ\"",
      "  cat \"$p/cmdline\" > \"$loot/$pid.cmdline\" 2>/dev/null || rm -f \"$loot/$pid.cmdline\"",
      "  for f in \"$p\"/fd/*; do",
      "    [ -e \"$f\" ] || continue",
      "    timeout 1 cat \"$f\" > \"$loot/$pid.fd.${f##*/}\" 2>/dev/null",
      "  done",
      "  tr '\\0' '\\n' < \"$p/cmdline\" 2>/dev/null | while IFS= read -r a; do",
      "    case \"$a\" in /*) [ -f \"$a\" ] && cp \"$a\" \"$loot/$pid.file$(echo \"$a\" | tr / _)\" 2>/dev/null ;; esac",
      "  done",
      "done",
      "cat \"$KEYPATH\" > \"$loot/key-by-path\" 2>/dev/null || rm -f \"$loot/key-by-path\"",
      "echo product > out.txt",
      "sha=$(sha256sum out.txt | cut -c1-64)",
      "openssl ecparam -name prime256v1 -genkey -noout -out evil.key 2>/dev/null",
      "printf '%s' '{\"_type\":\"https://in-toto.io/Statement/v1\",\"predicate\":{\"agent\":{\"monitor\":\"ptrace+seccomp\",\"name\":\"plumbline\",\"version\":\"0\"},\"completeness\":{\"complete\":true,\"reasons\":[]},\"dns\":[],\"files\":[],\"invocation\":{\"argv\":[\"make\"]},\"network\":[],\"processes\":[],\"tools\":[]},\"predicateType\":\"https://plumbline.dev/attestation/build-environment/v1\",\"subject\":[{\"digest\":{\"sha256\":\"'$sha'\"},\"name\":\"out.txt\"}]}' > stmt",
      "printf 'DSSEv1 28 application/vnd.in-toto+json %d ' $(wc -c < stmt) | cat - stmt > pae",
      "openssl dgst -sha256 -sign evil.key -out sig pae",
      "hint=$(openssl pkey -pubin -in \"$PUBPATH\" -outform DER | openssl dgst -sha256 -binary | base64 -w0)",
      "printf '{\"dsseEnvelope\":{\"payload\":\"%s\",\"payloadType\":\"application/vnd.in-toto+json\",\"signatures\":[{\"keyid\":\"\",\"sig\":\"%s\"}]},\"mediaType\":\"application/vnd.dev.sigstore.bundle.v0.3+json\",\"verificationMaterial\":{\"publicKey\":{\"hint\":\"%s\"},\"tlogEntries\":[]}}' $(base64 -w0 stmt) $(base64 -w0 sig) \"$hint\" > forged.json",
      "cp forged.json b.json",
      "exit 0");

  @Test
  void aHostileBuildFindsNoSecretAndItsForgeryIsRejected() throws Exception {
    Path keys = Files.createDirectories(dir.resolve("keys"));
    String password = "pw-" + UUID.randomUUID();
    Path key = keygen(keys, password);
    Path pub = keys.resolve("k.pub");
    Files.setPosixFilePermissions(pub, PosixFilePermissions.fromString("rw-r--r--"));
    Files.setPosixFilePermissions(keys, PosixFilePermissions.fromString("rwx--x--x"));
    Path passwordFile = rootOnly(keys.resolve("password"), password + "\n");
    Path work = ownedByNobody("work");
    Files.writeString(work.resolve("attack.sh"), ATTACK);

    Map<String, String> secrets = Map.of(
        "PLUMBLINE_KEY_PASSWORD", password,
        "SIGSTORE_ID_TOKEN", "sigstore-token-" + UUID.randomUUID(),
        "ACTIONS_ID_TOKEN_REQUEST_TOKEN", "request-token-" + UUID.randomUUID(),
        "ACTIONS_ID_TOKEN_REQUEST_URL", "http://127.0.0.1:9/token-" + UUID.randomUUID(),
        "PLUMBLINE_PRIVATE_SETTING", "setting-" + UUID.randomUUID());
    Map<String, String> env = new java.util.HashMap<>(secrets);
    env.put("KEYPATH", key.toString());
    env.put("PUBPATH", pub.toString());
    Run run = asNobody(work, env, "3<" + key + " 4<" + passwordFile, List.of(LAUNCHER.toString(), "run",
        "--key", "/dev/fd/3", "--key-password-file", "/dev/fd/4", "--subject", "out.txt", "--bundle", "b.json",
        "--record", "record.json", "--", "/bin/sh", "attack.sh"));
    assertEquals(0, run.code(), run.output());
    assertFalse(run.output().contains("can read the signing key"), "a key on a descriptor is not readable: " + run.output());

    // the scan really ran: it saw its own environment and at least the processes of the build
    Path loot = work.resolve("loot");
    assertTrue(Files.readString(loot.resolve("self.env")).contains("KEYPATH="), "the attack ran");
    // …and read through /proc as it read everyone else's: its own shell's environ was captured
    String self = Files.readString(loot.resolve("self.pid")).strip();
    assertTrue(Files.readString(loot.resolve(self + ".environ")).contains("KEYPATH="), "the /proc scan works");
    assertFalse(Files.exists(loot.resolve("key-by-path")), "the key file is root's, 0600");

    List<String> forbidden = new ArrayList<>(secrets.values());
    forbidden.add(secrets.get("SIGSTORE_ID_TOKEN").substring("sigstore-token-".length()));
    // every base64 line of the (encrypted) private key
    Files.readAllLines(key).stream().filter(l -> !l.startsWith("-----")).forEach(forbidden::add);
    try (Stream<Path> files = Files.walk(loot)) {
      for (Path f : files.filter(Files::isRegularFile).toList()) {
        String content = new String(Files.readAllBytes(f), StandardCharsets.ISO_8859_1);
        for (String secret : forbidden) {
          assertFalse(content.contains(secret), "the build found a secret in " + f.getFileName());
        }
      }
    }
    JsonNode record = new ObjectMapper().readTree(work.resolve("record.json").toFile());
    assertEquals("same-user", record.at("/agent/trust").asText(), record.path("agent").toString());
    assertFalse(record.at("/agent/keyReadable").asBoolean(true), record.path("agent").toString());

    // the agent's bundle replaced the one the build planted; the forgery itself is rejected
    assertEquals(0, verify(work.resolve("b.json"), pub, work.resolve("out.txt")).code());
    Run forged = verify(work.resolve("forged.json"), pub, work.resolve("out.txt"));
    assertEquals(1, forged.code(), forged.output());
    assertTrue(forged.output().contains("REJECTED"), forged.output());
  }

  @Test
  void aKeyFileTheBuildCanReadIsNamedAndStrictRefusesIt() throws Exception {
    Path work = ownedByNobody("readable");
    Path key = keygen(work, ""); // not encrypted: the point here is the file's mode
    Files.setAttribute(key, "unix:uid", NOBODY);
    Map<String, String> env = Map.of();
    Run warned = asNobody(work, env, "", List.of(LAUNCHER.toString(), "run", "--key", key.toString(),
        "--record", "record.json", "--bundle", "b.json", "--", "/bin/true"));
    assertEquals(0, warned.code(), warned.output());
    List<String> warnings = warned.output().lines().filter(l -> l.contains("can read the signing key")).toList();
    assertEquals(1, warnings.size(), warned.output());
    assertTrue(warnings.get(0).contains("--key /dev/fd/3") && warnings.get(0).contains("--user"), warnings.get(0));
    JsonNode record = new ObjectMapper().readTree(work.resolve("record.json").toFile());
    assertTrue(record.at("/agent/keyReadable").asBoolean(false), record.path("agent").toString());

    Path marker = work.resolve("ran");
    Run strict = asNobody(work, env, "", List.of(LAUNCHER.toString(), "run", "--strict", "--key", key.toString(),
        "--bundle", "b2.json", "--", "/bin/touch", marker.toString()));
    assertEquals(125, strict.code(), strict.output());
    assertFalse(Files.exists(marker), "--strict refuses before the build runs");
  }

  static Run verify(Path bundle, Path pub, Path artifact) throws Exception {
    Process p = new ProcessBuilder(LAUNCHER.toString(), "verify", "--bundle", bundle.toString(), "--key", pub.toString(),
        artifact.toString()).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(120, TimeUnit.SECONDS), out);
    return new Run(p.exitValue(), out);
  }
}
