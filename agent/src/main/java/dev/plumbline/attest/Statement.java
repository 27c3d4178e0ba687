package dev.plumbline.attest;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Map;

/** An in-toto Statement v1: what was produced (subjects) and what is claimed about it (predicate). */
public record Statement(
    @JsonProperty("_type") String type,
    List<Subject> subject,
    String predicateType,
    JsonNode predicate) {

  public static final String TYPE = "https://in-toto.io/Statement/v1";

  public static Statement of(List<Subject> subjects, String predicateType, JsonNode predicate) {
    return new Statement(TYPE, List.copyOf(subjects), predicateType, predicate);
  }

  /** An in-toto ResourceDescriptor reduced to what a subject needs: a name and its sha256. */
  public record Subject(String name, Map<String, String> digest) {
    public static Subject sha256(String name, String hex) {
      return new Subject(name, Map.of("sha256", hex));
    }
  }
}
