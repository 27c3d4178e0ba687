package dev.plumbline.trace.ptrace;

import dev.plumbline.trace.TraceException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Finds the build command the way a shell would, in Java, so the traced shell execs an absolute
 * path and the record shows no failed lookups along PATH.
 */
public final class CommandResolver {
  private CommandResolver() {}

  /** The absolute path to exec for {@code command}, or a NOT_FOUND / NOT_EXECUTABLE exception. */
  public static String resolve(String command, Path cwd, Map<String, String> env) throws TraceException {
    if (command.isEmpty()) {
      throw new TraceException(TraceException.Kind.NOT_FOUND, "empty command");
    }
    Path base = cwd != null ? cwd : Path.of("").toAbsolutePath();
    if (!Files.isDirectory(base)) {
      throw new TraceException(TraceException.Kind.NOT_FOUND, "working directory " + base + " does not exist");
    }
    if (command.contains("/")) {
      Path p = base.resolve(command).normalize();
      if (!Files.exists(p)) {
        throw new TraceException(TraceException.Kind.NOT_FOUND, command + ": no such file");
      }
      if (Files.isDirectory(p) || !Files.isExecutable(p)) {
        throw new TraceException(TraceException.Kind.NOT_EXECUTABLE, command + ": not executable");
      }
      return p.toString();
    }
    String path = env.getOrDefault("PATH", "/usr/local/bin:/usr/bin:/bin");
    Path notExecutable = null;
    for (String dir : path.split(":", -1)) {
      Path d = dir.isEmpty() ? base : base.resolve(dir);
      Path p = d.resolve(command);
      if (Files.isRegularFile(p)) {
        if (Files.isExecutable(p)) {
          return p.toAbsolutePath().normalize().toString();
        }
        if (notExecutable == null) {
          notExecutable = p;
        }
      }
    }
    if (notExecutable != null) {
      throw new TraceException(TraceException.Kind.NOT_EXECUTABLE, notExecutable + ": not executable");
    }
    throw new TraceException(TraceException.Kind.NOT_FOUND, command + ": command not found");
  }
}
