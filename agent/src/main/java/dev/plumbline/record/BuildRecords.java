package dev.plumbline.record;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.plumbline.env.ToolchainInventory;
import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;

/**
 * Reads and writes build records as JSON: properties sorted by name, two-space indent, one
 * trailing newline, so equal records are equal bytes. Lists keep the order {@link BuildRecorder}
 * gave them (sorted there).
 */
public final class BuildRecords {
  private BuildRecords() {}

  /**
   * The mapper and writer, made when first used rather than with this class: the run's main thread
   * calls {@link #prepareOutput} before the build, and making Jackson's mapper there (~30 ms of
   * CPU, or a wait for the record warm-up thread that is making it) delayed the build's start.
   */
  private static final class Json {
    static final ObjectMapper MAPPER =
        JsonMapper.builder()
            .enable(MapperFeature.SORT_PROPERTIES_ALPHABETICALLY)
            .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES) // later versions only add fields
            .build();

    static final ObjectWriter WRITER =
        MAPPER.writer(new DefaultPrettyPrinter().withObjectIndenter(new DefaultIndenter("  ", "\n"))
            .withArrayIndenter(new DefaultIndenter("  ", "\n")));
  }

  /** The binaries the build executed, for the environment's toolchain list. */
  public static List<ToolchainInventory.Executed> executed(BuildRecord record) {
    if (record == null || record.tools() == null) {
      return List.of();
    }
    return record.tools().stream().map(t -> new ToolchainInventory.Executed(t.path(), t.sha256())).toList();
  }

  /** Installed and used package counts for the environment section, or null when packages were not looked up. */
  public static dev.plumbline.env.Environment.PackageCounts packageCounts(BuildRecord record) {
    if (record == null || record.packages() == null) {
      return null;
    }
    int installed = 0;
    for (BuildRecord.PackageDatabase db : record.packages().databases() == null ? List.<BuildRecord.PackageDatabase>of() : record.packages().databases()) {
      installed += db.installed() == null ? 0 : db.installed();
    }
    int used = record.packages().used() == null ? 0 : record.packages().used().size();
    return new dev.plumbline.env.Environment.PackageCounts(installed, used);
  }

  /** The shared mapper configuration, for code that embeds records in other documents (a copy: theirs to configure). */
  public static ObjectMapper mapper() {
    return Json.MAPPER.copy();
  }

  /**
   * The mapper itself, for this package's code that uses it as it is (the process spool, the
   * redaction): a copy starts with empty serializer and deserializer caches, so each copy had
   * Jackson introspect every record type again (three times in a run, under a C1-only JIT);
   * sharing it does that once. Never to be reconfigured: it is the record writer's too.
   */
  static ObjectMapper shared() {
    return Json.MAPPER;
  }

  /**
   * The record as a JSON tree, made by the record writer's own mapper: a signed run has already
   * written the record with it, so Jackson's serializers of every record type are made and cached
   * (another mapper, the attestation's, introspected them all again by reflection after the build:
   * docs/benchmarks.md, "Fixed cost, key-signed"). Its field order is the writer's; callers that
   * need another sort the tree.
   */
  public static JsonNode tree(BuildRecord record) {
    return Json.MAPPER.valueToTree(record);
  }

  /** The record as canonical pretty JSON with a trailing newline. */
  public static String toJson(BuildRecord record) {
    return canonicalJson(record);
  }

  /** Any of our records (summaries, sections) in the same canonical form. */
  static String canonicalJson(Object value) {
    try {
      return Json.WRITER.writeValueAsString(value) + "\n";
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(value.getClass().getSimpleName() + " always serialises", e);
    }
  }

  /**
   * The bytes of {@link #toJson} written to {@code out} as they are made (not closed): a large
   * record is not held again as a String and as bytes.
   */
  static void writeJson(Object value, OutputStream out) throws IOException {
    // through a Writer, as toJson's String is made: Jackson's byte generator writes a character
    // outside the BMP as an escaped surrogate pair, its char generator as the character itself
    Writer text = new OutputStreamWriter(out, StandardCharsets.UTF_8);
    Json.WRITER.without(JsonGenerator.Feature.AUTO_CLOSE_TARGET).writeValue(text, value);
    text.write('\n');
    text.flush();
  }

  /**
   * Before the build: makes the parent directories of an output file ({@code what}: "record",
   * "bundle") and fails when the file could not be written there (a directory in the way, no
   * permission), so a run does not learn it only after the build.
   */
  public static void prepareOutput(Path file, String what) throws RecordException {
    Path target = file.toAbsolutePath();
    Path dir = target.getParent();
    try {
      Files.createDirectories(dir);
    } catch (IOException e) {
      throw new RecordException("cannot write the " + what + " " + file + ": cannot create " + dir + ": " + oneLine(e));
    }
    if (Files.isDirectory(target)) {
      throw new RecordException("cannot write the " + what + " " + file + ": it is a directory");
    }
    if (!Files.isWritable(dir) || Files.exists(target) && !Files.isWritable(target)) {
      throw new RecordException("cannot write the " + what + " " + file + ": permission denied");
    }
  }

  /** Writes {@code record} to {@code file} (through a temporary file in the same directory, then a rename), creating its directory. */
  public static void write(BuildRecord record, Path file) throws RecordException {
    Path target = file.toAbsolutePath();
    Path dir = target.getParent();
    try {
      Files.createDirectories(dir);
      AtomicFiles.write(target, out -> writeJson(record, out));
    } catch (NoSuchFileException e) {
      throw new RecordException("cannot write record " + file + ": directory " + dir + " does not exist");
    } catch (IOException e) {
      throw new RecordException("cannot write record " + file + ": " + oneLine(e));
    }
  }

  /** Reads a record file. */
  public static BuildRecord read(Path file) throws RecordException {
    String json;
    try {
      json = Files.readString(file, StandardCharsets.UTF_8);
    } catch (NoSuchFileException e) {
      throw new RecordException("cannot read record " + file + ": no such file");
    } catch (IOException e) {
      throw new RecordException("cannot read record " + file + ": " + oneLine(e));
    }
    return parse(json, file.toString());
  }

  /**
   * Parses a record. {@code source} names it in error messages. The format must be {@link
   * BuildRecord#FORMAT}; unknown properties are ignored (later versions only add).
   */
  public static BuildRecord parse(String json, String source) throws RecordException {
    BuildRecord record;
    try {
      record = Json.MAPPER.readValue(json, BuildRecord.class);
    } catch (MismatchedInputException e) {
      throw new RecordException(source + ": not a build record: " + problem(e) + where(e.getLocation()) + path(e));
    } catch (JsonProcessingException e) {
      throw new RecordException(source + ": malformed JSON: " + problem(e) + where(e.getLocation()));
    }
    if (record == null) {
      throw new RecordException(source + ": not a build record: empty document");
    }
    if (!BuildRecord.FORMAT.equals(record.format())) {
      throw new RecordException(
          source + ": not a build record: format is " + (record.format() == null ? "missing" : quoted(record.format()))
              + ", expected \"" + BuildRecord.FORMAT + "\"");
    }
    if (record.completeness() == null) {
      throw new RecordException(source + ": not a build record: completeness is missing");
    }
    return record;
  }

  /** A value from the input, safe for a one-line message: quoted, control characters escaped, shortened. */
  static String quoted(String value) {
    StringBuilder sb = new StringBuilder("\"");
    int max = 100;
    for (int i = 0; i < value.length() && i < max; i++) {
      char c = value.charAt(i);
      if (c < 0x20 || c == 0x7f || c == '"' || c == '\\') {
        sb.append(String.format("\\u%04x", (int) c));
      } else {
        sb.append(c);
      }
    }
    return sb.append(value.length() > max ? "…\"" : "\"").toString();
  }

  private static String problem(JsonProcessingException e) {
    String m = e.getOriginalMessage();
    if (m == null) {
      return e.getClass().getSimpleName();
    }
    m = m.replaceAll("[\\s\\p{Cntrl}]+", " ").trim();
    // Jackson appends hints about records and classes that say nothing to a user
    int cut = m.indexOf(" (for ");
    return cut > 0 ? m.substring(0, cut) : m;
  }

  private static String where(JsonLocation loc) {
    return loc == null || loc.getLineNr() < 0 ? "" : " at line " + loc.getLineNr() + " column " + loc.getColumnNr();
  }

  private static String path(MismatchedInputException e) {
    String p = e.getPathReference();
    if (e.getPath() == null || e.getPath().isEmpty()) {
      return "";
    }
    StringBuilder sb = new StringBuilder(" (in ");
    boolean first = true;
    for (var ref : e.getPath()) {
      if (ref.getFieldName() != null) {
        sb.append(first ? "" : ".").append(ref.getFieldName());
      } else if (ref.getIndex() >= 0) {
        sb.append('[').append(ref.getIndex()).append(']');
      }
      first = false;
    }
    return p == null ? "" : sb.append(')').toString();
  }

  private static String oneLine(Exception e) {
    String m = e instanceof java.nio.file.FileSystemException f && f.getReason() != null ? f.getReason() : e.getMessage();
    return m == null ? e.getClass().getSimpleName() : m.replaceAll("\\s+", " ");
  }
}
