package dev.plumbline.query;

/** Bad query input (a filter that does not parse, a PATH that does not exist); the message is one line. */
public class QueryException extends Exception {
  public QueryException(String message) {
    super(message);
  }

  public QueryException(String message, Throwable cause) {
    super(message, cause);
  }
}
