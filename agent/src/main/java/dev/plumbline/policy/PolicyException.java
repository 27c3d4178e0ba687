package dev.plumbline.policy;

/** A policy that cannot be read or used, or evidence that cannot be read; the message is one line. */
public final class PolicyException extends Exception {
  public PolicyException(String message) {
    super(message);
  }

  public PolicyException(String message, Throwable cause) {
    super(message, cause);
  }
}
