package dev.plumbline.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.plumbline.record.BuildRecord;
import dev.plumbline.record.BuildRecord.Exec;
import dev.plumbline.record.BuildRecord.ProcessInfo;
import dev.plumbline.record.BuildRecord.Tool;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Build outputs in policies: {@code policy init} learns a binary the build wrote and ran by its
 * path under the working directory and its writers, without digest, so the next commit (new digest,
 * maybe another checkout directory) passes while a tool outside the learned rules still fails.
 */
class PolicyBuildOutputsTest {
  static final String LD_PATH = "/usr/bin/x86_64-linux-gnu-ld.bfd";
  static final String HELLO_A = "6f".repeat(32);
  static final String HELLO_B = "7a".repeat(32);

  /** Build A plus `make check`: ld wrote {@code <workdir>/build/hello}, then it ran. */
  static TestRecords.Builder withCheck(String workdir, String sha, String writer) {
    TestRecords.Builder b = TestRecords.buildA();
    String path = workdir + "/build/hello";
    b.tools.add(new Tool(path, sha, 1, new BuildRecord.BuildOutput("build/hello", List.of(writer))));
    b.processes.add(new ProcessInfo(110, 100, "2026-11-20T10:00:03.7Z", "2026-11-20T10:00:03.8Z", 0, null, false,
        List.of(new Exec(path, sha, List.of("./build/hello", "world"), workdir, "2026-11-20T10:00:03.7Z", null))));
    b.write("build/hello", false, writer, "create", "write");
    return b;
  }

  static Evaluation evaluate(Policy p, TestRecords.Builder b) {
    return PolicyLearnerTest.EVAL.evaluate(p, Evidence.ofRecord(b.build(), "b.json"));
  }

  static Policy learnedFromA() throws PolicyException {
    return PolicyLearnerTest.learnFrom(Evidence.ofRecord(withCheck("/src", HELLO_A, LD_PATH).build(), "a.json"));
  }

  @Test
  void learnsTheOutputByWorkspacePathAndWriterWithoutDigest() throws Exception {
    String yaml = PolicyLearner.learn(Evidence.ofRecord(withCheck("/src", HELLO_A, LD_PATH).build(), "a.json"), PolicyLearnerTest.NOW);
    assertTrue(yaml.contains("- buildOutput: \"build/hello\""), yaml);
    assertFalse(yaml.contains(HELLO_A), "no digest of the output is pinned:\n" + yaml);
    assertFalse(yaml.contains("\"/src/build/hello\""), "no absolute path of the output is pinned:\n" + yaml);
    Policy p = learnedFromA();
    Policy.ToolRule rule = p.tools().allowed().stream().filter(t -> t.buildOutput() != null).findFirst().orElseThrow();
    assertEquals("build/hello", rule.buildOutput().pattern());
    assertEquals(List.of(Glob.of(LD_PATH)), rule.writtenBy());
    assertEquals(null, rule.sha256());
  }

  @Test
  void theNextCommitPassesWithANewDigestInAnotherDirectory() throws Exception {
    Policy p = learnedFromA();
    Evaluation onA = evaluate(p, withCheck("/src", HELLO_A, LD_PATH));
    assertTrue(onA.passed(), onA.violations().toString());
    Evaluation onB = evaluate(p, withCheck("/home/runner/work/hello", HELLO_B, LD_PATH));
    assertTrue(onB.passed(), onB.violations().toString());
  }

  @Test
  void anExtraToolIsStillRejected() throws Exception {
    Policy p = learnedFromA();
    TestRecords.Builder b = withCheck("/src", HELLO_B, LD_PATH);
    b.tool("/usr/bin/curl", TestRecords.CURL, 120, 100, "2026-11-20T10:00:03.9Z", "2026-11-20T10:00:04Z", "curl", "x");
    Evaluation e = evaluate(p, b);
    assertEquals(List.of("tools.allowed"), e.violations().stream().map(Evaluation.Violation::rule).toList());
    assertEquals("a tool not in the allowlist ran", e.violations().get(0).message());
  }

  @Test
  void aBinaryAtTheOutputPathThatTheBuildDidNotWriteIsRejected() throws Exception {
    Policy p = learnedFromA();
    TestRecords.Builder b = withCheck("/src", HELLO_B, LD_PATH);
    b.tools.replaceAll(t -> t.buildOutput() != null ? new Tool(t.path(), t.sha256(), t.count()) : t);
    Evaluation e = evaluate(p, b);
    assertEquals(1, e.violations().size(), e.violations().toString());
    assertEquals("a tool not in the allowlist ran", e.violations().get(0).message());
    assertTrue(e.violations().get(0).evidence().startsWith("/src/build/hello sha256:" + HELLO_B), e.violations().get(0).evidence());
  }

