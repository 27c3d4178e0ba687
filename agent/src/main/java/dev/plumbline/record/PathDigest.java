package dev.plumbline.record;

import java.util.Objects;

/**
 * A file by path and digest (the digest may be null: not hashed), as a map key: a library or a
 * file that ran is listed once per content. {@code equals} and {@code hashCode} are written out,
 * with the values the record's own would give, for the reason given at EndedProcesses' ToolKey.
 */
record PathDigest(String path, String sha256) {
  @Override
  public boolean equals(Object o) {
    return o instanceof PathDigest other && Objects.equals(path, other.path) && Objects.equals(sha256, other.sha256);
  }

  @Override
  public int hashCode() {
    return 31 * Objects.hashCode(path) + Objects.hashCode(sha256);
  }
}
