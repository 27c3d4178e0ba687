package dev.plumbline.attest;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.plumbline.env.Environment;
import dev.plumbline.record.BuildRecord;
import dev.plumbline.record.BuildRecords;

/**
 * Our predicate, {@value #TYPE}: the build record's sections (agent, invocation, completeness,
 * tools, processes, network, dns, files; see docs/record.md) plus {@code environment}. The
 * record's own {@code format} field is left out: the predicate type versions the whole document.
 * Built from the record's JSON tree, so fields the record gains later flow through unchanged.
 */
public final class Predicate {
  public static final String TYPE = "https://plumbline.dev/attestation/build-environment/v1";

  private Predicate() {}

  public static ObjectNode of(BuildRecord record, Environment environment) {
    ObjectNode node = (ObjectNode) BuildRecords.tree(record);
    node.remove("format");
    if (environment != null) {
      node.set("environment", CanonicalJson.mapper().valueToTree(environment));
    }
    return (ObjectNode) CanonicalJson.sorted(node);
  }

  /**
   * Builds what {@link #record} needs ahead of it, so that a thread with nothing else to do can
   * take it off a command's critical path: Jackson's mapper (its static set-up formats a date,
   * which enumerates the JDK's locales) and the strict reader's deserializers of every record type
   * (introspected by reflection at first use). Reading a predicate afterwards finds them cached.
   */
  public static void prepareRecordReader() {
    CanonicalJson.strictMapper().readerFor(BuildRecord.class);
  }

  /** The record part of a predicate, for readers that work on BuildRecord (policy, report). */
  public static BuildRecord record(JsonNode predicate) throws AttestException {
    try {
      ObjectNode copy = predicate.deepCopy();
      copy.remove("environment");
      copy.put("format", BuildRecord.FORMAT);
      return CanonicalJson.strictMapper().treeToValue(copy, BuildRecord.class);
    } catch (JsonProcessingException | IllegalArgumentException | ClassCastException e) {
      throw new AttestException("the predicate is not a build record: " + oneLine(e), e);
    }
  }

  /** The environment section of a predicate, or null when it has none. */
  public static Environment environment(JsonNode predicate) throws AttestException {
    JsonNode env = predicate.get("environment");
    if (env == null || env.isNull()) {
      return null;
    }
    try {
      return CanonicalJson.mapper().treeToValue(env, Environment.class);
    } catch (JsonProcessingException | IllegalArgumentException e) {
      throw new AttestException("the predicate's environment section is malformed", e);
    }
  }

  private static String oneLine(Exception e) {
    String m = e instanceof JsonProcessingException j ? j.getOriginalMessage() : e.getMessage();
    return m == null ? e.getClass().getSimpleName() : m.lines().findFirst().orElse("").strip();
  }
}
