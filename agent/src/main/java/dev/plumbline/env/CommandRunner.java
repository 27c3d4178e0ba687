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

  /** Real processes with the agent's ids. */
  static CommandRunner processes() {
    return new ProcessCommandRunner(List.of());
  }

  /**
   * Real processes that first take {@code uid}, {@code gid} and {@code groups} through setpriv
   * (a root agent must not run a build user's toolchain as root); none when setpriv is missing.
   */
  static CommandRunner processesAs(int uid, int gid, List<Integer> groups) {
    Optional<Path> setpriv = HelperCommands.trusted("setpriv");
    if (setpriv.isEmpty()) {
      return (argv, dir, timeout) -> Optional.empty();
    }
    String groupList = String.join(",", groups.stream().map(String::valueOf).toList());
    return new ProcessCommandRunner(List.of(setpriv.get().toString(), "--reuid=" + uid, "--regid=" + gid,
        groups.isEmpty() ? "--clear-groups" : "--groups=" + groupList, "--"));
  }
}
