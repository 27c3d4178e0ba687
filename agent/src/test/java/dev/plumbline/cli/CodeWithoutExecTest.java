package dev.plumbline.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import dev.plumbline.attest.CanonicalJson;
import dev.plumbline.testing.Cli;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 11.7, code that runs without an exec of its own, done for real under {@code plumbline run}:
 * an LD_PRELOAD and an LD_AUDIT object built here with gcc, a program given to the dynamic loader,
 * a library dlopen'ed and dlclose'd again before the process ends, a file made executable with
 * mprotect after a read-only mmap, and scripts handed to interpreters as a file argument or on
 * standard input. Each must be in the record with the sha256 of its bytes; the libraries of a
 * real mix of programs are compared with what strace saw mapped.
 */
@Tag("needs-ptrace")
class CodeWithoutExecTest {
  private static final String LOADER = "/lib64/ld-linux-x86-64.so.2";

  @TempDir static Path dir;
  static Path bin;

  @BeforeAll
  static void compile() throws Exception {
    bin = Files.createDirectories(dir.resolve("bin")).toRealPath();
    gcc("preload", "-shared", "-fPIC", "-o", "libpreload.so");
    gcc("audit", "-shared", "-fPIC", "-o", "libaudit.so");
    gcc("plugin", "-shared", "-fPIC", "-o", "libplugin.so");
    gcc("dlopener", "-o", "dlopener", "-ldl");
    gcc("mprotector", "-o", "mprotector");
    gcc("hello", "-o", "hello");
    gcc("interpswap", "-o", "interpswap");
    gcc("fakeld", "-nostdlib", "-static-pie", "-fPIE", "-fno-stack-protector", "-o", "fakeld");
  }

  private static void gcc(String name, String... args) throws Exception {
    Path src = bin.resolve(name + ".c");
    try (InputStream in = CodeWithoutExecTest.class.getResourceAsStream("/libraries/" + name + ".c")) {
      Files.copy(in, src);
    }
    List<String> cmd = new ArrayList<>(List.of("gcc", "-O1", src.toString()));
    for (String a : args) {
      cmd.add(a.startsWith("-") || a.isEmpty() ? a : bin.resolve(a).toString());
    }
    // -ldl and -o's file: the library flag must come after the source
    Process p = new ProcessBuilder(cmd).directory(bin.toFile()).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (p.waitFor() != 0) {
      throw new IOException("gcc failed on " + name + ": " + out);
    }
  }

  /** Runs {@code sh -c SCRIPT} in a fresh directory under plumbline and returns the record. */
  private static JsonNode traced(String name, String script) throws Exception {
    Path work = Files.createDirectories(dir.resolve(name));
    Path record = work.resolve("record.json");
    Cli.Result r = Cli.run("run", "--record", record.toString(), "--", "sh", "-c", "cd " + work + " && " + script);
    assertEquals(0, r.code(), r.err());
    JsonNode rec = CanonicalJson.mapper().readTree(record.toFile());
    assertTrue(rec.at("/completeness/complete").asBoolean(), rec.at("/completeness").toString());
    return rec;
  }

  private static JsonNode library(JsonNode record, Path path) throws IOException {
    String real = path.toRealPath().toString();
    for (JsonNode l : record.path("libraries")) {
      if (l.path("path").asText().equals(real)) {
        return l;
      }
    }
    fail(real + " is not among the record's libraries: " + record.path("libraries"));
    return null;
  }

