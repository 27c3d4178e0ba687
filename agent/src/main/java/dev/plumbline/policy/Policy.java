package dev.plumbline.policy;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonValue;
import dev.plumbline.net.AllowRule;
import dev.plumbline.record.BuildRecord;
import java.util.List;

/**
 * A build policy file ({@code apiVersion: plumbline.dev/v1}, {@code kind: BuildPolicy}), as
 * documented in docs/policy.md. Every section is optional; an absent section checks nothing except
 * that, failing closed, the trace must be complete unless {@code trace.requireComplete: false}.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Policy(
    ApiVersion apiVersion,
    Kind kind,
    Metadata metadata,
    Signer signer,
    Trace trace,
    Tools tools,
    Egress egress,
    Ci ci,
    MaxAge maxAge) {

  public static final String API_VERSION = "plumbline.dev/v1";
  public static final String KIND = "BuildPolicy";

  public Trace traceOrDefault() {
    return trace == null ? new Trace(null, null, null, null, null, null, null) : trace;
  }

  public String name() {
    return metadata == null || metadata.name() == null ? "(unnamed policy)" : metadata.name();
  }

  /** The only apiVersion this release understands. */
  public record ApiVersion(String value) {
    @JsonCreator(mode = JsonCreator.Mode.DELEGATING)
    public static ApiVersion parse(String value) {
      if (!API_VERSION.equals(value)) {
        throw new IllegalArgumentException("unsupported apiVersion '" + value + "' (expected " + API_VERSION + ")");
      }
      return new ApiVersion(value);
    }

    @JsonValue
    @Override
    public String value() {
      return value;
    }
  }

  /** The only kind this release understands. */
  public record Kind(String value) {
    @JsonCreator(mode = JsonCreator.Mode.DELEGATING)
    public static Kind parse(String value) {
      if (!KIND.equals(value)) {
        throw new IllegalArgumentException("unsupported kind '" + value + "' (expected " + KIND + ")");
      }
      return new Kind(value);
    }

    @JsonValue
    @Override
    public String value() {
      return value;
    }
  }

  /** For people: which build the policy is for and who reviewed it. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Metadata(String name, String description) {}

  /**
   * Who must have signed: a key whose SPKI fingerprint is listed, or a keyless (Fulcio) certificate
   * whose identity equals {@code identity} or matches {@code identityRegexp} and whose OIDC issuer
   * equals {@code issuer}. Either kind of signer satisfies the rule.
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Signer(List<Sha256> keyFingerprints, String identity, Regex identityRegexp, String issuer) {
    public Signer {
      boolean keyless = identity != null || identityRegexp != null;
      if (keyless && issuer == null) {
        throw new IllegalArgumentException("signer: identity/identityRegexp needs an issuer");
      }
      if (issuer != null && !keyless) {
        throw new IllegalArgumentException("signer: issuer needs identity or identityRegexp");
      }
      if (identity != null && identityRegexp != null) {
        throw new IllegalArgumentException("signer: give identity or identityRegexp, not both");
      }
      if (!keyless && (keyFingerprints == null || keyFingerprints.isEmpty())) {
        throw new IllegalArgumentException("signer: needs keyFingerprints or identity/identityRegexp + issuer");
      }
    }
  }

  /** What the trace itself must show. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Trace(
      Boolean requireComplete,
      Boolean requireEgressBlock,
      Boolean noBlockedAttempts,
      Boolean noSourceWrites,
      List<Glob> allowedSourceWrites,
      TrustLevel requireTrust,
      Boolean noPrivilegeGain) {
    /** Fails closed: an incomplete trace is rejected unless the policy says otherwise. */
    public boolean completeRequired() {
      return requireComplete == null || requireComplete;
    }
  }

  /**
   * How far the build was kept from the agent's secrets (the record's {@code agent.trust}),
   * weakest first: a policy requiring a level accepts it and every stronger one.
   */
  public enum TrustLevel {
    BUILD_ROOT("build-root"),
    SAME_USER("same-user"),
    SEPARATE_USER("separate-user");

    public final String label;

    TrustLevel(String label) {
      this.label = label;
    }

    @com.fasterxml.jackson.annotation.JsonValue
    public String label() {
      return label;
    }

    @com.fasterxml.jackson.annotation.JsonCreator
    public static TrustLevel of(String label) {
      for (TrustLevel t : values()) {
        if (t.label.equals(label)) {
          return t;
        }
      }
      throw new IllegalArgumentException("trust level must be build-root, same-user or separate-user, not '" + label + "'");
    }
  }

  /** Which binaries may run: every tool must match an allowed entry (when given) and no forbidden one. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Tools(List<ToolRule> allowed, List<ToolRule> forbidden) {}

  /**
   * A tool by path glob and/or digest, or a build output by its path under the working directory.
   * For {@code allowed}, everything given must match; for {@code forbidden} likewise, so
   * {@code sha256} alone forbids a binary under any name. {@code buildOutput} (a glob relative to
   * the working directory, which may differ between runs) matches only a tool the record marks as
   * written by the build before it ran ({@code tools[].buildOutput}); {@code writtenBy} (globs,
   * only with {@code buildOutput}) then requires every program that wrote it to match one of them.
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record ToolRule(Glob path, List<Sha256> sha256, Glob buildOutput, List<Glob> writtenBy) {
    public ToolRule {
      if (path == null && buildOutput == null && (sha256 == null || sha256.isEmpty())) {
        throw new IllegalArgumentException("a tool entry needs a path glob, a buildOutput glob or a sha256 list");
      }
      if (path != null && buildOutput != null) {
        throw new IllegalArgumentException("a tool entry has a path or a buildOutput, not both");
      }
      if (buildOutput != null && buildOutput.pattern().startsWith("/")) {
        throw new IllegalArgumentException("buildOutput is relative to the build's working directory, not '" + buildOutput + "'");
      }
      if (writtenBy != null && buildOutput == null) {
        throw new IllegalArgumentException("writtenBy needs a buildOutput");
      }
      if (writtenBy != null && writtenBy.isEmpty()) {
        throw new IllegalArgumentException("writtenBy: list at least one program (or leave it out)");
      }
      sha256 = sha256 == null ? null : List.copyOf(sha256);
      writtenBy = writtenBy == null ? null : List.copyOf(writtenBy);
    }

    public ToolRule(Glob path, List<Sha256> sha256) {
      this(path, sha256, null, null);
    }

    /** Whether a binary that ran matches: its path, digest and (for a build output) where and by whom it was written. */
    public boolean matches(String toolPath, String digest, BuildRecord.BuildOutput output) {
      if (buildOutput != null) {
        if (output == null || !buildOutput.matches(output.path()) || !writersMatch(output)) {
          return false;
        }
      } else if (path != null && !path.matches(toolPath)) {
        return false;
      }
      if (sha256 != null && !sha256.isEmpty()) {
        Sha256 d = Sha256.orNull(digest);
        return d != null && sha256.contains(d);
      }
      return true;
    }

    /** Every writer is listed; a build output with no known writer fails a {@code writtenBy} rule. */
    boolean writersMatch(BuildRecord.BuildOutput output) {
      if (writtenBy == null) {
        return true;
      }
      List<String> writers = output.writtenBy() == null ? List.of() : output.writtenBy();
      return !writers.isEmpty() && writers.stream().allMatch(w -> writtenBy.stream().anyMatch(g -> g.matches(w)));
    }
  }

  /**
   * Where the build may connect: {@code allowed} in the syntax of {@code run --allow}. Loopback
   * ({@link dev.plumbline.net.Addresses#isLoopback(String)}) is allowed unless {@code allowLoopback: false}.
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Egress(Boolean allowLoopback, List<AllowRule> allowed, List<Glob> forbiddenUnixSockets) {
    public boolean loopbackAllowed() {
      return allowLoopback == null || allowLoopback;
    }
  }

  /** Where the build must have run, from the attestation's CI context. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Ci(String repository, Glob ref, Glob workflowRef, String runnerEnvironment) {}
}
