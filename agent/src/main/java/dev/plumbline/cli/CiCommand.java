package dev.plumbline.cli;

import dev.plumbline.ci.ActionInputs;
import dev.plumbline.ci.GithubAction;
import dev.plumbline.ci.WorkflowCommands;
import java.io.PrintWriter;
import java.time.Clock;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code plumbline ci github run}: the CI integrations; the logic is in {@code dev.plumbline.ci}. */
@Command(
    name = "ci",
    mixinStandardHelpOptions = true,
    description = {"CI integrations: 'plumbline ci github run' is the GitHub Action's one step.", ""},
    subcommands = {CiCommand.Github.class})
public final class CiCommand implements Runnable {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getErr());
  }

  @Command(
      name = "github",
      mixinStandardHelpOptions = true,
      description = {"GitHub Actions: run a build as the Plumbline action does.", ""},
      subcommands = {Github.Run.class})
  static final class Github implements Runnable {
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
      spec.commandLine().usage(spec.commandLine().getErr());
    }

    @Command(
        name = "run",
        mixinStandardHelpOptions = true,
        description = {
          "Runs the action's build in this one process: traces it, signs it, verifies the bundle",
          "as a downstream consumer would (signer, subjects, policy), and writes the step outputs",
          "(bundle-path, record-path, report-path, verdict), the job summary and the annotations.",
          "Inputs come from PLUMBLINE_INPUT_<NAME> variables, as action/action.yml sets them; none of",
          "them reaches the build's environment.",
          ""
        },
        footer = {
          "",
          "Exit codes: the build's own code; 1 when the verdict is rejected or error; 120-127 as for run;",
          "125 also for an input that is wrong (named in an error annotation) before the build starts."
        })
    static final class Run implements Callable<Integer> {
      @CommandLine.Spec CommandLine.Model.CommandSpec spec;

      @Override
      public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        GithubAction.Plan plan;
        try {
          plan = GithubAction.prepare(System.getenv());
        } catch (ActionInputs.InputException e) {
          out.println(WorkflowCommands.error("Plumbline", e.getMessage()));
          out.flush();
          return ExitCodes.RUN_USAGE;
        }
        out.println(WorkflowCommands.group("Plumbline: tracing the build (egress " + plan.inputs().egressPolicy()
            + ", signing " + plan.signing().mode().name().toLowerCase(java.util.Locale.ROOT) + ")"));
        out.flush();
        int runExit = runBuild(plan);
        out.println(WorkflowCommands.endGroup());
        GithubAction.Result result = GithubAction.finish(plan, runExit, Clock.systemUTC());
        result.commands().forEach(out::println);
        out.flush();
        return result.exitCode();
      }

      /** {@code plumbline run} with the plan's arguments, in this process, with the plan's environment and signer. */
      private int runBuild(GithubAction.Plan plan) {
        RunCommand run = new RunCommand();
        run.environment = plan.buildEnvironment();
        run.directory = plan.directory();
        run.presetSigner = plan.presetSigner();
        CommandLine cl = Main.configure(new CommandLine(CommandLine.Model.CommandSpec.create().name("plumbline")));
        cl.addSubcommand("run", run);
        cl.setOut(spec.commandLine().getOut());
        cl.setErr(spec.commandLine().getErr());
        return cl.execute(plan.runArguments().toArray(String[]::new));
      }
    }
  }
}
