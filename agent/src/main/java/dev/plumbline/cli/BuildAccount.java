package dev.plumbline.cli;

import dev.plumbline.env.Accounts;
import dev.plumbline.linux.Linux;
import dev.plumbline.linux.NativeUnavailableException;
import dev.plumbline.record.BuildRecord;
import dev.plumbline.trace.BuildUser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;

/**
 * Whose account the build runs under, and so how far it is kept from the agent's secrets (the
 * trust level of docs/threat-model.md): the agent's own user ({@code same-user}), another user
 * chosen with {@code --user} while the agent is root ({@code separate-user}), or root ({@code build-root}).
 */
final class BuildAccount {
  private final String trust;
  private final Accounts.Account account;

  private BuildAccount(String trust, Accounts.Account account) {
    this.trust = trust;
    this.account = account;
  }

  /** A --user value that cannot be used. */
  static final class BadUserException extends Exception {
    BadUserException(String message) {
      super(message);
    }
  }

  /**
   * Makes this process undumpable before it reads a key or token: processes of the same user (the
   * build) can then neither ptrace it nor read its memory, environ or descriptors in /proc.
   * Children are unaffected (exec makes them dumpable again), so tracing still works. Null when
   * done, else a warning to show.
   */
  static String hardenAgent() {
    try {
      Linux.requireLibc();
    } catch (NativeUnavailableException e) {
      return null; // the tracer fails with its own message
    }
    int errno = Linux.makeUndumpable();
    return errno == 0 ? null : "cannot make the agent undumpable (" + Linux.strerror(errno) + "): the build may read its memory";
  }

  /** {@code --user} (or null) against the agent's own uid. */
  static BuildAccount of(String userSpec) throws BadUserException {
    boolean root;
    try {
      Linux.requireLibc();
      root = Linux.geteuid() == 0;
    } catch (NativeUnavailableException e) {
      root = false; // the tracer fails with its own message
    }
    if (userSpec == null) {
      return new BuildAccount(root ? BuildRecord.Agent.BUILD_ROOT : BuildRecord.Agent.SAME_USER, null);
    }
    if (!root) {
      throw new BadUserException("--user needs plumbline to run as root (e.g. sudo plumbline run --user "
          + userSpec + " -- ...), it runs as uid " + Linux.geteuid());
    }
    Accounts.Account account;
    try {
      account = Accounts.resolve(userSpec, Path.of("/"));
    } catch (Accounts.UnknownUserException e) {
      throw new BadUserException(e.getMessage());
    }
    return new BuildAccount(account.uid() == 0 ? BuildRecord.Agent.BUILD_ROOT : BuildRecord.Agent.SEPARATE_USER, account);
  }

  String trust() {
    return trust;
  }

  /** Who the tracer makes the build's shell become, or null to keep the agent's ids. */
  BuildUser user() {
    return account == null ? null : new BuildUser(account.uid(), account.gid(), account.groups());
  }

  /** How helper commands (toolchain version probes) run: as the build's user, never as a root agent for it. */
  dev.plumbline.env.CommandRunner helperRunner() {
    return account == null ? dev.plumbline.env.CommandRunner.processes()
        : dev.plumbline.env.CommandRunner.processesAs(account.uid(), account.gid(), account.groups());
  }

  /** The build's environment: as given, with HOME, USER, LOGNAME and SHELL of --user as runuser sets them. */
  Map<String, String> environment(Map<String, String> env) {
    if (account == null || account.name() == null) {
      return env;
    }
    Map<String, String> out = new TreeMap<>(env);
    out.put("HOME", account.home());
    out.put("USER", account.name());
    out.put("LOGNAME", account.name());
    if (account.shell() != null && !account.shell().isEmpty()) {
      out.put("SHELL", account.shell());
    }
    return out;
  }

  /**
   * Whether the build could open the key file after the agent read it: false for a pipe or a
   * deleted file passed on a descriptor, else by the file's mode for the build's user.
   */
  boolean mayRead(Path key) {
    Path real;
    try {
      real = key.toRealPath();
    } catch (IOException e) {
      return false; // a pipe (/dev/fd/N) or a file removed after it was opened
    }
    if (!Files.isRegularFile(real)) {
      return false;
    }
    return switch (trust) {
      case BuildRecord.Agent.BUILD_ROOT -> true;
      case BuildRecord.Agent.SEPARATE_USER -> Accounts.mayRead(real, account.uid(), account.groups());
      default -> Files.isReadable(real);
    };
  }
}
