package dev.plumbline.env;

import dev.plumbline.redact.Redaction;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * Gathers the {@code environment} section from what it is given: the environment variables, the
 * root of the file system to read OS and container facts from, the architecture and a way to run
 * helper commands. Production passes System.getenv(), "/", os.arch and real processes; tests pass
 * fixtures.
 *
 * <p>Two phases: {@link #before} runs every helper command (toolchain versions, git) before the
 * build starts and pins the toolchain files, hashed while the build runs; {@link Snapshot#after}
 * collects those digests and merges in what the record says. Running anything after
 * the build would run what the build may have planted (a binary on PATH, a git hook or a
 * {@code core.fsmonitor} setting) outside the trace.
 */
public final class EnvironmentCollector {
  /**
   * The bound of each helper command; all run at once, so the phase before the build lasts at most
   * the longest of them. A toolchain's version option answers in well under a second (the slowest
   * seen, a pyenv shim, 0.3 s idle and 1.5 s at load 11 on two cores); git status of a large
   * checkout may take longer.
   */
  private static final Duration TOOLCHAIN_PROBE_TIMEOUT = Duration.ofSeconds(3);
  private static final Duration GIT_PROBE_TIMEOUT = Duration.ofSeconds(5);

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

  /**
   * Everything but the executed tools, taken before the build: every helper command (toolchain
   * versions, git) has ended when this returns; the toolchain files are pinned and still being
   * hashed, which {@link Snapshot#after} waits for.
   */
  public Snapshot before(Path cwd) {
    HostFacts host = new HostFacts(root, env);
    List<Environment.Variable> variables = Variables.of(env, redaction);
    ToolchainInventory toolchains = new ToolchainInventory(env, runner, TOOLCHAIN_PROBE_TIMEOUT);
    // git from a system directory: the one first on PATH may have been planted by an earlier step
    WorkspaceProbe workspace = new WorkspaceProbe(runner, HelperCommands.trusted("git"), GIT_PROBE_TIMEOUT);
    // git beside the toolchain probes: the phase lasts as long as the slowest of them, not the sum
    CompletableFuture<Environment.Workspace> git = CompletableFuture.supplyAsync(() -> workspace.probe(cwd));
    ToolchainInventory.Probed probed = toolchains.probe();
    return new Snapshot(
        new Environment(
            host.os(),
            host.kernel(),
            arch,
            host.container(),
            CiContexts.detect(env, redaction),
            variables,
            Variables.digest(variables),
            List.of(),
            git.join(),
            null),
        probed);
  }

  /** Both phases at once, for callers with no build in between (tests, tools reading a host). */
  public Environment collect(Path cwd, List<ToolchainInventory.Executed> executed) {
    return before(cwd).after(executed, null);
  }

  /**
   * The environment as it was before the build, its toolchain digests still being taken ({@code
   * toolchains}, null when there are none to wait for); {@link #after} completes it from the record.
   */
  public record Snapshot(Environment environment, ToolchainInventory.Probed toolchains) {
    /** A finished snapshot. */
    public Snapshot(Environment environment) {
      this(environment, null);
    }

    /**
     * Call when the build has ended: the toolchain files not hashed yet no longer wait on the
     * low-priority thread (the attestation waits for them). Runs nothing.
     */
    public void buildEnded() {
      if (toolchains != null) {
        toolchains.buildEnded();
      }
    }

    /** How long {@link #after} waits for the toolchain digests once the build is over. */
    private static final Duration HASH_WAIT = Duration.ofSeconds(60);

    /**
     * Adds the binaries the build executed to the toolchain list and the package counts (null
     * when packages were not looked up); runs nothing. Waits for the toolchain digests.
     */
    public Environment after(List<ToolchainInventory.Executed> executed, Environment.PackageCounts packages) {
      Environment e = environment;
      List<Environment.Toolchain> pathTools = toolchains == null ? e.toolchain() : toolchains.complete(HASH_WAIT);
      return new Environment(
          e.os(), e.kernel(), e.arch(), e.container(), e.ci(), e.variables(), e.variablesDigest(),
          ToolchainInventory.merge(pathTools, executed),
          e.workspace(),
          packages);
    }
  }
}
