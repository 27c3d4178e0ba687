package dev.plumbline.cli;

import dev.plumbline.ci.ActionInputs;
import dev.plumbline.ci.GithubAction;
import dev.plumbline.ci.GithubJob;
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
      subcommands = {Github.Run.class, Github.Start.class, Github.Step.class, Github.Finish.class})
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

      @CommandLine.Option(names = "--build-user", paramLabel = "NAME",
          description = "Run the build as this user (plumbline runs as root, through sudo): plumbline run --user.")
      String buildUser;

      @Override
      public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        GithubAction.Plan plan;
        try {
          plan = GithubAction.prepare(System.getenv(), buildUser);
        } catch (ActionInputs.InputException e) {
          out.println(WorkflowCommands.error("Plumbline", e.getMessage()));
          out.flush();
          return ExitCodes.RUN_USAGE;
        }
        out.println(WorkflowCommands.group("Plumbline: tracing the build (egress " + plan.inputs().egressPolicy().label()
            + ", signing " + plan.signing().mode().name().toLowerCase(java.util.Locale.ROOT) + ")"));
        out.flush();
        int runExit = runBuild(plan);
        out.println(WorkflowCommands.endGroup());
        GithubAction.Result result = GithubAction.finish(plan, runExit, Clock.systemUTC());
        result.commands().forEach(out::println);
        out.flush();
        return result.exitCode();
      }

      private int runBuild(GithubAction.Plan plan) {
        return runInProcess(spec, plan.runArguments(), plan.buildEnvironment(), plan.directory(), plan.presetSigner());
      }
    }

    @Command(name = "start", mixinStandardHelpOptions = true,
        description = {"Starts tracing a whole job (the action's job: start): steps with shell: plumbline-shell {0} are traced.", ""})
    static final class Start implements Callable<Integer> {
      @CommandLine.Spec CommandLine.Model.CommandSpec spec;

      @Override
      public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        try {
          GithubJob.start(System.getenv()).forEach(out::println);
          return ExitCodes.OK;
        } catch (ActionInputs.InputException e) {
          out.println(WorkflowCommands.error("Plumbline", e.getMessage()));
          return ExitCodes.RUN_USAGE;
        } finally {
          out.flush();
        }
      }
    }

    @Command(name = "step", mixinStandardHelpOptions = true,
        description = {"Traces one step of a job (what plumbline-shell runs): bash SCRIPT, recorded into the job session.", ""})
    static final class Step implements Callable<Integer> {
      @CommandLine.Spec CommandLine.Model.CommandSpec spec;

      @CommandLine.Parameters(paramLabel = "SCRIPT", description = "The step's script file (GitHub's {0}).")
      String script;

      @Override
      public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        GithubJob.Step step;
        try {
          step = GithubJob.step(System.getenv(), script, java.nio.file.Path.of("").toAbsolutePath());
        } catch (ActionInputs.InputException e) {
          out.println(WorkflowCommands.error("Plumbline", e.getMessage()));
          out.flush();
          return ExitCodes.RUN_USAGE;
        }
        int exit = runInProcess(spec, step.runArguments(), step.buildEnvironment(), step.directory(), null);
        GithubJob.afterStep(step, System.getenv()).forEach(out::println);
        out.flush();
        return exit;
      }
    }

    @Command(name = "finish", mixinStandardHelpOptions = true,
        description = {"Signs the traced steps of a job as one attestation and verifies it (the action's job: finish).", ""})
    static final class Finish implements Callable<Integer> {
      @CommandLine.Spec CommandLine.Model.CommandSpec spec;

      @Override
      public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        try {
          GithubAction.Result r = GithubJob.finish(System.getenv(), Clock.systemUTC());
          r.commands().forEach(out::println);
          return r.exitCode();
        } catch (ActionInputs.InputException e) {
          out.println(WorkflowCommands.error("Plumbline", e.getMessage()));
          return ExitCodes.RUN_USAGE;
        } finally {
          out.flush();
        }
      }
    }
  }

  /** {@code plumbline run} with these arguments, in this process, with this environment, directory and signer. */
  static int runInProcess(CommandLine.Model.CommandSpec spec, java.util.List<String> args, java.util.Map<String, String> env,
      java.nio.file.Path directory, dev.plumbline.sign.Signer signer) {
    RunCommand run = new RunCommand();
    run.environment = env;
    run.directory = directory;
    run.presetSigner = signer;
    CommandLine cl = Main.configure(new CommandLine(CommandLine.Model.CommandSpec.create().name("plumbline")));
    cl.addSubcommand("run", RunCommand.spec(run));
    cl.setOut(spec.commandLine().getOut());
    cl.setErr(spec.commandLine().getErr());
    return cl.execute(args.toArray(String[]::new));
  }
}
