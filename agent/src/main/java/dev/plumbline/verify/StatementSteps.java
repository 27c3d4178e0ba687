package dev.plumbline.verify;

import com.fasterxml.jackson.databind.JsonNode;
import dev.plumbline.attest.AttestException;
import dev.plumbline.attest.CanonicalJson;
import dev.plumbline.attest.Dsse;
import dev.plumbline.attest.Predicate;
import dev.plumbline.attest.Statement;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/** The checks on what a verified DSSE payload says: its type, the statement, the subject, the predicate, completeness. */
public final class StatementSteps {
  private StatementSteps() {}

  /** payloadType, statement type, subject, predicate type, then completeness. */
  public static List<VerificationStep> all(Set<String> predicateTypes, boolean allowIncomplete) {
    return List.of(
        ctx -> payloadType(ctx, predicateTypes),
        ctx -> statement(ctx, predicateTypes.isEmpty()),
        StatementSteps::subject,
        ctx -> predicateType(ctx, predicateTypes),
        ctx -> completeness(ctx, allowIncomplete));
  }

  private static boolean notApplicable(VerificationContext ctx, String name) {
    if (ctx.content() == VerificationContext.Content.MESSAGE_SIGNATURE) {
      if (!name.equals("subject")) {
        ctx.add(Check.skip(name, "a message signature carries no attestation"));
      }
      return true;
    }
    return false;
  }

  /**
   * A plain message signature attests nothing about a build: rejected unless any content is
   * accepted ({@code predicateTypes} empty: {@code --allow-non-attestation}, other tools' bundles).
   */
  static void payloadType(VerificationContext ctx, Set<String> predicateTypes) {
    if (ctx.content() == VerificationContext.Content.MESSAGE_SIGNATURE && !predicateTypes.isEmpty()) {
      ctx.add(Check.fail("payloadType",
          "a plain message signature, not a Plumbline build attestation (--allow-non-attestation accepts it)"));
      return;
    }
    if (notApplicable(ctx, "payloadType")) {
      return;
    }
    String type = ctx.envelope().path("payloadType").asText();
    if (type.equals(Dsse.IN_TOTO_PAYLOAD_TYPE)) {
      ctx.add(Check.pass("payloadType", type));
    } else {
      ctx.add(Check.fail("payloadType", "'" + type + "' is not " + Dsse.IN_TOTO_PAYLOAD_TYPE));
    }
  }

  /** in-toto's earlier statement type, accepted only when verifying others' attestations (any predicate type). */
  static final String STATEMENT_V01 = "https://in-toto.io/Statement/v0.1";

  static void statement(VerificationContext ctx, boolean interop) {
    if (notApplicable(ctx, "statement")) {
      return;
    }
    byte[] payload = ctx.verifiedPayload().orElse(null);
    if (payload == null) {
      ctx.add(Check.fail("statement", "the payload's signature was not verified"));
      return;
    }
    JsonNode statement;
    try {
      statement = CanonicalJson.strictMapper().readTree(payload);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      ctx.add(Check.fail("statement", BundleFile.isDuplicateKey(e)
          ? "the payload has a duplicate key (" + e.getOriginalMessage().lines().findFirst().orElse("").strip() + ")"
          : "the payload is not JSON"));
      return;
    } catch (IOException e) {
      ctx.add(Check.fail("statement", "the payload is not JSON"));
      return;
    }
    if (statement == null || !statement.isObject()) {
      ctx.add(Check.fail("statement", "the payload is not a JSON object"));
      return;
    }
    String type = statement.path("_type").asText("");
    if (!type.equals(Statement.TYPE) && !(interop && type.equals(STATEMENT_V01))) {
      ctx.add(Check.fail("statement", "_type '" + type + "' is not " + Statement.TYPE));
      return;
    }
    JsonNode subjects = statement.path("subject");
    if (!subjects.isArray() || subjects.isEmpty()) {
      ctx.add(Check.fail("statement", "the statement has no subject"));
      return;
    }
    ctx.statement(statement);
    ctx.add(Check.pass("statement", "in-toto " + (type.equals(Statement.TYPE) ? "Statement v1" : "Statement v0.1") + " with " + subjects.size() + " subject(s)"));
  }

  static void subject(VerificationContext ctx) {
    if (notApplicable(ctx, "subject")) {
      return;
    }
    Artifact artifact = ctx.artifact();
    List<String> names = new ArrayList<>();
    for (JsonNode s : ctx.statement().path("subject")) {
      String hex = s.path("digest").path("sha256").asText("");
      if (hex.equalsIgnoreCase(artifact.sha256())) {
        names.add(s.path("name").asText(""));
      }
    }
    if (names.isEmpty()) {
      ctx.add(Check.fail("subject", "the artifact " + artifact.display() + " is not a subject of this attestation"));
    } else {
      ctx.add(Check.pass("subject", "the artifact is subject '" + String.join("', '", names) + "'"));
    }
  }

  static void predicateType(VerificationContext ctx, Set<String> accepted) {
    if (notApplicable(ctx, "predicateType")) {
      return;
    }
    String type = ctx.statement().path("predicateType").asText("");
    if (!accepted.isEmpty() && !accepted.contains(type)) {
      ctx.add(Check.fail("predicateType", "'" + type + "' is not " + String.join(" or ", accepted)));
      return;
    }
    JsonNode predicate = ctx.statement().path("predicate");
    if (!predicate.isObject()) {
      ctx.add(Check.fail("predicateType", "the statement has no predicate object"));
      return;
    }
    ctx.predicate(predicate);
    if (type.equals(Predicate.TYPE)) {
      try {
        ctx.record(Predicate.record(predicate));
      } catch (AttestException e) {
        ctx.add(Check.fail("predicateType", e.getMessage()));
        return;
      }
    }
    ctx.add(Check.pass("predicateType", type));
  }

  static void completeness(VerificationContext ctx, boolean allowIncomplete) {
    if (notApplicable(ctx, "completeness")) {
      return;
    }
    if (ctx.record() == null) {
      ctx.add(Check.skip("completeness", "not a Plumbline build predicate"));
      return;
    }
    var completeness = ctx.record().completeness();
    if (completeness == null) {
      ctx.add(Check.fail("completeness", "the predicate does not say whether the trace was complete"));
      return;
    }
    if (completeness.complete()) {
      ctx.add(Check.pass("completeness", "the trace saw the whole process tree"));
      return;
    }
    String reasons = completeness.reasons() == null || completeness.reasons().isEmpty()
        ? "no reason given" : String.join("; ", completeness.reasons());
    if (allowIncomplete) {
      ctx.add(Check.pass("completeness", "incomplete trace accepted (--allow-incomplete): " + reasons));
    } else {
      ctx.add(Check.fail("completeness", "the trace is incomplete: " + reasons + " (--allow-incomplete accepts it)"));
    }
  }
}
