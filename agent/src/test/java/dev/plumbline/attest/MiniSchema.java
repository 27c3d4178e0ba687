package dev.plumbline.attest;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * A validator for the JSON Schema (2020-12) keywords predicate.schema.json uses: $ref to local
 * $defs, type, properties, required, additionalProperties, items, minItems, enum, const, pattern, minimum,
 * anyOf, not, and boolean schemas. An unknown keyword is an error, so the schema cannot quietly
 * use something this validator ignores.
 */
public final class MiniSchema {
  private static final java.util.Set<String> KNOWN = java.util.Set.of(
      "$schema", "$id", "$defs", "title", "description", "$ref", "type", "properties", "required",
      "additionalProperties", "items", "minItems", "enum", "const", "pattern", "minimum", "anyOf", "not");

  private final JsonNode root;

  public MiniSchema(JsonNode root) {
    this.root = root;
  }

  /** Every violation as "path: problem"; empty when the instance is valid. */
  public List<String> validate(JsonNode instance) {
    List<String> errors = new ArrayList<>();
    check(root, instance, "$", errors);
    return errors;
  }

  private void check(JsonNode schema, JsonNode v, String path, List<String> errors) {
    if (schema.isBoolean()) {
      if (!schema.asBoolean()) {
        errors.add(path + ": not allowed");
      }
      return;
    }
    for (Iterator<String> it = schema.fieldNames(); it.hasNext(); ) {
      String k = it.next();
      if (!KNOWN.contains(k)) {
        throw new IllegalArgumentException("schema uses unsupported keyword " + k + " at " + path);
      }
    }
    if (schema.has("$ref")) {
      String ref = schema.get("$ref").asText();
      if (!ref.startsWith("#/$defs/")) {
        throw new IllegalArgumentException("only local $defs refs are supported: " + ref);
      }
      JsonNode target = root.path("$defs").path(ref.substring("#/$defs/".length()));
      if (target.isMissingNode()) {
        throw new IllegalArgumentException("dangling $ref " + ref);
      }
      check(target, v, path, errors);
    }
    if (schema.has("type") && !typeMatches(schema.get("type"), v)) {
      errors.add(path + ": expected " + schema.get("type") + ", got " + v.getNodeType().name().toLowerCase());
      return;
    }
    if (schema.has("enum")) {
      boolean found = false;
      for (JsonNode e : schema.get("enum")) {
        found |= e.equals(v);
      }
      if (!found) {
        errors.add(path + ": " + v + " is not one of " + schema.get("enum"));
      }
    }
    if (schema.has("const") && !schema.get("const").equals(v)) {
      errors.add(path + ": expected " + schema.get("const"));
    }
    if (schema.has("pattern") && v.isTextual() && !Pattern.compile(schema.get("pattern").asText()).matcher(v.asText()).find()) {
      errors.add(path + ": '" + v.asText() + "' does not match " + schema.get("pattern").asText());
    }
    if (schema.has("minimum") && v.isNumber() && v.asDouble() < schema.get("minimum").asDouble()) {
      errors.add(path + ": " + v + " is below " + schema.get("minimum"));
    }
    if (v.isObject()) {
      for (JsonNode r : schema.path("required")) {
        if (!v.has(r.asText())) {
          errors.add(path + ": missing required " + r.asText());
        }
      }
      JsonNode props = schema.path("properties");
      for (Iterator<Map.Entry<String, JsonNode>> it = v.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> f = it.next();
        if (props.has(f.getKey())) {
          check(props.get(f.getKey()), f.getValue(), path + "." + f.getKey(), errors);
        } else if (schema.has("additionalProperties")) {
          check(schema.get("additionalProperties"), f.getValue(), path + "." + f.getKey(), errors);
        }
      }
    }
    if (v.isArray() && schema.has("minItems") && v.size() < schema.get("minItems").asInt()) {
      errors.add(path + ": fewer than " + schema.get("minItems") + " items");
    }
    if (v.isArray() && schema.has("items")) {
      for (int i = 0; i < v.size(); i++) {
        check(schema.get("items"), v.get(i), path + "[" + i + "]", errors);
      }
    }
    if (schema.has("anyOf")) {
      boolean any = false;
      for (JsonNode alt : schema.get("anyOf")) {
        List<String> sub = new ArrayList<>();
        check(alt, v, path, sub);
        any |= sub.isEmpty();
      }
      if (!any) {
        errors.add(path + ": matches none of the alternatives");
      }
    }
    if (schema.has("not")) {
      List<String> sub = new ArrayList<>();
      check(schema.get("not"), v, path, sub);
      if (sub.isEmpty()) {
        errors.add(path + ": matches a forbidden schema");
      }
    }
  }

  private static boolean typeMatches(JsonNode type, JsonNode v) {
    if (type.isArray()) {
      for (JsonNode t : type) {
        if (typeMatches(t, v)) {
          return true;
        }
      }
      return false;
    }
    return switch (type.asText()) {
      case "object" -> v.isObject();
      case "array" -> v.isArray();
      case "string" -> v.isTextual();
      case "boolean" -> v.isBoolean();
      case "integer" -> v.isIntegralNumber();
      case "number" -> v.isNumber();
      case "null" -> v.isNull();
      default -> throw new IllegalArgumentException("unknown type " + type);
    };
  }
}
