package dev.plumbline.record;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.plumbline.redact.Redaction;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Applies a {@link Redaction} to every string of a record, whatever section it is in: each
 * {@code argv} as an argv, every other string (paths, DNS names, hostnames, notes, reasons) as
 * text. A secret can reach the record by routes no argv rule sees ({@code curl $TOKEN.example},
 * a file named after it), so the whole document is passed over once, generically, and a field
 * added later is covered without anyone remembering to.
 */
final class RecordRedaction {
  private RecordRedaction() {}

  /** Fields that are digests or fixed identifiers, never build-controlled text. */
  private static final Set<String> UNTOUCHED = Set.of("sha256", "format");

  private static final ObjectMapper MAPPER = BuildRecords.shared();

  /**
   * The walk goes over a tree of Jackson nodes, which takes several times the memory of the
   * record itself; the processes, one entry per process of the build (100,000 in a large build),
   * are therefore passed over one at a time and the rest of the record as one tree, so the tree
   * of the whole record never exists at once. The walk is the same: it looks at field names only,
   * never at where a node sits.
   */
  static BuildRecord apply(BuildRecord record, Redaction redaction) {
    List<BuildRecord.ProcessInfo> processes = record.processes();
    BuildRecord rest = redacted(processes == null ? record : record.withProcesses(List.of()), BuildRecord.class, redaction);
    if (processes == null) {
      return rest;
    }
    List<BuildRecord.ProcessInfo> out = new ArrayList<>(processes.size());
    for (BuildRecord.ProcessInfo p : processes) {
      out.add(process(p, redaction));
    }
    return rest.withProcesses(Collections.unmodifiableList(out));
  }

  /** One process of a record, redacted as {@link #apply} redacts each. */
  static BuildRecord.ProcessInfo process(BuildRecord.ProcessInfo process, Redaction redaction) {
    return redacted(process, BuildRecord.ProcessInfo.class, redaction);
  }

  /** An exec's script, redacted as {@link #process} redacts it inside its process (the walk looks at field names only). */
  static BuildRecord.Script script(BuildRecord.Script script, Redaction redaction) {
    return redacted(script, BuildRecord.Script.class, redaction);
  }

  /**
   * The value itself when the walk replaced nothing (no string held a secret: the usual case),
   * else the redacted tree read back. The read-back needs Jackson's deserializers of every record
   * type, whose construction was ~10% of the CPU of a 'run' of /bin/true; the tree came from this
   * value, so reading an unchanged tree back gives an equal record.
   */
  private static <T> T redacted(T value, Class<T> type, Redaction redaction) {
    JsonNode tree = MAPPER.valueToTree(value);
    if (!walk(tree, redaction)) {
      return value;
    }
    try {
      return MAPPER.treeToValue(tree, type);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("a redacted record always reads back", e);
    }
  }

  /** Redacts the strings under {@code node} in place; true when any of them changed. */
  private static boolean walk(JsonNode node, Redaction redaction) {
    boolean changed = false;
    if (node instanceof ObjectNode object) {
      Iterator<Map.Entry<String, JsonNode>> fields = object.fields();
      List<Map.Entry<String, JsonNode>> replaced = new ArrayList<>();
      while (fields.hasNext()) {
        Map.Entry<String, JsonNode> f = fields.next();
        JsonNode v = f.getValue();
        if (UNTOUCHED.contains(f.getKey())) {
          continue;
        }
        if (v.isTextual()) {
          String text = redaction.text(v.asText());
          if (!text.equals(v.asText())) {
            replaced.add(Map.entry(f.getKey(), TextNode.valueOf(text)));
          }
        } else if (f.getKey().equals("argv") && v instanceof ArrayNode array && allText(array)) {
          List<String> argv = new ArrayList<>();
          array.forEach(a -> argv.add(a.asText()));
          List<String> redacted = redaction.argv(argv);
          if (!redacted.equals(argv)) {
            ArrayNode out = MAPPER.createArrayNode();
            redacted.forEach(out::add);
            replaced.add(Map.entry(f.getKey(), out));
          }
        } else {
          changed |= walk(v, redaction);
        }
      }
      replaced.forEach(e -> object.set(e.getKey(), e.getValue()));
      changed |= !replaced.isEmpty();
    } else if (node instanceof ArrayNode array) {
      for (int i = 0; i < array.size(); i++) {
        JsonNode v = array.get(i);
        if (v.isTextual()) {
          String text = redaction.text(v.asText());
          if (!text.equals(v.asText())) {
            array.set(i, TextNode.valueOf(text));
            changed = true;
          }
        } else {
          changed |= walk(v, redaction);
        }
      }
    }
    return changed;
  }

  private static boolean allText(ArrayNode array) {
    for (JsonNode a : array) {
      if (!a.isTextual()) {
        return false;
      }
    }
    return true;
  }
}
