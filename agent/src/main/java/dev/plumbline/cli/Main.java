package dev.plumbline.cli;

import dev.plumbline.AgentVersion;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Entry point of the {@code plumbline} command. */
@Command(
    name = "plumbline",
    mixinStandardHelpOptions = true,
    versionProvider = Main.Version.class,
    description = {
      "Traces a CI build's whole process tree, records the tools it ran and the network it used,",
      "can block egress, and signs what it saw as an in-toto attestation.",
      "",
      "  plumbline run --record build.json -- make",
      "  plumbline verify --bundle plumbline.sigstore.json --key plumbline.pub dist/app.tar.gz"
    },
    subcommands = {
      RunCommand.class,
      VerifyCommand.class,
      KeygenCommand.class,
      PolicyCommand.class,
      ReportCommand.class,
      ConformanceCommand.class,
      CommandLine.HelpCommand.class
    })
public final class Main implements Runnable {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  public static void main(String[] args) {
    System.exit(args.length > 0 && args[0].equals("run") ? runCommandLine().execute(args) : run(args));
  }

  /**
   * {@code plumbline run} without building every other subcommand's model: picocli reflects over
   * all of them, which was a third of the agent's start-up (measured: 250-460 ms against 140-230 ms
   * on a loaded 2-CPU machine, no CDS). Same names, help and error handling as the full tree.
   */
  static CommandLine runCommandLine() {
    CommandLine cl = new CommandLine(CommandLine.Model.CommandSpec.create().name("plumbline"));
    cl.addSubcommand("run", new RunCommand());
    cl.setExecutionExceptionHandler(new ErrorHandler());
    cl.setParameterExceptionHandler(new ErrorHandler());
    return cl;
  }

  /** Runs the command line and returns its exit code; tests call this without exiting the JVM. */
  public static int run(String... args) {
    return commandLine().execute(args);
  }

  static CommandLine commandLine() {
    CommandLine cl = new CommandLine(new Main());
    cl.setExecutionExceptionHandler(new ErrorHandler());
    cl.setParameterExceptionHandler(new ErrorHandler());
    return cl;
  }

  @Override
  public void run() {
    spec.commandLine().usage(System.err);
  }

  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      return new String[] {"plumbline " + AgentVersion.get()};
    }
  }
}
