package dev.plumbline.net;

/** A malformed address, CIDR, allow rule or allow file: the message is one line naming the problem. */
public final class RuleSyntaxException extends Exception {
  public RuleSyntaxException(String message) {
    super(message);
  }

  public RuleSyntaxException(String message, Throwable cause) {
    super(message, cause);
  }
}
