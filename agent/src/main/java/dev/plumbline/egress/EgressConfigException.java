package dev.plumbline.egress;

/** A bad egress option, allow rule or allow file: the message is one line naming the problem. */
public final class EgressConfigException extends Exception {
  public EgressConfigException(String message) {
    super(message);
  }

  public EgressConfigException(String message, Throwable cause) {
    super(message, cause);
  }
}
