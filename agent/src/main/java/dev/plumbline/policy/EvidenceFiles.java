package dev.plumbline.policy;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.plumbline.record.BuildRecord;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Base64;

/**
 * Reads evidence for {@code policy init} and {@code report}: a record file as written by
 * {@code plumbline run --record}, or a bundle whose DSSE payload is decoded WITHOUT checking its
 * signature (the result says {@code verified=false}; {@code plumbline verify} is the check).
 */
public final class EvidenceFiles {
  private static final ObjectMapper JSON =
      JsonMapper.builder().disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES).build();

  private EvidenceFiles() {}

  public static Evidence readRecord(Path file) throws PolicyException {
    JsonNode root = readJson(file, "record");
    if (!root.isObject() || !root.has("invocation") && !root.has("tools") && !root.has("processes")) {
      throw new PolicyException(file + ": not a plumbline build record (no invocation, tools or processes)");
    }
    if (root.has("dsseEnvelope") || root.has("payloadType")) {
      throw new PolicyException(file + ": this is a bundle or envelope, not a record (use --bundle)");
    }
    return Evidence.ofRecord(toRecord(root, file), file.toString());
  }

  /** Decodes a Sigstore bundle (or a bare DSSE envelope) and its in-toto Statement, unverified. */
  public static Evidence readBundleUnverified(Path file) throws PolicyException {
    JsonNode root = readJson(file, "bundle");
    JsonNode envelope = root.has("dsseEnvelope") ? root.get("dsseEnvelope") : root;
    JsonNode payload = envelope.get("payload");
    if (payload == null || !payload.isTextual()) {
      throw new PolicyException(file + ": not a DSSE bundle (no dsseEnvelope.payload)");
    }
    byte[] statementBytes;
    try {
      statementBytes = Base64.getDecoder().decode(payload.asText().strip());
    } catch (IllegalArgumentException e) {
      try {
        statementBytes = Base64.getUrlDecoder().decode(payload.asText().strip());
      } catch (IllegalArgumentException e2) {
        throw new PolicyException(file + ": DSSE payload is not base64");
      }
    }
    JsonNode statement;
    try {
      statement = JSON.readTree(statementBytes);
    } catch (IOException e) {
      throw new PolicyException(file + ": DSSE payload is not JSON: " + PolicyLoader.firstLine(e.getMessage()));
    }
    JsonNode predicate = statement == null ? null : statement.get("predicate");
    if (predicate == null || !predicate.isObject()) {
      throw new PolicyException(file + ": the statement has no predicate");
    }
    BuildRecord record = toRecord(predicate, file);
    return new Evidence(record, ciContext(predicate.get("environment")), null, null, file.toString(), false);
  }

  /**
   * The evidence of a statement whose signature was verified (a {@code Verdict}'s statement): what
   * the action's summary and report render, so they show signed content, marked verified.
   */
  public static Evidence ofVerifiedStatement(JsonNode statement, Evidence.SignerIdentity signer, String source) throws PolicyException {
    JsonNode predicate = statement == null ? null : statement.get("predicate");
    if (predicate == null || !predicate.isObject()) {
      throw new PolicyException(source + ": the statement has no predicate");
    }
    return new Evidence(toRecord(predicate, Path.of(source)), ciContext(predicate.get("environment")), signer, null, source, true);
  }

  /** Reads either kind by looking at the document. */
  public static Evidence read(Path file) throws PolicyException {
    JsonNode root = readJson(file, "record or bundle");
    return root.has("dsseEnvelope") || root.has("payloadType") ? readBundleUnverified(file) : readRecord(file);
  }

  /**
   * The CI context of an attestation's {@code environment} section, as the environment collector
   * writes it: {@code ci.provider} and {@code ci.context} holding the CI's own variables (GitHub
   * Actions names, or GitLab's {@code CI_PROJECT_PATH}, {@code CI_COMMIT_REF_NAME}, …).
   */
  public static Evidence.CiContext ciContext(JsonNode environment) {
    if (environment == null || !environment.isObject()) {
      return null;
    }
    JsonNode ci = environment.get("ci");
    if (ci == null || !ci.isObject()) {
      return null;
    }
    String provider = text(ci, "provider");
    if (provider == null || provider.equals("none")) {
      return null;
    }
    JsonNode ctx = ci.has("context") && ci.get("context").isObject() ? ci.get("context") : ci;
    return new Evidence.CiContext(
        provider,
        text(ctx, "GITHUB_REPOSITORY", "CI_PROJECT_PATH", "repository"),
        text(ctx, "GITHUB_REF", "CI_COMMIT_REF_NAME", "ref"),
        text(ctx, "GITHUB_SHA", "CI_COMMIT_SHA", "sha"),
        text(ctx, "GITHUB_WORKFLOW_REF", "CI_CONFIG_PATH", "workflowRef"),
        text(ctx, "RUNNER_ENVIRONMENT", "runnerEnvironment"));
  }

  private static String text(JsonNode n, String... names) {
    for (String name : names) {
      JsonNode v = n.get(name);
      if (v != null && v.isValueNode() && !v.isNull()) {
        return v.asText();
      }
    }
    return null;
  }

  private static BuildRecord toRecord(JsonNode node, Path file) throws PolicyException {
    try {
      return JSON.treeToValue(node, BuildRecord.class);
    } catch (JsonProcessingException | IllegalArgumentException e) {
      throw new PolicyException(file + ": malformed build record: " + PolicyLoader.firstLine(e.getMessage()));
    }
  }

  private static JsonNode readJson(Path file, String what) throws PolicyException {
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(file);
    } catch (NoSuchFileException e) {
      throw new PolicyException(file + ": no such " + what + " file");
    } catch (IOException e) {
      throw new PolicyException(file + ": cannot read " + what + ": " + e.getMessage());
    }
    try {
      JsonNode n = JSON.readTree(new String(bytes, StandardCharsets.UTF_8));
      if (n == null || n.isMissingNode() || !n.isObject()) {
        throw new PolicyException(file + ": not a JSON object");
      }
      return n;
    } catch (JsonProcessingException e) {
      String line = e.getLocation() != null ? ":" + e.getLocation().getLineNr() : "";
      throw new PolicyException(file + line + ": malformed JSON: " + PolicyLoader.firstLine(e.getOriginalMessage()));
    }
  }
}
