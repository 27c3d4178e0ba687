package dev.plumbline.attest;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.json.JsonWriteFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.type.LogicalType;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;

/**
 * JSON with no map-order noise: object keys sorted at every level, compact, UTF-8. Two equal
 * documents serialize to the same bytes, so signed payloads and records diff cleanly.
 */
public final class CanonicalJson {
  private static final ObjectMapper MAPPER =
      new ObjectMapper()
          .configure(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS, true)
          .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false)
          .configure(DeserializationFeature.FAIL_ON_TRAILING_TOKENS, true);

  /**
   * For signed content and bundles: a duplicate key anywhere is an error (which of two values a
   * reader takes is exactly what an attacker would play with), and scalars are never coerced
   * ({@code "complete": "true"} or {@code 1} is not a boolean, {@code 1.5} not an integer). Unknown
   * fields are ignored, as the predicate's versioning rule says (docs/predicate.md).
   */
  private static final ObjectMapper STRICT = strict();

  private static ObjectMapper strict() {
    ObjectMapper m = com.fasterxml.jackson.databind.json.JsonMapper.builder()
        .enable(com.fasterxml.jackson.core.StreamReadFeature.STRICT_DUPLICATE_DETECTION)
        .disable(com.fasterxml.jackson.databind.MapperFeature.ALLOW_COERCION_OF_SCALARS)
        .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
        .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
        .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
        .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
        .build();
    // every scalar coercion off: a value is read only from its own JSON type
    refuse(m, LogicalType.Boolean, CoercionInputShape.Integer, CoercionInputShape.Float, CoercionInputShape.String);
    refuse(m, LogicalType.Integer, CoercionInputShape.Float, CoercionInputShape.String, CoercionInputShape.Boolean);
    refuse(m, LogicalType.Float, CoercionInputShape.String, CoercionInputShape.Boolean);
    refuse(m, LogicalType.Textual, CoercionInputShape.Integer, CoercionInputShape.Float, CoercionInputShape.Boolean);
    return m;
  }

  private static void refuse(ObjectMapper m, LogicalType type, CoercionInputShape... shapes) {
    for (CoercionInputShape shape : shapes) {
      m.coercionConfigFor(type).setCoercion(shape, CoercionAction.Fail);
    }
  }

  private CanonicalJson() {}

  /** The strict reader for bundles, signed payloads and predicates (see {@link #STRICT}). */
  public static ObjectMapper strictMapper() {
    return STRICT;
  }

  /** The shared mapper (lenient on unknown properties, strict on trailing garbage). */
  public static ObjectMapper mapper() {
    return MAPPER;
  }

  /** Any Jackson-serializable value as a tree with sorted keys. */
  public static JsonNode tree(Object value) {
    return sorted(MAPPER.valueToTree(value));
  }

  /**
   * Compact bytes of the value, keys sorted at every level, non-ASCII characters escaped: signed
   * payloads stay pure ASCII because verifiers built on sigstore-java 2.0.0 compute the DSSE PAE
   * length in characters rather than bytes and would reject a payload holding e.g. an accented path.
   */
  public static byte[] bytes(Object value) {
    try {
      return MAPPER.writer().with(JsonWriteFeature.ESCAPE_NON_ASCII).writeValueAsBytes(tree(value));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot serialize " + value.getClass().getSimpleName(), e);
    }
  }

  /** Indented form of {@link #bytes} for files people read; same key order. */
  public static byte[] prettyBytes(Object value) {
    try {
      byte[] out = MAPPER.writerWithDefaultPrettyPrinter().writeValueAsBytes(tree(value));
      byte[] withNewline = new byte[out.length + 1];
      System.arraycopy(out, 0, withNewline, 0, out.length);
      withNewline[out.length] = '\n';
      return withNewline;
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot serialize " + value.getClass().getSimpleName(), e);
    }
  }

  public static String string(Object value) {
    return new String(bytes(value), StandardCharsets.UTF_8);
  }

  /** A copy of the tree whose object keys are sorted, recursively. */
  public static JsonNode sorted(JsonNode node) {
    if (node == null) {
      return null;
    }
    if (node.isObject()) {
      List<String> names = new ArrayList<>();
      node.fieldNames().forEachRemaining(names::add);
      Collections.sort(names);
      ObjectNode out = JsonNodeFactory.instance.objectNode();
      for (String name : names) {
        out.set(name, sorted(node.get(name)));
      }
      return out;
    }
    if (node.isArray()) {
      ArrayNode out = JsonNodeFactory.instance.arrayNode();
      for (JsonNode item : node) {
        out.add(sorted(item));
      }
      return out;
    }
    return node;
  }

  /** Convenience for building small objects in tests and documents. */
  public static ObjectNode object(Map<String, ?> fields) {
    return (ObjectNode) tree(fields);
  }
}