  @Test
  void anOutputWrittenByAnotherProgramOrAtAnotherPathIsRejected() throws Exception {
    Policy p = learnedFromA();
    Evaluation copied = evaluate(p, withCheck("/src", HELLO_B, "/usr/bin/cp"));
    assertEquals(1, copied.violations().size(), copied.violations().toString());
    assertEquals("a build output was written by a program the policy does not list", copied.violations().get(0).message());
    assertTrue(copied.violations().get(0).evidence().contains("build output build/hello written by /usr/bin/cp"),
        copied.violations().get(0).evidence());

    TestRecords.Builder elsewhere = withCheck("/src", HELLO_B, LD_PATH);
    elsewhere.tools.replaceAll(t -> t.buildOutput() != null
        ? new Tool(t.path(), t.sha256(), 1, new BuildRecord.BuildOutput("build/evil", List.of(LD_PATH))) : t);
    Evaluation e = evaluate(p, elsewhere);
    assertEquals("a build output not in the allowlist ran", e.violations().get(0).message());
  }

  @Test
  void forbiddenDigestsCatchABuildOutputToo() throws Exception {
    Policy p = PolicyLoader.parse("apiVersion: plumbline.dev/v1\nkind: BuildPolicy\ntools:\n  forbidden:\n    - sha256: [\"sha256:" + HELLO_B + "\"]\n"
        + "    - buildOutput: \"build/evil*\"\n", "p.yaml", false);
    Evaluation e = evaluate(p, withCheck("/src", HELLO_B, LD_PATH));
    assertEquals(List.of("tools.forbidden"), e.violations().stream().map(Evaluation.Violation::rule).toList());
    assertTrue(evaluate(p, withCheck("/src", HELLO_A, LD_PATH)).passed());
  }

  /** Build A plus a generated {@code #!} script (configure writes config.status, then sh runs it). */
  static TestRecords.Builder withGeneratedScript(String workdir, String sha, boolean written) {
    TestRecords.Builder b = TestRecords.buildA();
    BuildRecord.BuildOutput out = written ? new BuildRecord.BuildOutput("config.status", List.of("/usr/bin/dash")) : null;
    b.processes.add(new ProcessInfo(111, 100, "2026-11-20T10:00:03.7Z", "2026-11-20T10:00:03.8Z", 0, null, false,
        List.of(new Exec("/usr/bin/dash", TestRecords.SH, List.of("/bin/sh", "./config.status"), workdir, "2026-11-20T10:00:03.7Z",
            new BuildRecord.Script(workdir + "/config.status", sha, out)))));
    return b;
  }

  @Test
  void aGeneratedScriptIsLearnedByWorkspacePathAndItsInterpreterByDigest() throws Exception {
    Policy p = PolicyLearnerTest.learnFrom(Evidence.ofRecord(withGeneratedScript("/src", HELLO_A, true).build(), "a.json"));
    assertTrue(p.tools().allowed().stream().anyMatch(t -> t.buildOutput() != null && t.buildOutput().pattern().equals("config.status")));
    assertTrue(evaluate(p, withGeneratedScript("/other", HELLO_B, true)).passed(), "a regenerated script in another checkout passes");
    Evaluation notWritten = evaluate(p, withGeneratedScript("/src", HELLO_B, false));
    assertEquals(List.of("tools.allowed"), notWritten.violations().stream().map(Evaluation.Violation::rule).toList(),
        "a script the build did not write is held to path and digest");
    assertTrue(notWritten.violations().get(0).evidence().startsWith("/src/config.status sha256:" + HELLO_B), notWritten.violations().toString());
  }

  @Test
  void theLoaderRejectsMixedOrAbsoluteOutputRules() {
    String head = "apiVersion: plumbline.dev/v1\nkind: BuildPolicy\ntools:\n  allowed:\n";
    PolicyException both = assertThrows(PolicyException.class,
        () -> PolicyLoader.parse(head + "    - path: \"/usr/bin/make\"\n      buildOutput: \"build/x\"\n", "p.yaml", false));
    assertTrue(both.getMessage().contains("a path or a buildOutput, not both"), both.getMessage());
    PolicyException absolute = assertThrows(PolicyException.class,
        () -> PolicyLoader.parse(head + "    - buildOutput: \"/src/build/x\"\n", "p.yaml", false));
    assertTrue(absolute.getMessage().contains("relative to the build's working directory"), absolute.getMessage());
    PolicyException writer = assertThrows(PolicyException.class,
        () -> PolicyLoader.parse(head + "    - path: \"/usr/bin/make\"\n      writtenBy: [\"/usr/bin/ld\"]\n", "p.yaml", false));
    assertTrue(writer.getMessage().contains("writtenBy needs a buildOutput"), writer.getMessage());
  }
}
