package dev.plumbline.record;

/**
 * An executable or script could not be read or hashed. The message is one line naming the file
 * and the problem; {@link #problem()} is the problem alone (no pid), for the record's reasons.
 */
public final class HashException extends Exception {
  private static final long serialVersionUID = 1L;
  private final String problem;

  public HashException(String what, String problem) {
    super(what + ": " + problem);
    this.problem = problem;
  }

  public String problem() {
    return problem;
  }
}
