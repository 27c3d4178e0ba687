package dev.plumbline.testing;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;

/** Lookups in a record file as read back with Jackson, for tests that trace through the CLI. */
public final class RecordJson {
  private RecordJson() {}

  /** The record's {@code network} entries to {@code address} (a unix path, or an IP address). */
  public static List<JsonNode> network(JsonNode record, String address) {
    List<JsonNode> all = new ArrayList<>();
    record.path("network").forEach(n -> {
      if (address.equals(n.path("address").asText())) {
        all.add(n);
      }
    });
    return all;
  }

  /** The details of the record's notes of this kind. */
  public static List<String> notes(JsonNode record, String kind) {
    List<String> all = new ArrayList<>();
    record.path("notes").forEach(n -> {
      if (kind.equals(n.path("kind").asText())) {
        all.add(n.path("detail").asText());
      }
    });
    return all;
  }
}
