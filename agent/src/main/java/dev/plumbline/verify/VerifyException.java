package dev.plumbline.verify;

/** Input that cannot be verified at all (unreadable bundle, artifact or key): bad usage, not a rejection. */
public class VerifyException extends Exception {
  public VerifyException(String message) {
    super(message);
  }

  public VerifyException(String message, Throwable cause) {
    super(message, cause);
  }
}
