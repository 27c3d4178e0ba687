package dev.plumbline.attest;

/** The attestation could not be made: a subject glob matched nothing, a file was unreadable. */
public final class AttestException extends Exception {
  public AttestException(String message) {
    super(message);
  }

  public AttestException(String message, Throwable cause) {
    super(message, cause);
  }
}
