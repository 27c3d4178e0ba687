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
      "  plumbline keygen",
      "  plumbline run --key plumbline.key --subject 'dist/*' --record build.json -- make dist",
      "  plumbline verify --bundle plumbline.sigstore.json --key plumbline.pub dist/app.tar.gz",
      "  plumbline report --bundle plumbline.sigstore.json --html report.html",
      ""
    },
    footer = {
      "",
      "Exit codes: run exits with the build's own code (128+N if killed by signal N); its own",
      "failures use 120-127 (see 'plumbline run --help'). verify and policy check: 0 passed,",
      "1 rejected, 2 bad usage or unreadable input; query: 0 matched, 1 nothing matched, 2 bad",
      "usage. 'plumbline COMMAND --help' shows examples."
    },
    subcommands = {
      RunCommand.class,
      VerifyCommand.class,
      QueryCommand.class,
      KeygenCommand.class,
      PolicyCommand.class,
      ReportCommand.class,
      CiCommand.class,
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
    return configure(cl);
  }

  /** Runs the command line and returns its exit code; tests call this without exiting the JVM. */
  public static int run(String... args) {
    return commandLine().execute(args);
  }

  /** Help text is written with lines of at most 100 columns; wrapping at picocli's 80 broke them. */
  static final int HELP_WIDTH = 100;

  static CommandLine commandLine() {
    return configure(new CommandLine(new Main()));
  }

  /** What both trees share: error handling, help width, --version everywhere, the command list. */
  static CommandLine configure(CommandLine cl) {
    cl.setExecutionExceptionHandler(new ErrorHandler());
    cl.setParameterExceptionHandler(new ErrorHandler());
    cl.setUsageHelpWidth(HELP_WIDTH);
    everyCommand(cl, c -> {
      // subcommands' --version printed nothing without a provider
      if (c.getCommandSpec().versionProvider() == null) {
        c.getCommandSpec().versionProvider(new Version());
      }
      c.getHelpSectionMap().put(CommandLine.Model.UsageMessageSpec.SECTION_KEY_COMMAND_LIST, Main::commandList);
    });
    return cl;
  }

  private static void everyCommand(CommandLine cl, java.util.function.Consumer<CommandLine> action) {
    action.accept(cl);
    for (CommandLine sub : cl.getSubcommands().values()) {
      if (sub.getParent() == cl) { // aliases map to the same CommandLine
        everyCommand(sub, action);
      }
    }
  }

  /**
   * The list of subcommands, each with the first sentence of its description: picocli's default
   * shows the description's first line, which cut sentences in the middle.
   */
  static String commandList(CommandLine.Help help) {
    java.util.Map<String, CommandLine.Help> subs = help.subcommands();
    java.util.List<String[]> rows = new java.util.ArrayList<>();
    for (var e : new java.util.LinkedHashSet<>(subs.entrySet())) {
      CommandLine.Model.CommandSpec spec = e.getValue().commandSpec();
      if (spec.usageMessage().hidden() || !e.getKey().equals(spec.name())) {
        continue;
      }
      rows.add(new String[] {e.getKey(), firstSentence(spec.usageMessage())});
    }
    if (rows.isEmpty()) {
      return "";
    }
    int nameWidth = rows.stream().mapToInt(r -> r[0].length()).max().orElse(0);
    StringBuilder out = new StringBuilder();
    for (String[] r : rows) {
      String indent = " ".repeat(2 + nameWidth + 2);
      StringBuilder line = new StringBuilder("  " + r[0] + " ".repeat(nameWidth - r[0].length() + 2));
      for (String word : r[1].split(" ")) {
        if (line.length() + 1 + word.length() > HELP_WIDTH && line.length() > indent.length()) {
          out.append(line.toString().stripTrailing()).append(System.lineSeparator());
          line = new StringBuilder(indent);
        }
        if (line.length() > indent.length() && !line.toString().endsWith("  ")) {
          line.append(' ');
        }
        line.append(word);
      }
      out.append(line).append(System.lineSeparator());
    }
    return out.toString();
  }

  /** Up to the first full stop that ends a sentence, or a colon that ends a line. */
  static String firstSentence(CommandLine.Model.UsageMessageSpec usage) {
    String[] lines = usage.header().length > 0 ? usage.header() : usage.description();
    StringBuilder text = new StringBuilder();
    for (String line : lines) {
      String l = line.strip();
      if (l.isEmpty()) {
        break;
      }
      int stop = l.indexOf(". ");
      if (stop >= 0) {
        return text.append(l, 0, stop + 1).toString();
      }
      if (l.endsWith(".") || l.endsWith(":")) {
        text.append(l, 0, l.length() - 1);
        return text.append('.').toString();
      }
      text.append(l).append(' ');
    }
    return text.toString().strip();
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
