package dev.plumbline.sigstore;

/** Something in the Sigstore area failed; the message is one line that names the problem. */
public class SigstoreException extends Exception {
  public SigstoreException(String message) {
    super(oneLine(message));
  }

  public SigstoreException(String message, Throwable cause) {
    super(oneLine(message), cause);
  }

  static String oneLine(String message) {
    if (message == null) {
      return "unknown error";
    }
    // sigstore-java puts details on following lines; keep only what fits on one
    String first = message.strip().lines().findFirst().orElse("unknown error");
    return first.strip();
  }
}
