package dev.plumbline.sigstore;

/** The bundle was read but a check failed: it must be rejected. {@link #check()} names the check. */
public final class SigstoreVerificationException extends SigstoreException {
  private final String check;
  private final String reason;

  public SigstoreVerificationException(String check, String message) {
    super(check + ": " + message);
    this.check = check;
    this.reason = message;
  }

  public SigstoreVerificationException(String check, String message, Throwable cause) {
    super(check + ": " + message, cause);
    this.check = check;
    this.reason = message;
  }

  /** The name of the failed check, as in {@link KeylessVerification.Check#name()}. */
  public String check() {
    return check;
  }

  /** Why the check failed, without the check's name (the message is "CHECK: REASON"). */
  public String reason() {
    return reason;
  }
}