  private static String sha256(Path f) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(f)));
  }

  private static List<String> texts(JsonNode array) {
    List<String> out = new ArrayList<>();
    array.forEach(n -> out.add(n.asText()));
    return out;
  }

  @Test
  void preloadedAndAuditObjectsAreRecordedWithTheirDigest() throws Exception {
    Path preload = bin.resolve("libpreload.so");
    Path audit = bin.resolve("libaudit.so");
    JsonNode rec = traced("preload", "LD_PRELOAD=" + preload + " /bin/true && LD_AUDIT=" + audit + " /bin/true");
    JsonNode p = library(rec, preload);
    assertEquals(sha256(preload), p.path("sha256").asText());
    assertEquals(List.of("mmap"), texts(p.path("how")));
    assertTrue(texts(p.path("processes")).contains(Path.of("/bin/true").toRealPath().toString()), p.toString());
    JsonNode a = library(rec, audit);
    assertEquals(sha256(audit), a.path("sha256").asText());
  }

  @Test
  void aProgramGivenToTheDynamicLoaderIsRecorded() throws Exception {
    Path hello = bin.resolve("hello");
    JsonNode rec = traced("loader", LOADER + " " + hello);
    JsonNode lib = library(rec, hello);
    assertEquals(sha256(hello), lib.path("sha256").asText(), "the program ld.so mapped, with its digest");
    JsonNode script = scriptOf(rec, "ld-linux-x86-64.so.2");
    assertEquals(hello.toString(), script.path("path").asText());
    assertEquals(sha256(hello), script.path("sha256").asText());
    assertEquals("argument", script.path("via").asText());
  }

  @Test
  void aLibraryDlopenedAndDlclosedBeforeExitIsRecorded() throws Exception {
    Path plugin = bin.resolve("libplugin.so");
    JsonNode rec = traced("dlopen", bin.resolve("dlopener") + " " + plugin);
    JsonNode lib = library(rec, plugin);
    assertEquals(sha256(plugin), lib.path("sha256").asText());
    assertEquals(List.of(bin.resolve("dlopener").toString()), texts(lib.path("processes")));
  }

  @Test
  void aFileMadeExecutableWithMprotectIsRecorded() throws Exception {
    Path plugin = bin.resolve("libplugin.so");
    Path copy = Files.copy(plugin, bin.resolve("mprotected.so"));
    JsonNode rec = traced("mprotect", bin.resolve("mprotector") + " " + copy);
    JsonNode lib = library(rec, copy);
    assertEquals(sha256(copy), lib.path("sha256").asText());
    assertEquals(List.of("mprotect"), texts(lib.path("how")));
  }

  /**
   * The attack on the interpreter's name: in a mount namespace of its own the build gives a fake
   * interpreter (a static program that prints a marker) the real loader's inode number on a tmpfs
   * and bind-mounts it over the loader, then runs a dynamic program. The maps name the loader's
   * path with that inode number; the agent's file of that name has it too, on another device. The
   * record must never give the fake the real loader's digest: it hashes what ran or says it could
   * not, and is then incomplete.
   */
  @Test
  void aFakeInterpreterWithTheLoadersInodeNumberIsNotGivenTheLoadersDigest() throws Exception {
    Path work = Files.createDirectories(dir.resolve("interpswap"));
    Path mnt = Files.createDirectories(work.resolve("mnt"));
    Path record = work.resolve("record.json");
    Path loader = Path.of(LOADER).toRealPath();
    Path out = work.resolve("out.txt");
    Cli.Result r = Cli.run("run", "--record", record.toString(), "--", "sh", "-c", "unshare -Urm " + bin.resolve("interpswap")
        + " " + mnt + " " + bin.resolve("fakeld") + " " + LOADER + " /bin/true > " + out);
    assertEquals(0, r.code(), r.err());
    assertTrue(Files.readString(out).contains("FAKE-INTERPRETER-RAN"), "the fake interpreter ran: " + Files.readString(out) + r.err());
    JsonNode rec = CanonicalJson.mapper().readTree(record.toFile());
    String real = sha256(loader);
    String fake = sha256(bin.resolve("fakeld"));
    String trueExe = Path.of("/bin/true").toRealPath().toString();
    boolean fakeHashed = false;
    boolean listed = false;
    for (JsonNode l : rec.path("libraries")) {
      if (texts(l.path("processes")).stream().anyMatch(p -> p.endsWith(trueExe))) {
        listed = true;
        assertNotEquals(real, l.path("sha256").asText(), "the fake interpreter given the real loader's digest: " + l);
        fakeHashed |= fake.equals(l.path("sha256").asText());
      }
    }
    assertTrue(listed, "the interpreter of " + trueExe + " is listed, hashed or not: " + rec.path("libraries"));
    if (!fakeHashed) {
      assertFalse(rec.at("/completeness/complete").asBoolean(), "what ran is not hashed, yet the record is complete: "
          + rec.path("libraries") + rec.at("/completeness"));
      assertTrue(rec.at("/completeness").toString().contains(loader.getFileName().toString()), rec.at("/completeness").toString());
    }
  }

  @Test
  void theElfInterpreterIsRecordedForEveryDynamicProgram() throws Exception {
    JsonNode rec = traced("interp", "/bin/true");
    JsonNode ld = library(rec, Path.of(LOADER));
    assertEquals(sha256(Path.of(LOADER)), ld.path("sha256").asText());
    assertEquals(List.of("interpreter"), texts(ld.path("how")));
    JsonNode libc = library(rec, Path.of("/lib/x86_64-linux-gnu/libc.so.6"));
    assertEquals(sha256(Path.of("/lib/x86_64-linux-gnu/libc.so.6")), libc.path("sha256").asText());
  }

  /** The script of the (last) exec whose path ends in {@code program}. */
  private static JsonNode scriptOf(JsonNode rec, String program) {
    JsonNode found = null;
    for (JsonNode p : rec.path("processes")) {
      for (JsonNode e : p.path("execs")) {
        if (e.path("path").asText().endsWith("/" + program) && e.has("script")) {
          found = e.path("script");
        }
      }
    }
    assertNotNull(found, "an exec of " + program + " with a script: " + rec.path("processes"));
    return found;
  }

  private static Map<String, JsonNode> scripts(JsonNode rec) {
    Map<String, JsonNode> out = new HashMap<>();
    for (JsonNode p : rec.path("processes")) {
      for (JsonNode e : p.path("execs")) {
        if (e.has("script")) {
          out.put(e.path("script").path("path").asText() + " " + e.path("argv").path(0).asText(), e.path("script"));
        }
      }
    }
    return out;
  }

  @Test
  void scriptsGivenToInterpretersAsFilesOrOnStandardInputAreRecorded() throws Exception {
    Path work = Files.createDirectories(dir.resolve("scripts"));
    // no #! line in any of them: only the interpreter's argument or its stdin says they are code
    Path sh = Files.writeString(work.resolve("build.sh"), "echo sh\n");
    Path bash = Files.writeString(work.resolve("traced.bash"), "echo bash\n");
    Path stdin = Files.writeString(work.resolve("stdin.sh"), "echo stdin\n");
    Path py = Files.writeString(work.resolve("gen.py"), "print('python')\n");
    Path pl = Files.writeString(work.resolve("gen.pl"), "print \"perl\\n\";\n");
    JsonNode rec = traced("scripts", "cd " + work + " && sh build.sh && bash -x traced.bash && sh < stdin.sh"
        + " && /usr/bin/python3 -W ignore gen.py && perl -w gen.pl");
    Map<String, JsonNode> found = scripts(rec);
    check(found, sh, "sh", "argument");
    check(found, bash, "bash", "argument");
    check(found, stdin, "sh", "stdin");
    check(found, py, "/usr/bin/python3", "argument");
    check(found, pl, "perl", "argument");
  }

  @Test
  @Tag("needs-node")
  void aScriptGivenToNodeIsRecorded() throws Exception {
    Path work = Files.createDirectories(dir.resolve("node"));
    Path js = Files.writeString(work.resolve("gen.js"), "console.log('node');\n");
    JsonNode rec = traced("node-run", "cd " + work + " && node gen.js");
    check(scripts(rec), js, "node", "argument");
  }

  private static void check(Map<String, JsonNode> found, Path script, String argv0, String via) throws Exception {
    JsonNode s = found.get(script + " " + argv0);
    assertNotNull(s, script + " run by " + argv0 + " among " + found.keySet());
    assertEquals(sha256(script), s.path("sha256").asText());
    assertEquals(via, s.path("via").asText());
  }

  /**
   * Ground truth: every file strace sees mapped with PROT_EXEC from a descriptor (openat ... = N,
   * then mmap(..., PROT_EXEC, ..., N, ...)) is among the record's libraries, and the record has
   * nothing else mapped that way.
   */
  @Test
  void theLibrariesAreTheOnesStraceSeesMapped() throws Exception {
    if (!Files.isExecutable(Path.of("/usr/bin/strace"))) {
      fail("needs strace (apt-get install strace)");
    }
    String script = "/usr/bin/python3 -c 'import ssl, lzma, ctypes' && ls / >/dev/null && xz --version >/dev/null"
        + " && " + bin.resolve("dlopener") + " " + bin.resolve("libplugin.so") + " >/dev/null";
    Path log = dir.resolve("strace.log");
    Process p = new ProcessBuilder("strace", "-f", "-qq", "-e", "trace=openat,open,mmap", "-o", log.toString(),
        "sh", "-c", script).redirectErrorStream(true).start();
    p.getInputStream().readAllBytes();
    assertEquals(0, p.waitFor());
    Set<String> strace = execMappedFiles(Files.readAllLines(log));
    assertTrue(strace.size() > 5, "strace saw libraries mapped: " + strace);

    JsonNode rec = traced("strace-compare", script);
    Set<String> ours = new TreeSet<>();
    for (JsonNode l : rec.path("libraries")) {
      if (texts(l.path("how")).contains("mmap")) {
        ours.add(Path.of(l.path("path").asText()).toRealPath().toString());
      }
      assertTrue(l.path("sha256").asText().matches("[0-9a-f]{64}"), l.toString());
    }
    assertEquals(strace, ours);
  }

  private static final Pattern OPEN = Pattern.compile("^(\\d+)\\s+open(?:at)?\\((?:[A-Z_]+, )?\"([^\"]+)\".*\\) = (\\d+)$");
  private static final Pattern MMAP = Pattern.compile("^(\\d+)\\s+mmap\\([^,]+, \\d+, ([A-Z_|]+), ([A-Z_|]+), (\\d+), .*");

  static Set<String> execMappedFiles(List<String> lines) throws IOException {
    Map<String, String> fds = new HashMap<>();
    Set<String> out = new TreeSet<>();
    for (String line : lines) {
      Matcher o = OPEN.matcher(line);
      if (o.matches()) {
        fds.put(o.group(1) + ":" + o.group(3), o.group(2));
        continue;
      }
      Matcher m = MMAP.matcher(line);
      if (m.matches() && m.group(2).contains("PROT_EXEC") && !m.group(3).contains("MAP_ANONYMOUS")) {
        String path = fds.get(m.group(1) + ":" + m.group(4));
        assertNotNull(path, "an open for " + line);
        out.add(Path.of(path).toRealPath().toString());
      }
    }
    return out;
  }
}
