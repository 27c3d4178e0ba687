package dev.plumbline.cli;

import dev.plumbline.AgentVersion;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;
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
    })
public final class Main implements Runnable {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  /**
   * The subcommands in the order help lists them, made only when needed: picocli reflects over
   * every command it is given (annotations, proxies, converters), and building all of them was
   * most of the start-up of a command that uses one.
   */
  private static final Map<String, Supplier<Object>> SUBCOMMANDS = subcommands();

  private static Map<String, Supplier<Object>> subcommands() {
    Map<String, Supplier<Object>> m = new LinkedHashMap<>();
    m.put("run", () -> RunCommand.spec(new RunCommand())); // a model built by hand: see RunCommand.spec
    m.put("verify", VerifyCommand::new);
    m.put("query", QueryCommand::new);
    m.put("keygen", KeygenCommand::new);
    m.put("policy", PolicyCommand::new);
    m.put("report", ReportCommand::new);
    m.put("ci", CiCommand::new);
    m.put("sigstore-conformance", ConformanceCommand::new);
    m.put("help", CommandLine.HelpCommand::new);
    return m;
  }

  public static void main(String[] args) {
    System.exit(run(args));
  }

  /**
   * The tree these arguments need: only the named subcommand when the first argument names one
   * (its help, errors and exit codes are the same as in the full tree: UserFacingTest), only the
   * top command for a bare --version, else every command (the top-level help lists them all,
   * 'help CMD' and the suggestions for a mistyped name need them).
   */
  static CommandLine commandLineFor(String... args) {
    if (args.length > 0 && SUBCOMMANDS.containsKey(args[0]) && !args[0].equals("help")) {
      return oneCommandLine(args[0]);
    }
    if (args.length == 1 && (args[0].equals("--version") || args[0].equals("-V"))) {
      return configure(new CommandLine(new Main()));
    }
    return commandLine();
  }

  /** {@code plumbline NAME} without the model of any other subcommand. */
  static CommandLine oneCommandLine(String name) {
    CommandLine cl = new CommandLine(CommandLine.Model.CommandSpec.create().name("plumbline"));
    cl.addSubcommand(name, SUBCOMMANDS.get(name).get());
    return configure(cl);
  }

  /** {@code plumbline run}'s tree (scripts/plumbline's most frequent command). */
  static CommandLine runCommandLine() {
    return oneCommandLine("run");
  }

  /**
   * Built-in converters picocli is told not to make (its picocli.converters.excludes, regular
   * expressions of type names): it registers those for java.sql's and java.time's types by
   * reflection with every command line it makes, loading java.sql's classes from their module, and
   * no option of ours has such a type (--grace has a converter of its own; MainTest checks).
   */
  static final String CONVERTERS_LEFT_OUT = "java\\.sql\\..*,java\\.time\\..*";

  /** Runs the command line and returns its exit code; tests call this without exiting the JVM. */
  public static int run(String... args) {
    if (args.length > 0 && args[0].equals("verify")) {
      VerifyCommand.prepareAhead();
    }
    if (args.length > 0 && args[0].equals("run")) {
      RunCommand.prepareAhead();
    }
    System.setProperty("picocli.converters.excludes", CONVERTERS_LEFT_OUT);
    return commandLineFor(args).execute(args);
  }

  /** Help text is written with lines of at most 100 columns; wrapping at picocli's 80 broke them. */
  static final int HELP_WIDTH = 100;

  /** Every command. */
  static CommandLine commandLine() {
    CommandLine cl = new CommandLine(new Main());
    SUBCOMMANDS.forEach((name, command) -> cl.addSubcommand(name, command.get()));
    return configure(cl);
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
