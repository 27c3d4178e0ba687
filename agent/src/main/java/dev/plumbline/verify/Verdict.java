package dev.plumbline.verify;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;

/**
 * The outcome: verified only when a signature check passed and no check failed. {@code statement}
 * is present only when its signature verified, so a printed summary never shows unsigned claims.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Verdict(boolean verified, String reason, String signer, List<Check> checks, JsonNode statement) {

  /** The first failing check's name and reason, or a summary when verified. */
  static Verdict of(VerificationContext ctx) {
    Check failed = ctx.checks().stream().filter(Check::failed).findFirst().orElse(null);
    boolean verified = failed == null && ctx.isSignatureVerified();
    String reason;
    if (failed != null) {
      reason = failed.name() + ": " + failed.reason();
    } else if (!ctx.isSignatureVerified()) {
      reason = "no signature was verified";
    } else {
      reason = "signed by " + ctx.signer();
    }
    return new Verdict(verified, reason, ctx.signer(), ctx.checks(), ctx.isSignatureVerified() ? ctx.statement() : null);
  }

  /** A rejection before any step could run (e.g. a bundle with a duplicate key). */
  public static Verdict rejected(String check, String reason) {
    return new Verdict(false, check + ": " + reason, null, List.of(Check.fail(check, reason)), null);
  }

  @JsonIgnore
  public JsonNode predicate() {
    return statement == null ? null : statement.get("predicate");
  }
}
