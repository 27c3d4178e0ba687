package dev.plumbline.policy;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.exc.InvalidDefinitionException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.exc.ValueInstantiationException;
import com.fasterxml.jackson.databind.deser.std.StdScalarDeserializer;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.type.LogicalType;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.plumbline.net.AllowRule;
import dev.plumbline.net.RuleSyntaxException;
import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Reads and validates policy files. Strict on purpose: a typo in a security policy must not silently
 * turn a rule off, so unknown fields, wrong types and duplicate keys are errors naming the field and
 * the line ({@code policy.yaml:12: tools.allowed[0].sha256: expected a list}).
 */
public final class PolicyLoader {
  private static final ObjectMapper YAML = strict(YAMLMapper.builder(new YAMLFactory()));
  private static final ObjectMapper JSON = strict(JsonMapper.builder());

  /** Types written as one string in the policy file. */
  private static final java.util.Set<Class<?>> STRING_VALUED =
      java.util.Set.of(Glob.class, AllowRule.class, Sha256.class, MaxAge.class, Regex.class, Policy.ApiVersion.class, Policy.Kind.class);

  private PolicyLoader() {}

  /** An {@code egress.allowed} entry: a string in the one allow-rule syntax of {@code net.AllowRule}. */
  private static final class AllowRuleDeserializer extends StdScalarDeserializer<AllowRule> {
    AllowRuleDeserializer() {
      super(AllowRule.class);
    }

