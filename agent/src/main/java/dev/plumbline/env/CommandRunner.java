package dev.plumbline.env;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * Runs a short helper command (a tool's version option, git) and returns what it printed, or
 * nothing when it failed or ran too long. An interface so tests can answer without processes.
 */
public interface CommandRunner {
  /** Combined stdout and stderr when the command exited 0 within the timeout. */
  Optional<String> run(List<String> argv, Path dir, Duration timeout);

  static CommandRunner processes() {
    return new ProcessCommandRunner();
  }
}
