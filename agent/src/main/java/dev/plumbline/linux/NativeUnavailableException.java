package dev.plumbline.linux;

/** The native capability the tracer needs is missing here (not Linux, no libc symbol, no JNA dispatch). */
public final class NativeUnavailableException extends Exception {
  public NativeUnavailableException(String message, Throwable cause) {
    super(message, cause);
  }
}
