package dev.plumbline.record;

/** A build record could not be read or written; the message is one line naming the file and the problem. */
public final class RecordException extends Exception {
  private static final long serialVersionUID = 1L;

  public RecordException(String message) {
    super(message);
  }

  public RecordException(String message, Throwable cause) {
    super(message, cause);
  }
}
