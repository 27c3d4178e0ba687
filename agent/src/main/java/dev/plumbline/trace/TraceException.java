package dev.plumbline.trace;

/** The build could not be run or traced; {@link #kind()} says which way, the message says why in one line. */
public final class TraceException extends Exception {

  /** What went wrong, so the CLI can pick an exit code. */
  public enum Kind {
    /** ptrace, seccomp or process_vm_* refused here (Yama, container seccomp profile, no capability). */
    NOT_PERMITTED,
    /** The build command does not exist. */
    NOT_FOUND,
    /** The build command exists but cannot be executed. */
    NOT_EXECUTABLE,
    /**
     * Block mode refuses what the build would start with: a socket it would inherit as stdin,
     * stdout or stderr reaches a destination the rules refuse. Nothing was started.
     */
    REFUSED,
    /** Anything else that stopped the tracer (native binding missing, unexpected kernel answer). */
    FAILED
  }

  private final Kind kind;

  public TraceException(Kind kind, String message) {
    super(message);
    this.kind = kind;
  }

  public TraceException(Kind kind, String message, Throwable cause) {
    super(message, cause);
    this.kind = kind;
  }

  public Kind kind() {
    return kind;
  }
}
