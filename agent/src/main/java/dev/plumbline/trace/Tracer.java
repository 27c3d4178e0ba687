package dev.plumbline.trace;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Runs a build command and reports what its whole process tree does as {@link TraceEvent}s.
 *
 * <p>The listener is called on the tracer thread, in order, while the task concerned is stopped:
 * at an {@link TraceEvent.Exec} the process still runs the image just executed, so a listener may
 * open {@code /proc/PID/exe} there (and must hand any slow work, such as hashing, to another
 * thread). Listeners must return quickly: every tracee waits meanwhile.
 */
public interface Tracer {

  /**
   * What to run and how. {@code argv[0]} is looked up in {@code env}'s PATH unless it contains a
   * slash; {@code enforcing} says whether egress decisions are a policy (allowed) or an audit;
   * {@code user}, when set, is who the build runs as (the agent must be root), else it runs as the agent.
   * {@code passFds}: descriptors above 2 the build inherits as they are (the user's own, such as a
   * make jobserver's pipe); every other descriptor of the agent is closed in the build.
   */
  record Request(
      List<String> argv,
      Path cwd,
      Map<String, String> env,
      Duration grace,
      EgressGate egress,
      boolean enforcing,
      Consumer<TraceEvent> listener,
      BuildUser user,
      List<Integer> passFds) {
    public Request {
      argv = List.copyOf(argv);
      env = Map.copyOf(env);
      passFds = List.copyOf(passFds);
    }

    /** A build that runs as the agent's own user and gets descriptors 0-2 only. */
    public Request(List<String> argv, Path cwd, Map<String, String> env, Duration grace, EgressGate egress,
        boolean enforcing, Consumer<TraceEvent> listener) {
      this(argv, cwd, env, grace, egress, enforcing, listener, null, List.of());
    }

    /** A build that runs as {@code user} (null: the agent's own) and gets descriptors 0-2 only. */
    public Request(List<String> argv, Path cwd, Map<String, String> env, Duration grace, EgressGate egress,
        boolean enforcing, Consumer<TraceEvent> listener, BuildUser user) {
      this(argv, cwd, env, grace, egress, enforcing, listener, user, List.of());
    }
  }

  /**
   * How the build ended: {@code exitCode} is what {@code plumbline run} exits with (the build's
   * status, 128+N when signal N killed it), {@code signal} the signal when there was one.
   */
  record Result(int exitCode, Integer signal, Instant startedAt, Instant finishedAt, int rootPid) {}

  /** Runs the build to completion (including its grace period) and returns how it ended. */
  Result run(Request request) throws TraceException;

  /**
   * The procfs root that shows the build's pids (usually /proc; a private mount inside a pid
   * namespace whose /proc belongs to the parent). Valid until {@link #run} returns; readers of
   * /proc/PID/... (the executable hasher) must use it.
   */
  Path procRoot() throws TraceException;

  /** Forwards a signal (SIGINT, SIGTERM, SIGHUP) to the running build; safe from any thread. */
  void forwardSignal(int signal);
}
