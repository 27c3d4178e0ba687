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
   * HEAD, branch and status of the checkout at {@code cwd}, or empty outside one.
   */
  private Optional<Git> git(Path cwd) {
    if (git.isEmpty()) {
      return Optional.empty();
    }
    Optional<String> head = runGit(cwd, "rev-parse", "--verify", "-q", "HEAD")
        .map(String::strip)
        .filter(s -> s.matches("[0-9a-f]{40,64}"));
    if (head.isEmpty()) {
      return Optional.empty();
    }
    String branch = runGit(cwd, "symbolic-ref", "-q", "--short", "HEAD")
        .map(String::strip)
        .filter(s -> !s.isEmpty())
        .orElse(null);
    Optional<String> status = runGit(cwd, "status", "--porcelain", "--untracked-files=normal");
    // An unknown state is reported as dirty: claiming clean without knowing would overstate.
    boolean dirty = status.map(s -> !s.isBlank()).orElse(true);
    return Optional.of(new Git(head.get(), branch, dirty));
  }

  /**
   * git at {@code cwd}, read-only: {@code --no-optional-locks} keeps {@code git status} from
   * refreshing the index, which takes {@code .git/index.lock}; a status killed at the timeout (or
   * with the helper phase) would leave that lock behind and break the user's next git command.
   * Any directory is safe and no fsmonitor hook runs (the checkout's config is the build's).
   */
  private Optional<String> runGit(Path cwd, String... args) {
    List<String> command = new java.util.ArrayList<>(List.of(git.get().toString(), "--no-optional-locks",
        "-c", "safe.directory=*", "-c", "core.fsmonitor=false", "-C", cwd.toString()));
    command.addAll(List.of(args));
    return runner.run(command, cwd, timeout);
  }
}
