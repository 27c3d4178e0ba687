package dev.plumbline.verify;

/** One verification check with its outcome and a one-line reason a person can act on. */
public record Check(String name, Status status, String reason) {
  public enum Status {
    PASS,
    FAIL,
    /** Not applicable to this bundle (e.g. predicate checks on a plain message signature). */
    SKIP
  }

  public static Check pass(String name, String reason) {
    return new Check(name, Status.PASS, reason);
  }

  public static Check fail(String name, String reason) {
    return new Check(name, Status.FAIL, reason);
  }

  public static Check skip(String name, String reason) {
    return new Check(name, Status.SKIP, reason);
  }

  public boolean failed() {
    return status == Status.FAIL;
  }
}
