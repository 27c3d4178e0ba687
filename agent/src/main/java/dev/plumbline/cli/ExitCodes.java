package dev.plumbline.cli;

/**
 * Exit codes CI can act on. {@code run} otherwise exits with the build's own code (128+N when the
 * build was killed by signal N), so the agent's own failures use codes builds rarely use.
 */
public final class ExitCodes {
  /** verify: the attestation was verified and every check passed. */
  public static final int OK = 0;
  /** verify: the attestation was rejected (signature, identity, subject, policy or completeness). */
  public static final int REJECTED = 1;
  /** verify, keygen, report, policy: bad usage or unreadable input. */
  public static final int USAGE = 2;
  /** run: tracing is not permitted here (seccomp profile, Yama ptrace_scope, no ptrace). */
  public static final int TRACE_NOT_PERMITTED = 120;
  /** run: the build ran but the record, attestation or bundle could not be written or signed. */
  public static final int OUTPUT_FAILED = 121;
  /** run: bad usage of plumbline itself (unknown option, unreadable key or allow file). */
  public static final int RUN_USAGE = 125;
  /** run: the build command exists but could not be executed. */
  public static final int NOT_EXECUTABLE = 126;
  /** run: the build command was not found. */
  public static final int NOT_FOUND = 127;

  private ExitCodes() {}
}
