package dev.plumbline.sigstore;

/** Input that cannot be read or parsed: a missing or malformed bundle, trusted root or artifact. */
public final class SigstoreInputException extends SigstoreException {
  public SigstoreInputException(String message) {
    super(message);
  }

  public SigstoreInputException(String message, Throwable cause) {
    super(message, cause);
  }
}
