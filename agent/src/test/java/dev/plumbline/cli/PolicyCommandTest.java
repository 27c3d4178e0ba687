package dev.plumbline.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.plumbline.policy.Policy;
import dev.plumbline.policy.PolicyLoader;
import dev.plumbline.policy.TestFiles;
import dev.plumbline.policy.TestRecords;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class PolicyCommandTest {
  @TempDir Path dir;

  record Result(int code, String out, String err) {}

  static Result run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cl = Main.commandLine();
    cl.setOut(new PrintWriter(out));
    cl.setErr(new PrintWriter(err));
    int code = cl.execute(args);
    return new Result(code, out.toString(), err.toString());
  }

  @Test
  void initThenCheckPassesAAndRejectsBNamingBoth() throws Exception {
    Path a = TestFiles.record(dir, "a.json", TestRecords.buildA().build());
    Path b = TestFiles.record(dir, "b.json", TestRecords.buildB().build());
    Path policy = dir.resolve("policy.yaml");
    Result init = run("policy", "init", "--record", a.toString(), "--output", policy.toString());
    assertEquals(0, init.code(), init.err());
    assertTrue(Files.readString(policy).contains("# Plumbline build policy"), "the policy is commented");

    Result onA = run("policy", "check", "--policy", policy.toString(), "--record", a.toString());
    assertEquals(0, onA.code(), onA.out() + onA.err());
    assertTrue(onA.out().startsWith("policy src: PASSED"), onA.out());
    assertTrue(onA.out().contains("PASSED"), onA.out());

    Result onB = run("policy", "check", "--policy", policy.toString(), "--record", b.toString());
    assertEquals(ExitCodes.REJECTED, onB.code(), onB.out());
    assertTrue(onB.out().contains("REJECTED (2 violations"), onB.out());
    assertTrue(onB.out().contains("/usr/bin/curl sha256:" + TestRecords.CURL), onB.out());
    assertTrue(onB.out().contains("evil.example.net:443 (203.0.113.9:443/tcp)"), onB.out());

    Result json = run("policy", "check", "--policy", policy.toString(), "--record", b.toString(), "--format", "json");
    assertEquals(ExitCodes.REJECTED, json.code());
    var node = new com.fasterxml.jackson.databind.ObjectMapper().readTree(json.out());
    assertFalse(node.get("passed").asBoolean());
    Result md = run("policy", "check", "--policy", policy.toString(), "--record", b.toString(), "--format", "markdown");
    assertTrue(md.out().contains("| tools.allowed |"), md.out());
  }

  @Test
  void initRefusesToOverwriteWithoutForce() throws Exception {
    Path a = TestFiles.record(dir, "a.json", TestRecords.buildA().build());
    Path policy = Files.writeString(dir.resolve("policy.yaml"), "mine");
    Result r = run("policy", "init", "--record", a.toString(), "--output", policy.toString());
    assertEquals(ExitCodes.USAGE, r.code());
    assertTrue(r.err().contains("exists (use --force"), r.err());
    assertEquals("mine", Files.readString(policy));
    assertEquals(0, run("policy", "init", "--record", a.toString(), "--output", policy.toString(), "--force").code());
    assertTrue(Files.readString(policy).startsWith("# Plumbline"));
  }

  @Test
  void initFromBundleLearnsCiContext() throws Exception {
    Path bundle = TestFiles.bundle(dir, "a.sigstore.json", TestRecords.buildA().build(), "octo/hello");
    Result r = run("policy", "init", "--bundle", bundle.toString(), "--output", "-");
    assertEquals(0, r.code(), r.err());
    assertTrue(r.out().contains("repository: \"octo/hello\""), r.out());
    assertTrue(r.err().contains("without verifying"), r.err());
  }

  /** Malformed policies through Main.run: one line on stderr, exit 2. */
  @Test
  void malformedPoliciesAreOneLineUsageErrors() throws Exception {
    Path a = TestFiles.record(dir, "a.json", TestRecords.buildA().build());
    String header = "apiVersion: plumbline.dev/v1\nkind: BuildPolicy\n";
    String[][] cases = {
      {"syntax.yaml", header + "trace:\n  requireComplete: [true\n", "syntax.yaml:5: YAML syntax error"},
      {"unknown.yaml", header + "trace:\n  requireCompleted: true\n", "unknown.yaml:4: unknown field 'requireCompleted' in trace"},
      {"type.yaml", header + "tools:\n  allowed: /usr/bin/make\n", "type.yaml:4: tools.allowed: expected a list, got a string"},
      {"value.yaml", header + "egress:\n  allowed: ['example.com:99999']\n", "value.yaml:4: egress.allowed[0]: bad destination"},
      {"version.yaml", "apiVersion: plumbline.dev/v9\nkind: BuildPolicy\n", "version.yaml:1: apiVersion: unsupported apiVersion"},
      {"bad.json", "{\"apiVersion\": \"plumbline.dev/v1\", \"kind\": \"BuildPolicy\", \"maxAge\": 5}", "bad.json:1: maxAge: expected a string, got a number"},
    };
    for (String[] c : cases) {
      Path p = Files.writeString(dir.resolve(c[0]), c[1]);
      Result r = run("policy", "check", "--policy", p.toString(), "--record", a.toString());
      assertEquals(ExitCodes.USAGE, r.code(), c[0] + ": " + r.err());
      String line = r.err().strip();
      assertFalse(line.contains("\n"), c[0] + " is one line: " + r.err());
      assertTrue(line.startsWith("plumbline: " + dir.resolve(c[2])), c[0] + ": " + line);
      assertFalse(line.contains("Exception"), line);
    }
    Result missing = run("policy", "check", "--policy", dir.resolve("nope.yaml").toString(), "--record", a.toString());
    assertEquals(ExitCodes.USAGE, missing.code());
    assertTrue(missing.err().contains("no such policy file"), missing.err());
  }

  @Test
  void aPolicyOverTheSizeLimitIsOneLineAndUsageExit() throws Exception {
    Path a = TestFiles.record(dir, "a.json", TestRecords.buildA().build());
    StringBuilder big = new StringBuilder("apiVersion: plumbline.dev/v1\nkind: BuildPolicy\ntools:\n  allowed:\n");
    while (big.length() <= PolicyLoader.MAX_BYTES) {
      big.append("    - path: /usr/lib/tool-").append(big.length()).append("/bin/x\n");
    }
    Path p = Files.writeString(dir.resolve("big.yaml"), big);
    Result r = run("policy", "check", "--policy", p.toString(), "--record", a.toString());
    assertEquals(ExitCodes.USAGE, r.code(), r.err());
    assertEquals("plumbline: " + p + ": policy too large: " + Files.size(p) + " bytes, the limit is 1048576 (1 MiB)", r.err().strip());
    Path line = Files.writeString(dir.resolve("line.yaml"), "apiVersion: plumbline.dev/v1\nkind: BuildPolicy\n# " + "x".repeat(20_000) + "\n");
    r = run("policy", "check", "--policy", line.toString(), "--record", a.toString());
    assertEquals(ExitCodes.USAGE, r.code(), r.err());
    assertEquals("plumbline: " + line + ":3: line is longer than 16384 characters", r.err().strip());
  }

  @Test
  void aLargePolicyUnderTheLimitLoads() throws Exception {
    // a learned policy of a very large build: every tool with its digest, just under 1 MiB
    Path a = TestFiles.record(dir, "a.json", TestRecords.buildA().build());
    StringBuilder big = new StringBuilder("apiVersion: plumbline.dev/v1\nkind: BuildPolicy\ntools:\n  allowed:\n");
    String entry = "    - path: /usr/lib/tool-%07d/bin/x\n      sha256: [\"sha256:%064x\"]\n";
    int n = 0;
    while (big.length() + entry.length() + 200 < PolicyLoader.MAX_BYTES) {
      big.append(String.format(entry, n, n));
      n++;
    }
    big.append("egress:\n  allowed: ['*.debian.org:443']\n");
    Path p = Files.writeString(dir.resolve("large.yaml"), big);
    Policy policy = PolicyLoader.load(p);
    assertEquals(n, policy.tools().allowed().size());
    Result r = run("policy", "check", "--policy", p.toString(), "--record", a.toString());
    assertEquals(1, r.code(), "loaded and evaluated: build A's tools are not in it: " + r.err());
    assertTrue(r.out().contains("FAIL tools.allowed"), r.out());
  }

  @Test
  void unreadableEvidenceIsAUsageError() throws Exception {
    Path policy = Files.writeString(dir.resolve("p.yaml"), "apiVersion: plumbline.dev/v1\nkind: BuildPolicy\n");
    Path broken = Files.writeString(dir.resolve("broken.json"), "{\"tools\": [");
    Result r = run("policy", "check", "--policy", policy.toString(), "--record", broken.toString());
    assertEquals(ExitCodes.USAGE, r.code());
    assertTrue(r.err().startsWith("plumbline: " + broken + ":1: malformed JSON"), r.err());
    Result both = run("policy", "init", "--record", "a", "--bundle", "b", "--output", "-");
    assertEquals(ExitCodes.USAGE, both.code());
  }
}
