package dev.plumbline.env;

import dev.plumbline.trace.BuildRecord;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Gathers the {@code environment} section from what it is given: the environment variables, the
 * root of the file system to read OS and container facts from, the architecture and a way to run
 * helper commands. Production passes System.getenv(), "/", os.arch and real processes; tests pass
 * fixtures.
 */
public final class EnvironmentCollector {
  private static final Duration PROBE_TIMEOUT = Duration.ofSeconds(5);

  private final Map<String, String> env;
  private final Path root;
  private final String arch;
  private final CommandRunner runner;

  public EnvironmentCollector(Map<String, String> env, Path root, String arch, CommandRunner runner) {
    this.env = Map.copyOf(env);
    this.root = root;
    this.arch = HostFacts.normalizeArch(arch);
    this.runner = runner;
  }

  /** For the running process on this host. */
  public static EnvironmentCollector ofThisHost() {
    return new EnvironmentCollector(System.getenv(), Path.of("/"), System.getProperty("os.arch"), CommandRunner.processes());
  }

  /** Collects everything; {@code record} may be null (then no executed tools are listed). */
  public Environment collect(Path cwd, BuildRecord record) {
    HostFacts host = new HostFacts(root, env);
    List<Environment.Variable> variables = Variables.of(env);
    ToolchainInventory toolchains = new ToolchainInventory(env, runner, PROBE_TIMEOUT);
    List<Environment.Toolchain> inventory = toolchains.inventory(record == null ? List.of() : record.tools());
    WorkspaceProbe workspace = new WorkspaceProbe(runner, toolchains.onPath("git"), PROBE_TIMEOUT);
    return new Environment(
        host.os(),
        host.kernel(),
        arch,
        host.container(),
        CiContexts.detect(env),
        variables,
        Variables.digest(variables),
        inventory,
        workspace.probe(cwd));
  }
}
