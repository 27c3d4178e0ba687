package dev.plumbline.cli;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.plumbline.query.Filters;
import dev.plumbline.query.Query;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/** Prints query rows as they come: text, a JSON array (streamed), or CSV. */
abstract class QueryOutput {
  protected final PrintWriter out;

  QueryOutput(PrintWriter out) {
    this.out = out;
  }

  static QueryOutput of(String format, PrintWriter out) {
    return switch (format) {
      case "text" -> new Text(out);
      case "json" -> new Json(out);
      case "csv" -> new Csv(out);
      default -> null;
    };
  }

  abstract void row(Query.Row row);

  void finish() {
    out.flush();
  }

  /** A value from a bundle, safe on a terminal: control characters become \\uXXXX. */
  static String safe(String s) {
    if (s == null) {
      return "";
    }
    StringBuilder b = new StringBuilder(s.length());
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0) || c == '\u2028' || c == '\u2029') {
        b.append(String.format("\\u%04x", (int) c));
      } else {
        b.append(c);
      }
    }
    return b.toString();
  }

  static String subjects(Query.Row r) {
    List<String> s = new ArrayList<>();
    r.subjects().forEach(x -> s.add(x.name() + " sha256:" + x.sha256()));
    return String.join("; ", s);
  }

  private static final class Text extends QueryOutput {
    Text(PrintWriter out) {
      super(out);
    }

    @Override
    void row(Query.Row r) {
      out.println(safe(r.bundle()));
      out.println("  signer:   " + safe(r.signer()));
      out.println("  built:    " + safe(r.startedAt()) + "  " + safe(String.join(" ", r.command())));
      for (Query.Subject s : r.subjects()) {
        out.println("  subject:  " + safe(s.name()) + " sha256:" + safe(s.sha256()));
      }
      for (Filters.Match m : r.matches()) {
        out.println("  match:    " + safe(m.filter()) + ": " + safe(m.evidence()));
      }
      out.flush();
    }
  }

  private static final class Csv extends QueryOutput {
    Csv(PrintWriter out) {
      super(out);
      out.println("bundle,subjects,signer,startedAt,command,matches");
    }

    @Override
    void row(Query.Row r) {
      List<String> matches = new ArrayList<>();
      r.matches().forEach(m -> matches.add(m.filter() + ": " + m.evidence()));
      out.println(String.join(",", cell(r.bundle()), cell(subjects(r)), cell(r.signer()), cell(r.startedAt()),
          cell(String.join(" ", r.command())), cell(String.join("; ", matches))));
      out.flush();
    }

    /** RFC 4180 quoting; a leading = + - @ is prefixed with ' so a spreadsheet does not run it as a formula. */
    static String cell(String v) {
      String s = v == null ? "" : v;
      if (!s.isEmpty() && "=+-@\t\r".indexOf(s.charAt(0)) >= 0) {
        s = "'" + s;
      }
      return "\"" + s.replace("\"", "\"\"") + "\"";
    }
  }

  private static final class Json extends QueryOutput {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private final JsonGenerator gen;

    Json(PrintWriter out) {
      super(out);
      try {
        gen = MAPPER.getFactory().createGenerator(out);
        gen.useDefaultPrettyPrinter();
        gen.writeStartArray();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    @Override
    void row(Query.Row r) {
      ObjectNode o = MAPPER.createObjectNode();
      o.put("bundle", r.bundle());
      ArrayNode subjects = o.putArray("subjects");
      r.subjects().forEach(s -> subjects.addObject().put("name", s.name()).putObject("digest").put("sha256", s.sha256()));
      o.put("signer", r.signer());
      o.put("startedAt", r.startedAt());
      ArrayNode command = o.putArray("command");
      r.command().forEach(command::add);
      ArrayNode matches = o.putArray("matches");
      r.matches().forEach(m -> matches.addObject().put("filter", m.filter()).put("evidence", m.evidence()));
      try {
        MAPPER.writeTree(gen, o);
        gen.flush();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    @Override
    void finish() {
      try {
        gen.writeEndArray();
        gen.writeRaw('\n');
        gen.flush();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      out.flush();
    }
  }
}
