package dev.plumbline.env;

import dev.plumbline.env.Environment.Git;
import dev.plumbline.env.Environment.Workspace;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * The working directory's git state, asked of git itself (it knows worktrees, packed refs,
 * submodules). {@code core.fsmonitor} is off: a repository's config must not make git run a hook.
 */
public final class WorkspaceProbe {
  private final CommandRunner runner;
  private final Optional<Path> git;
  private final Duration timeout;

  public WorkspaceProbe(CommandRunner runner, Optional<Path> git, Duration timeout) {
    this.runner = runner;
    this.git = git;
    this.timeout = timeout;
  }

  public Workspace probe(Path cwd) {
    return new Workspace(cwd.toString(), git(cwd).orElse(null));
  }

  /**
   * Read-only: {@code --no-optional-locks} keeps {@code git status} from refreshing the index,
   * which takes {@code .git/index.lock}; a status killed at the timeout (or with the helper phase)
   * would leave that lock behind and break the user's next git command.
   */
  private Optional<Git> git(Path cwd) {
    if (git.isEmpty()) {
      return Optional.empty();
    }
    String exe = git.get().toString();
    Optional<String> head = runner.run(List.of(exe, "--no-optional-locks", "-c", "safe.directory=*", "-c", "core.fsmonitor=false", "-C", cwd.toString(), "rev-parse", "--verify", "-q", "HEAD"), cwd, timeout)
        .map(String::strip)
        .filter(s -> s.matches("[0-9a-f]{40,64}"));
    if (head.isEmpty()) {
      return Optional.empty();
    }
    String branch = runner.run(List.of(exe, "--no-optional-locks", "-c", "safe.directory=*", "-c", "core.fsmonitor=false", "-C", cwd.toString(), "symbolic-ref", "-q", "--short", "HEAD"), cwd, timeout)
        .map(String::strip)
        .filter(s -> !s.isEmpty())
        .orElse(null);
    Optional<String> status = runner.run(
        List.of(exe, "--no-optional-locks", "-c", "safe.directory=*", "-c", "core.fsmonitor=false", "-C", cwd.toString(), "status", "--porcelain", "--untracked-files=normal"), cwd, timeout);
    // An unknown state is reported as dirty: claiming clean without knowing would overstate.
    boolean dirty = status.map(s -> !s.isBlank()).orElse(true);
    return Optional.of(new Git(head.get(), branch, dirty));
  }
}
