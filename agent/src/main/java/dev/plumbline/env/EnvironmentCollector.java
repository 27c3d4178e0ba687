package dev.plumbline.env;

import dev.plumbline.redact.Redaction;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Gathers the {@code environment} section from what it is given: the environment variables, the
 * root of the file system to read OS and container facts from, the architecture and a way to run
 * helper commands. Production passes System.getenv(), "/", os.arch and real processes; tests pass
 * fixtures.
 *
 * <p>Two phases: {@link #before} runs every helper command (toolchain versions, git) before the
 * build starts; {@link Snapshot#after} only merges in what the record says. Running anything after
 * the build would run what the build may have planted (a binary on PATH, a git hook or a
 * {@code core.fsmonitor} setting) outside the trace.
 */
public final class EnvironmentCollector {
  private static final Duration PROBE_TIMEOUT = Duration.ofSeconds(5);

  private final Map<String, String> env;
  private final Path root;
  private final String arch;
  private final CommandRunner runner;
  private final Redaction redaction;

  public EnvironmentCollector(Map<String, String> env, Path root, String arch, CommandRunner runner) {
    this(env, root, arch, runner, Redaction.builtIn());
  }

  /** With the run's redaction rules (the user's secret names and patterns); it masks {@code env}'s values. */
  public EnvironmentCollector(Map<String, String> env, Path root, String arch, CommandRunner runner, Redaction redaction) {
    this.env = Map.copyOf(env);
    this.root = root;
    this.arch = HostFacts.normalizeArch(arch);
    this.runner = runner;
    this.redaction = redaction.maskingValuesOf(this.env);
  }

  /** For the running process on this host. */
  public static EnvironmentCollector ofThisHost() {
    return ofThisHost(Redaction.builtIn(), CommandRunner.processes());
  }

  /**
   * For the running process on this host, with the run's redaction rules, running helper
   * commands with {@code runner} (as the build's user when the agent is root and the build is not).
   */
  public static EnvironmentCollector ofThisHost(Redaction redaction, CommandRunner runner) {
    return new EnvironmentCollector(System.getenv(), Path.of("/"), System.getProperty("os.arch"), runner, redaction);
  }

  /** Everything but the executed tools, taken before the build. */
  public Snapshot before(Path cwd) {
    HostFacts host = new HostFacts(root, env);
    List<Environment.Variable> variables = Variables.of(env, redaction);
    ToolchainInventory toolchains = new ToolchainInventory(env, runner, PROBE_TIMEOUT);
    // git from a system directory: the one first on PATH may have been planted by an earlier step
    WorkspaceProbe workspace = new WorkspaceProbe(runner, HelperCommands.trusted("git"), PROBE_TIMEOUT);
    return new Snapshot(
        new Environment(
            host.os(),
            host.kernel(),
            arch,
            host.container(),
            CiContexts.detect(env, redaction),
            variables,
            Variables.digest(variables),
            toolchains.onPath(),
            workspace.probe(cwd),
            null));
  }

  /** Both phases at once, for callers with no build in between (tests, tools reading a host). */
  public Environment collect(Path cwd, List<ToolchainInventory.Executed> executed) {
    return before(cwd).after(executed, null);
  }

  /** The environment as it was before the build; {@link #after} completes it from the record. */
  public record Snapshot(Environment environment) {
    /**
     * Adds the binaries the build executed to the toolchain list and the package counts (null
     * when packages were not looked up); runs nothing.
     */
    public Environment after(List<ToolchainInventory.Executed> executed, Environment.PackageCounts packages) {
      Environment e = environment;
      return new Environment(
          e.os(), e.kernel(), e.arch(), e.container(), e.ci(), e.variables(), e.variablesDigest(),
          ToolchainInventory.merge(e.toolchain(), executed),
          e.workspace(),
          packages);
    }
  }
}
