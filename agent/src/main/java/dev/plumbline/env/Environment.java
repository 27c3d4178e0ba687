package dev.plumbline.env;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;
import java.util.Map;

/**
 * Where a build ran: the {@code environment} section of the attestation predicate. Lists are
 * sorted; sensitive variable values appear in no form at all.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Environment(
    OperatingSystem os,
    Kernel kernel,
    String arch,
    Container container,
    Ci ci,
    List<Variable> variables,
    String variablesDigest,
    List<Toolchain> toolchain,
    Workspace workspace,
    PackageCounts packages) {

  /**
   * The minimal-image question: how many OS packages were installed where the build ran, and how
   * many of them the build ran a file of (the predicate's {@code packages} section has which).
   */
  public record PackageCounts(int installed, int used) {}

  /** From /etc/os-release. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record OperatingSystem(String id, String versionId, String name, String prettyName) {}

  /** From /proc/sys/kernel. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Kernel(String release, String version) {}

  /**
   * Whether the build ran in a container, which runtime it looked like, its id when visible, and
   * which clues said so.
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Container(boolean detected, String runtime, String id, List<String> evidence) {}

  /** The CI system (github-actions, gitlab-ci, jenkins, generic or none) and what it says about the run. */
  public record Ci(String provider, Map<String, String> context) {}

  /**
   * One environment variable by name. {@code sha256} is the hex digest of the UTF-8 value, absent
   * when {@code redacted}: then neither the value nor its digest is recorded.
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Variable(String name, String sha256, boolean redacted) {}

  /**
   * A toolchain binary: one the build executed, one found on PATH under a well-known name, or
   * both. {@code path} is where PATH found it (or the executed path), {@code realPath} where its
   * symlinks lead when that differs; {@code version} is the first line its version option printed;
   * {@code note} says why {@code sha256} or {@code version} is missing (the file changed while it
   * was hashed beside the build, the version probe failed or timed out), or is null.
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Toolchain(
      String name, String path, String realPath, String sha256, String version, boolean executed, boolean onPath,
      String note) {
    /** Without a note. */
    public Toolchain(String name, String path, String realPath, String sha256, String version, boolean executed, boolean onPath) {
      this(name, path, realPath, sha256, version, executed, onPath, null);
    }
  }

  /** The working directory and, when it is a git checkout, its commit and state. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Workspace(String path, Git git) {}

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Git(String head, String branch, boolean dirty) {}
}
