package dev.plumbline.trace.decode;

/** Bytes read from a tracee could not be decoded; the message is one line naming what was wrong. */
public final class DecodeException extends Exception {
  private static final long serialVersionUID = 1L;

  public DecodeException(String message) {
    super(message);
  }
}
