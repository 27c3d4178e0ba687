package dev.plumbline.packages;

/** A package database that exists but cannot be read or parsed; the message names the file and the problem. */
public class PackageDatabaseException extends Exception {
  public PackageDatabaseException(String message) {
    super(message);
  }

  public PackageDatabaseException(String message, Throwable cause) {
    super(message, cause);
  }
}
