package dev.plumbline.qa;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 11 item 8, performed for real: a traced build whose tool name, argv, tracked source and
 * product carry ESC sequences, CR/LF, BEL, a bidi override and GitHub workflow commands on a line of
 * their own. The text that plumbline prints about it (run summary, verify, policy check, markdown
 * report) must contain no raw control or bidi character and no line that a CI runner would take as
 * a workflow command — while still showing the names, escaped.
 */
class TerminalInjectionIT {
  private static final Path ROOT = Path.of(System.getProperty("plumbline.root", "..")).toAbsolutePath().normalize();
  private static final Path PLUMBLINE = ROOT.resolve("scripts/plumbline");

  /** printf formats (octal escapes) of the crafted names; the shell makes the bytes, Java passes ASCII. */
  private static final String TOOL = "evil\\033[2K\\r\\n::error::pwned-tool\\342\\200\\256";
  private static final String TRACKED = "src\\033[2K\\n::error::tracked-file.c";
  /** Passed raw (ASCII controls only: the JVM may not encode non-ASCII arguments). */
  private static final String ARG = "arg\u001b]0;title\u0007\n::warning::argv";
  /** Starts with a workflow command: verify lists subjects one per line, indented. */
  private static final String PRODUCT = "::error::out\\033[2K\\n##[error]subject.txt";

  @TempDir Path dir;

  record Result(int exit, String out, String err) {}

  private Result run(List<String> command) throws IOException, InterruptedException {
    ProcessBuilder pb = new ProcessBuilder(command).directory(dir.toFile());
    pb.environment().put("LC_ALL", "C.UTF-8");
    pb.redirectOutput(dir.resolve(".out").toFile()).redirectError(dir.resolve(".err").toFile());
    Process p = pb.start();
    if (!p.waitFor(3, TimeUnit.MINUTES)) {
      p.destroyForcibly();
      throw new AssertionError(command + " did not finish");
    }
    return new Result(p.exitValue(), Files.readString(dir.resolve(".out"), StandardCharsets.UTF_8),
        Files.readString(dir.resolve(".err"), StandardCharsets.UTF_8));
  }

  private Result plumbline(String... args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>();
    command.add(PLUMBLINE.toString());
    command.addAll(List.of(args));
    return run(command);
  }

  @Test
  void craftedNamesCannotRewriteTheTerminalOrIssueWorkflowCommands() throws Exception {
    // a checkout with a tracked source whose name is crafted (made by the shell: the bytes are the point)
    Result setup = run(List.of("sh", "-c", "set -e; git init -q .; git config user.email t@example.com;"
        + " git config user.name t; printf 'int x;\\n' > \"$(printf '" + TRACKED + "')\";"
        + " git add -A; git commit -qm init"));
    assertEquals(0, setup.exit(), setup.err());
    assertEquals(0, plumbline("keygen").exit());

    // the build (its own argument crafted): copies a tool to a crafted name and runs it, with the
    // crafted argument, to truncate the tracked source; it leaves a product with a crafted name
    String build = "n=$(printf '" + TOOL + "'); cp /usr/bin/env \"$n\";"
        + " ./\"$n\" \"X=$1\" /usr/bin/truncate -s 0 \"$(printf '" + TRACKED + "')\";"
        + " printf x > \"$(printf '" + PRODUCT + "')\"";
    Result traced = plumbline("run", "--key", "plumbline.key", "--record", "build.json", "--subject", "*subject.txt", "--",
        "sh", "-c", build, "sh", ARG);
    assertEquals(0, traced.exit(), traced.err());
    String x = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest("x".getBytes(StandardCharsets.US_ASCII)));
    Result verify = plumbline("verify", "--bundle", "plumbline.sigstore.json", "--key", "plumbline.pub", "sha256:" + x);
    assertEquals(0, verify.exit(), verify.err());
    Files.writeString(dir.resolve("policy.yaml"), "apiVersion: plumbline.dev/v1\nkind: BuildPolicy\n"
        + "trace:\n  noSourceWrites: true\ntools:\n  allowed:\n    - path: \"/usr/bin/*\"\n");
    Result policy = plumbline("policy", "check", "--policy", "policy.yaml", "--record", "build.json");
    assertEquals(1, policy.exit(), policy.out() + policy.err());
    Result report = plumbline("report", "--record", "build.json");
    assertEquals(0, report.exit(), report.err());

    // the record holds the raw names (it is evidence): the checks below are not vacuous
    String record = Files.readString(dir.resolve("build.json"), StandardCharsets.UTF_8);
    assertTrue(record.contains("::error::pwned-tool\\u202E") || record.contains("::error::pwned-tool\u202e"), record);

    Map<String, String> outputs = new LinkedHashMap<>();
    outputs.put("run summary (stderr)", traced.err());
    outputs.put("verify (stderr)", verify.err());
    outputs.put("policy check (stdout)", policy.out());
    outputs.put("policy check (stderr)", policy.err());
    outputs.put("report (stdout)", report.out());
    for (Map.Entry<String, String> o : outputs.entrySet()) {
      assertClean(o.getKey(), o.getValue());
    }
    // ... and the names are still there to read, escaped
    assertTrue(traced.err().contains("src\\x1b[2K\\n::error::tracked-file.c"), traced.err());
    assertTrue(traced.err().contains("::error::out\\x1b[2K\\n##[error]subject.txt"), "the signed subject's name: " + traced.err());
    assertTrue(verify.err().contains("\n  \\x3a:error::out\\x1b[2K\\n##[error]subject.txt  sha256:"),
        "a subject line that would start with a workflow command is defused: " + verify.err());
    assertTrue(verify.err().contains("evil\\x1b[2K\\r\\n::error::pwned-tool\\u202e"), verify.err());
    assertTrue(verify.err().contains("arg\\x1b]0;title\\x07\\n::warning::argv"), verify.err());
    assertTrue(policy.out().contains("::error::pwned-tool\\u202e"), policy.out());
    assertTrue(policy.out().contains("REJECTED"), policy.out());
  }

  private static void assertClean(String what, String text) {
    text.codePoints().forEach(cp -> {
      boolean control = (cp < 0x20 && cp != '\n') || (cp >= 0x7f && cp < 0xa0);
      boolean bidi = (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069) || cp == 0x200e || cp == 0x200f
          || cp == 0x061c || cp == 0x2028 || cp == 0x2029;
      assertFalse(control || bidi, what + " has a raw U+" + Integer.toHexString(cp) + ":\n" + text);
    });
    for (String line : text.split("\n", -1)) {
      String t = line.strip();
      assertFalse(t.startsWith("::") || t.startsWith("##["), what + " has a workflow command line: " + line);
    }
  }
}
