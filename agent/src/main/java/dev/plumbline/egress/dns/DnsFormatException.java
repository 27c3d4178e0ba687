package dev.plumbline.egress.dns;

/** A DNS message that cannot be decoded (truncated, pointer loop, bad label): one-line reason. */
public final class DnsFormatException extends Exception {
  public DnsFormatException(String message) {
    super(message);
  }
}
