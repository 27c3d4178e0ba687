package dev.plumbline.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * {@code run}'s model is built by hand (RunCommand.spec), not by picocli from annotations: these
 * pin its help text and every option's model to what picocli made of the annotations they replaced
 * (the files under test resources cli/ were written from that model), and its parsing.
 */
class RunCommandModelTest {
  /** What picocli renders and parses by: per argument its names, label, type, arity, defaults, flags, text. */
  static String describe(CommandSpec spec) {
    StringBuilder out = new StringBuilder();
    out.append("name=").append(spec.name()).append(" sortOptions=").append(spec.usageMessage().sortOptions())
        .append(" versionProvider=").append(spec.versionProvider() != null).append('\n');
    for (ArgSpec a : spec.args()) {
      if (a instanceof OptionSpec o) {
        out.append("option ").append(String.join(",", o.names()));
        out.append(" usageHelp=").append(o.usageHelp()).append(" versionHelp=").append(o.versionHelp());
        out.append(" negatable=").append(o.negatable()).append(" order=").append(o.order());
      } else {
        out.append("positional index=").append(((CommandLine.Model.PositionalParamSpec) a).index());
      }
      out.append(" label=").append(a.paramLabel()).append(" type=").append(a.type().getName())
          .append(" aux=").append(java.util.Arrays.stream(a.auxiliaryTypes()).map(Class::getName).collect(Collectors.joining(",")))
          .append(" arity=").append(a.arity()).append(" required=").append(a.required())
          .append(" hidden=").append(a.hidden()).append(" multi=").append(a.isMultiValue())
          .append(" default=").append(a.defaultValue()).append(" split=").append(a.splitRegex())
          .append(" interactive=").append(a.interactive())
          .append(" converters=").append(java.util.Arrays.stream(a.converters()).map(c -> c.getClass().getSimpleName()).collect(Collectors.joining(",")))
          .append('\n');
      for (String d : a.description()) {
        out.append("  | ").append(d).append('\n');
      }
    }
    return out.toString();
  }

  private static String resource(String name) throws IOException {
    try (InputStream in = RunCommandModelTest.class.getResourceAsStream("/cli/" + name)) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  /** Set -Dplumbline.writeRunModel=DIR to write the files anew (from the model of the day). */
  private static void writeIfAsked(String name, String text) throws IOException {
    String dir = System.getProperty("plumbline.writeRunModel");
    if (dir != null) {
      Files.writeString(Path.of(dir, name), text);
    }
  }

  @Test
  void theModelIsTheOneTheAnnotationsMade() throws IOException {
    CommandSpec spec = Main.runCommandLine().getSubcommands().get("run").getCommandSpec();
    writeIfAsked("run-model.txt", describe(spec));
    assertEquals(resource("run-model.txt"), describe(spec));
  }

  @Test
  void theHelpIsTheOneTheAnnotationsMade() throws IOException {
    for (CommandLine cl : java.util.List.of(Main.runCommandLine(), Main.commandLine())) {
      java.io.StringWriter out = new java.io.StringWriter();
      cl.setOut(new java.io.PrintWriter(out, true));
      assertEquals(0, cl.execute("run", "--help"));
      writeIfAsked("run-help.txt", out.toString());
      assertEquals(resource("run-help.txt"), out.toString());
    }
  }

  @Test
  void everyOptionLandsInItsField() {
    RunCommand run = new RunCommand();
    new CommandLine(RunCommand.spec(run)).parseArgs("--record", "r.json", "--json", "--grace", "2s", "--egress", "block",
        "--allow", "a.example:443", "--allow", "b.example", "--allow-file", "allow.txt", "--deny-loopback",
        "--deny-unix", "/run/x.sock", "--allow-unix", "/run/nscd/socket", "--secret-env", "MY_*", "--secret-pattern", "acme_[a-z]+", "--subject", "dist/*",
        "--subject-digest", "img@sha256:" + "0".repeat(64), "--bundle", "b.json", "--key", "k.pem", "--keyless",
        "--identity-token-file", "/dev/fd/3", "--identity-token", "t", "--key-password-file", "pw", "--user", "builder",
        "--strict", "--verify", "--policy", "p.yml", "--certificate-identity", "id", "--certificate-oidc-issuer", "iss",
        "--trusted-root", "tr.json", "--signing-config", "sc.json", "--", "make", "-j2");
    assertEquals(Path.of("r.json"), run.record);
    assertEquals(true, run.json);
    assertEquals(java.time.Duration.ofSeconds(2), run.grace);
    assertEquals(dev.plumbline.egress.EgressMode.BLOCK, run.egress);
    assertEquals(java.util.List.of("a.example:443", "b.example"), run.allow);
    assertEquals(Path.of("allow.txt"), run.allowFile);
    assertEquals(true, run.denyLoopback);
    assertEquals(java.util.List.of("/run/x.sock"), run.denyUnix);
    assertEquals(java.util.List.of("/run/nscd/socket"), run.allowUnix);
    assertEquals(java.util.List.of("MY_*"), run.secretEnv);
    assertEquals(java.util.List.of("acme_[a-z]+"), run.secretPattern);
    assertEquals(java.util.List.of("dist/*"), run.subjects);
    assertEquals(java.util.List.of("img@sha256:" + "0".repeat(64)), run.subjectDigests);
    assertEquals(Path.of("b.json"), run.bundle);
    assertEquals(Path.of("k.pem"), run.key);
    assertEquals(true, run.keyless);
    assertEquals(Path.of("/dev/fd/3"), run.identityTokenFile);
    assertEquals("t", run.identityToken);
    assertEquals(Path.of("pw"), run.keyPasswordFile);
    assertEquals("builder", run.user);
    assertEquals(true, run.strict);
    assertEquals(true, run.verify);
    assertEquals(Path.of("p.yml"), run.policy);
    assertEquals("id", run.certificateIdentity);
    assertEquals("iss", run.certificateIssuer);
    assertEquals(Path.of("tr.json"), run.trustedRoot);
    assertEquals(Path.of("sc.json"), run.signingConfig);
    assertEquals(java.util.List.of("make", "-j2"), run.command);
  }

  @Test
  void withoutOptionsEachFieldKeepsItsDefault() {
    RunCommand run = new RunCommand();
    new CommandLine(RunCommand.spec(run)).parseArgs("--", "true");
    assertEquals(null, run.record);
    assertEquals(false, run.json);
    assertEquals(java.time.Duration.ofSeconds(5), run.grace);
    assertEquals(dev.plumbline.egress.EgressMode.AUDIT, run.egress);
    assertEquals(java.util.List.of(), run.allow);
    assertEquals(java.util.List.of(), run.secretEnv);
    assertEquals(java.util.List.of(), run.subjects);
    assertEquals(false, run.keyless);
    assertEquals(null, run.key);
    assertEquals(java.util.List.of("true"), run.command);
  }
}
