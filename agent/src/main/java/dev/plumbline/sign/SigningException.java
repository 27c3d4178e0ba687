package dev.plumbline.sign;

/** A key could not be read or made, or signing failed; the message is one line for the user. */
public final class SigningException extends Exception {
  public SigningException(String message) {
    super(message);
  }

  public SigningException(String message, Throwable cause) {
    super(message, cause);
  }
}