    @Override
    public AllowRule deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
      String text = ctxt.readValue(p, String.class); // a number or a list is "expected a string"
      try {
        return AllowRule.parse(text);
      } catch (RuleSyntaxException e) {
        String why = e.getMessage();
        throw new IllegalArgumentException("bad destination" + (why.startsWith("'") ? " " : ": ") + why, e);
      }
    }
  }

  private static ObjectMapper strict(com.fasterxml.jackson.databind.cfg.MapperBuilder<?, ?> b) {
    ObjectMapper m =
        b.enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
            .addModule(new SimpleModule("plumbline-net").addDeserializer(AllowRule.class, new AllowRuleDeserializer()))
            .build();
    for (LogicalType t : new LogicalType[] {LogicalType.Textual, LogicalType.Boolean, LogicalType.Integer}) {
      m.coercionConfigFor(t)
          .setCoercion(CoercionInputShape.Integer, t == LogicalType.Integer ? CoercionAction.TryConvert : CoercionAction.Fail)
          .setCoercion(CoercionInputShape.Float, CoercionAction.Fail)
          .setCoercion(CoercionInputShape.Boolean, t == LogicalType.Boolean ? CoercionAction.TryConvert : CoercionAction.Fail)
          .setCoercion(CoercionInputShape.EmptyString, t == LogicalType.Textual ? CoercionAction.TryConvert : CoercionAction.Fail);
    }
    return m;
  }

  /**
   * The largest policy file read: a reviewed policy is a few KiB (a learned one of a large build
   * tens of KiB); anything near this is a mistake or an attack on the verifier's time.
   */
  public static final int MAX_BYTES = 1024 * 1024;

  /**
   * The longest YAML line. SnakeYAML's reader copies its unread window on every 1 KiB it reads, so
   * one token (a comment, a quoted or plain scalar chunk, all bounded by a line) of length L costs
   * O(L^2); bounding lines makes loading linear in the file size.
   */
  static final int MAX_YAML_LINE = 16 * 1024;

  /** Loads a policy from a file; YAML unless the name ends in .json or the text starts with '{'. */
  public static Policy load(Path file) throws PolicyException {
    String text;
    try {
      byte[] bytes;
      try (java.io.InputStream in = Files.newInputStream(file)) {
        bytes = in.readNBytes(MAX_BYTES + 1); // bounded: a FIFO or /dev/zero is no policy either
      }
      if (bytes.length > MAX_BYTES) {
        throw new PolicyException(tooLarge(file.toString(), Math.max(bytes.length, Files.size(file))));
      }
      text = StandardCharsets.UTF_8.newDecoder().decode(java.nio.ByteBuffer.wrap(bytes)).toString();
    } catch (NoSuchFileException e) {
      throw new PolicyException(file + ": no such policy file");
    } catch (CharacterCodingException e) {
      throw new PolicyException(file + ": not UTF-8 text");
    } catch (IOException e) {
      throw new PolicyException(file + ": cannot read policy: " + e.getMessage());
    }
    boolean json = file.toString().endsWith(".json") || text.stripLeading().startsWith("{");
    return parse(text, file.toString(), json);
  }

  /** Parses policy text; {@code name} prefixes every error message. */
  public static Policy parse(String text, String name, boolean json) throws PolicyException {
    long bytes = text.length() > MAX_BYTES / 3 ? text.getBytes(StandardCharsets.UTF_8).length : text.length();
    if (bytes > MAX_BYTES) {
      throw new PolicyException(tooLarge(name, bytes));
    }
    if (!json) {
      checkLineLengths(text, name);
    }
    if (isBlank(text, json)) {
      throw new PolicyException(name + ": empty policy (expected apiVersion: " + Policy.API_VERSION + ", kind: " + Policy.KIND + ")");
    }
    ObjectMapper mapper = json ? JSON : YAML;
    Policy p;
    Map<String, Integer> lines = new java.util.HashMap<>();
    try {
      lines = lineIndex(mapper, text);
      p = mapper.readValue(text, Policy.class);
    } catch (JsonProcessingException e) {
      throw new PolicyException(describe(e, name, json, lines), e);
    } catch (IOException | RuntimeException e) {
      // SnakeYAML and Jackson are meant to wrap everything; this keeps a stack trace from users if one slips through
      throw new PolicyException(name + ": unreadable policy: " + firstLine(e.getMessage()), e);
    }
    if (p == null) {
      throw new PolicyException(name + ": empty policy (expected apiVersion: " + Policy.API_VERSION + ", kind: " + Policy.KIND + ")");
    }
    if (p.apiVersion() == null) {
      throw new PolicyException(name + ": missing apiVersion (expected apiVersion: " + Policy.API_VERSION + ")");
    }
    if (p.kind() == null) {
      throw new PolicyException(name + ": missing kind (expected kind: " + Policy.KIND + ")");
    }
    return p;
  }

  private static String tooLarge(String name, long bytes) {
    return name + ": policy too large: " + bytes + " bytes, the limit is " + MAX_BYTES + " (1 MiB)";
  }

  private static void checkLineLengths(String text, String name) throws PolicyException {
    int line = 1;
    int start = 0;
    for (int i = 0; i <= text.length(); i++) {
      if (i == text.length() || text.charAt(i) == '\n') {
        if (i - start > MAX_YAML_LINE) {
          throw new PolicyException(name + ":" + line + ": line is longer than " + MAX_YAML_LINE + " characters");
        }
        line++;
        start = i + 1;
      }
    }
  }

  private static boolean isBlank(String text, boolean json) {
    for (String line : text.split("\n")) {
      String l = line.strip();
      if (!l.isEmpty() && !(!json && (l.startsWith("#") || l.equals("---") || l.equals("...")))) {
        return false;
      }
    }
    return true;
  }

  /**
   * The line of every field and list element, by JSON pointer. Jackson reports some errors (unknown
   * fields of records among them) only once the whole object is read, at its end; the index puts
   * the message on the line the offending field is on.
   */
  private static Map<String, Integer> lineIndex(ObjectMapper mapper, String text) throws IOException {
    Map<String, Integer> lines = new java.util.HashMap<>();
    try (JsonParser p = mapper.getFactory().createParser(text)) {
      JsonToken t;
      while ((t = p.nextToken()) != null) {
        if (t == JsonToken.END_OBJECT || t == JsonToken.END_ARRAY) {
          continue;
        }
        com.fasterxml.jackson.core.JsonStreamContext ctx = p.getParsingContext();
        if (t == JsonToken.START_OBJECT || t == JsonToken.START_ARRAY) {
          ctx = ctx.getParent();
        }
        String pointer = ctx == null ? "" : ctx.pathAsPointer().toString();
        lines.putIfAbsent(pointer, p.currentTokenLocation().getLineNr());
      }
    }
    return lines;
  }

  static String describe(JsonProcessingException e, String name, boolean json, Map<String, Integer> lines) {
    JsonLocation loc = e.getLocation();
    int line = loc != null ? loc.getLineNr() : -1;
    if (e instanceof JsonMappingException m) {
      Integer indexed = lines.get(pointer(m));
      if (indexed != null && indexed > 0) {
        line = indexed;
      }
    }
    String where = line > 0 ? name + ":" + line : name;
    if (e instanceof UnrecognizedPropertyException u) {
      String field = path(u, false);
      String in = field.isEmpty() ? "" : " in " + field;
      return where + ": unknown field '" + u.getPropertyName() + "'" + in + known(u.getKnownPropertyIds());
    }
    if (e instanceof ValueInstantiationException || e instanceof InvalidDefinitionException) {
      String p = path((JsonMappingException) e, true);
      Throwable cause = e.getCause() != null ? e.getCause() : e;
      return where + ": " + (p.isEmpty() ? "" : p + ": ") + firstLine(cause.getMessage());
    }
    if (e instanceof JsonMappingException m && m.getCause() instanceof IllegalArgumentException iae) {
      String p = path(m, true);
      return where + ": " + (p.isEmpty() ? "" : p + ": ") + firstLine(iae.getMessage());
    }
    if (e instanceof MismatchedInputException m) {
      String p = path(m, true);
      String expected = expected(m.getTargetType());
      String got = got(m.getOriginalMessage());
      if (m.getMessage() != null && m.getMessage().startsWith("Duplicate field")) {
        return where + ": duplicate field " + p;
      }
      String hint = "a string".equals(expected) && "a number".equals(got) ? " (quote it: \"...\")" : "";
      return where + ": " + (p.isEmpty() ? "policy" : p) + ": expected " + expected + (got == null ? "" : ", got " + got) + hint;
    }
    if (e.getCause() instanceof org.yaml.snakeyaml.error.MarkedYAMLException y) {
      // SnakeYAML's own mark is where the problem is; Jackson's location can be the token before it
      int yline = y.getProblemMark() != null ? y.getProblemMark().getLine() + 1 : line;
      String problem = y.getProblem() != null ? y.getProblem() : y.getContext();
      return (yline > 0 ? name + ":" + yline : name) + ": YAML syntax error: " + firstLine(problem);
    }
    if (e instanceof JsonParseException pe) {
      String msg = firstLine(pe.getOriginalMessage());
      if (msg.startsWith("Duplicate field")) {
        return where + ": " + msg.replace("Duplicate field", "duplicate field");
      }
      return where + ": " + (json ? "JSON" : "YAML") + " syntax error: " + msg;
    }
    return where + ": " + firstLine(e.getOriginalMessage());
  }

  private static String pointer(JsonMappingException e) {
    StringBuilder sb = new StringBuilder();
    for (JsonMappingException.Reference r : e.getPath()) {
      sb.append('/');
      if (r.getFieldName() != null) {
        sb.append(r.getFieldName().replace("~", "~0").replace("/", "~1"));
      } else {
        sb.append(r.getIndex());
      }
    }
    return sb.toString();
  }

  private static String path(JsonMappingException e, boolean includeLast) {
    List<JsonMappingException.Reference> refs = e.getPath();
    int n = includeLast ? refs.size() : Math.max(0, refs.size() - 1);
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < n; i++) {
      JsonMappingException.Reference r = refs.get(i);
      if (r.getFieldName() != null) {
        if (sb.length() > 0) {
          sb.append('.');
        }
        sb.append(r.getFieldName());
      } else if (r.getIndex() >= 0) {
        sb.append('[').append(r.getIndex()).append(']');
      }
    }
    return sb.toString();
  }

  private static String known(Collection<Object> ids) {
    if (ids == null || ids.isEmpty()) {
      return "";
    }
    return " (known: " + ids.stream().map(String::valueOf).sorted().collect(Collectors.joining(", ")) + ")";
  }

  private static String expected(Class<?> type) {
    if (type == null) {
      return "another type";
    }
    if (List.class.isAssignableFrom(type) || Collection.class.isAssignableFrom(type)) {
      return "a list";
    }
    if (type == Boolean.class || type == boolean.class) {
      return "true or false";
    }
    if (type == Integer.class || type == int.class || type == Long.class) {
      return "a whole number";
    }
    if (type == String.class || STRING_VALUED.contains(type)) {
      return "a string";
    }
    if (type.isRecord() || Map.class.isAssignableFrom(type)) {
      return "a mapping (key: value)";
    }
    return "a " + type.getSimpleName();
  }

  /** What the file had instead, from Jackson's message ("... from String value ..."). */
  private static String got(String message) {
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("(?:from|coerce) (\\w+) value").matcher(message == null ? "" : message);
    if (!m.find()) {
      return message != null && message.contains("START_ARRAY") ? "a list" : null;
    }
    return switch (m.group(1)) {
      case "Array" -> "a list";
      case "Object" -> "a mapping";
      case "String" -> "a string";
      case "Integer", "Floating", "Float", "Double", "Number", "Long", "BigInteger" -> "a number";
      case "Boolean" -> "true/false";
      case "Null" -> "nothing (null)";
      default -> m.group(1).toLowerCase(java.util.Locale.ROOT);
    };
  }

  static String firstLine(String s) {
    if (s == null) {
      return "unknown error";
    }
    String line = s.strip();
    int nl = line.indexOf('\n');
    return (nl >= 0 ? line.substring(0, nl) : line).strip();
  }
}
