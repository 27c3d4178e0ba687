package dev.plumbline.cli;

import dev.plumbline.policy.Evaluation;
import dev.plumbline.policy.Evidence;
import dev.plumbline.policy.Policy;
import dev.plumbline.policy.PolicyEvaluator;
import dev.plumbline.policy.PolicyLearner;
import dev.plumbline.policy.PolicyLoader;
import dev.plumbline.report.PolicyReport;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code plumbline policy init|check}. */
@Command(
    name = "policy",
    mixinStandardHelpOptions = true,
    description = {
      "Build policies (docs/policy.md): learn one from a known-good build, check a record against one.",
      "Signed attestations are checked against a policy with 'plumbline verify --policy'.",
      ""
    },
    subcommands = {PolicyCommand.Init.class, PolicyCommand.Check.class})
public final class PolicyCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    spec.commandLine().usage(spec.commandLine().getErr());
    return ExitCodes.USAGE;
  }

  /** {@code plumbline policy init}. */
  @Command(
      name = "init",
      mixinStandardHelpOptions = true,
      sortOptions = false,
      description = {
        "Learns a starting policy from a known-good build: every tool by path and sha256, every",
        "destination by name and port, the strictest trace rules the build already meets.",
        "The result is commented YAML: review it, then commit it next to your workflow.",
        ""
      },
      footer = {"", "Examples:", "  plumbline policy init --record build.json --output .plumbline/policy.yaml",
          "  plumbline policy init --record build.json --allowed-endpoints --output -   # the action's input"})
  public static final class Init implements Callable<Integer> {
    @Spec CommandSpec spec;

    @ArgGroup(exclusive = true, multiplicity = "1")
    EvidenceOptions input;

    @Option(names = "--output", paramLabel = "POLICY", required = true, description = "Where to write the policy ('-' for stdout).")
    Path output;

    @Option(names = "--force", description = "Overwrite POLICY if it exists.")
    boolean force;

    @Option(names = "--allowed-endpoints", description = "Write the GitHub Action's egress-policy: block and allowed-endpoints"
        + " inputs learned from the build instead of a policy (what the action's audit summary offers).")
    boolean allowedEndpoints;

    @Override
    public Integer call() throws Exception {
      if (!output.toString().equals("-") && Files.exists(output) && !force) {
        throw new CommandLine.ParameterException(spec.commandLine(), output + " exists (use --force to overwrite it)");
      }
      Evidence evidence = input.read();
      if (allowedEndpoints) {
        String block = dev.plumbline.ci.Endpoints.allowedEndpointsInput(evidence.record(), false);
        ReportCommand.write(output, block == null ? "egress-policy: block   # the build reached nothing outside the host\n" : block,
            spec.commandLine().getOut());
        return ExitCodes.OK;
      }
      String yaml = PolicyLearner.learn(evidence, Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS));
      PolicyLoader.parse(yaml, "learned policy", false); // never hand out a policy we could not load back
      ReportCommand.write(output, yaml, spec.commandLine().getOut());
      PrintWriter err = spec.commandLine().getErr();
      if (!output.toString().equals("-")) {
        err.println("plumbline: wrote " + output + " (" + count(evidence) + "); review it before committing");
      }
      if (!evidence.verified()) {
        err.println("plumbline: note: " + evidence.source() + " was read without verifying it; no signer rule was learned");
      }
      err.flush();
      return ExitCodes.OK;
    }

    private static String count(Evidence e) {
      var r = e.record();
      int tools = r.tools() == null ? 0 : r.tools().size();
      int dests = r.network() == null ? 0 : r.network().size();
      return tools + " tools, " + dests + " destinations";
    }
  }

  /** {@code plumbline policy check}. */
  @Command(
      name = "check",
      mixinStandardHelpOptions = true,
      sortOptions = false,
      description = {
        "Evaluates a record (or a bundle's payload, unverified) against a policy and lists every",
        "violation. Rules that need a verified signer fail here: use 'plumbline verify --policy'",
        "for signed attestations. Exit codes: 0 passed, 1 violations, 2 bad usage or input.",
        ""
      },
      footer = {"", "Example:", "  plumbline policy check --policy .plumbline/policy.yaml --record build.json"})
  public static final class Check implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Option(names = "--policy", paramLabel = "POLICY", required = true, description = "The policy file (YAML or JSON).")
    Path policy;

    @ArgGroup(exclusive = true, multiplicity = "1")
    EvidenceOptions input;

    @Option(names = "--format", paramLabel = "FORMAT", defaultValue = "text", description = "text (default), json or markdown.")
    String format;

    @Override
    public Integer call() throws Exception {
      if (!java.util.List.of("text", "json", "markdown").contains(format)) {
        throw new CommandLine.ParameterException(spec.commandLine(), "unknown --format '" + format + "' (text, json or markdown)");
      }
      Policy p = PolicyLoader.load(policy);
      Evidence evidence = input.read();
      Evaluation e = new PolicyEvaluator().evaluate(p, evidence);
      PrintWriter out = spec.commandLine().getOut();
      switch (format) {
        case "json" -> out.print(PolicyReport.json(e));
        case "markdown" -> out.print(PolicyReport.markdown(e));
        default -> out.print(PolicyReport.text(e));
      }
      out.flush();
      if (!evidence.verified()) {
        spec.commandLine().getErr().println("plumbline: note: " + evidence.source() + " was not verified (use plumbline verify --policy for signed attestations)");
        spec.commandLine().getErr().flush();
      }
      return e.passed() ? ExitCodes.OK : ExitCodes.REJECTED;
    }
  }
}
