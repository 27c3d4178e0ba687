import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.File;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * What the action needs from a build record when jq is not installed (container images often lack
 * it), run as a single-file program on the agent jar's classpath (Jackson is in it):
 *
 * <pre>
 *   java -cp plumbline.jar RecordTool.java annotations RECORD EGRESS_MODE HAS_ALLOWLIST [PATH_PREFIX]
 *   java -cp plumbline.jar RecordTool.java summary RECORD       # when 'plumbline report' is missing
 *   java -cp plumbline.jar RecordTool.java failed-rules POLICY_RESULT_JSON
 *   java -cp plumbline.jar RecordTool.java yaml-to-json FILE    # for scripts/test-action without PyYAML
 * </pre>
 *
 * The annotations are GitHub workflow commands, the same ones run.sh writes with jq.
 */
public final class RecordTool {
  public static void main(String[] args) {
    try {
      if (args.length >= 4 && args[0].equals("annotations")) {
        annotations(read(args[1]), args[2], Boolean.parseBoolean(args[3]), args.length > 4 ? args[4] : "").forEach(System.out::println);
      } else if (args.length == 2 && args[0].equals("summary")) {
        System.out.print(summary(read(args[1])));
      } else if (args.length == 2 && args[0].equals("failed-rules")) {
        // `plumbline policy check --format json` output → the names of the rules that failed, one a line
        for (JsonNode r : read(args[1]).path("rules")) {
          if (!r.path("passed").asBoolean(false)) {
            System.out.println(r.path("rule").asText());
          }
        }
      } else if (args.length == 2 && args[0].equals("yaml-to-json")) {
        JsonNode doc = new ObjectMapper(new YAMLFactory()).readTree(new File(args[1]));
        System.out.println(new ObjectMapper().writeValueAsString(doc));
      } else {
        System.err.println("usage: RecordTool annotations RECORD MODE HAS_ALLOWLIST [PATH_PREFIX] | summary RECORD | failed-rules JSON | yaml-to-json FILE");
        System.exit(2);
      }
    } catch (IOException e) {
      System.err.println("RecordTool: cannot read " + args[1] + ": " + e.getMessage().lines().findFirst().orElse(""));
      System.exit(2);
    }
  }

  static JsonNode read(String path) throws IOException {
    return new ObjectMapper().readTree(new File(path));
  }

  static List<String> annotations(JsonNode record, String egressMode, boolean hasAllowlist, String pathPrefix) {
    List<String> out = new ArrayList<>();
    JsonNode completeness = record.path("completeness");
    if (!completeness.path("complete").asBoolean(false)) {
      List<String> reasons = texts(completeness.path("reasons"));
      out.add("::error title=Plumbline: incomplete trace::The record is incomplete: "
          + escape(reasons.isEmpty() ? "no reason given" : String.join("; ", reasons)));
    }
    for (JsonNode d : record.path("network")) {
      String what = d.path("protocol").asText("?") + " " + destination(d) + " from " + String.join(", ", texts(d.path("processes")));
      if (d.path("decision").asText().equals("blocked")) {
        out.add("::error title=Plumbline: egress blocked::" + escape(what));
      }
    }
    for (JsonNode d : record.path("network")) {
      JsonNode wouldBlock = d.get("wouldBlock");
      boolean outside = wouldBlock != null && !wouldBlock.isNull()
          ? wouldBlock.asBoolean(false)
          : hasAllowlist && egressMode.equals("audit") && d.path("decision").asText().equals("audited");
      if (outside) {
        String what = d.path("protocol").asText("?") + " " + destination(d) + " from " + String.join(", ", texts(d.path("processes")));
        out.add("::warning title=Plumbline: egress outside the allowlist::" + escape(what + " (would be blocked with egress-policy: block)"));
      }
    }
    for (JsonNode f : record.path("files")) {
      if (f.path("tracked").asBoolean(false)) {
        out.add("::warning file=" + escapeProperty(pathPrefix + f.path("path").asText()) + ",title=Plumbline: source file modified during the build::"
            + escape(String.join(", ", texts(f.path("operations"))) + " by " + String.join(", ", texts(f.path("processes")))));
      }
    }
    return out;
  }

  /** A plain summary for when the agent has no markdown report of its own. */
  static String summary(JsonNode record) {
    StringBuilder md = new StringBuilder("### Plumbline build record\n\n");
    JsonNode inv = record.path("invocation");
    JsonNode completeness = record.path("completeness");
    md.append("| | |\n| --- | --- |\n");
    md.append("| Command | `").append(cell(String.join(" ", texts(inv.path("argv"))))).append("` |\n");
    md.append("| Exit code | ").append(inv.path("exitCode").asText("?")).append(" |\n");
    md.append("| Egress mode | ").append(cell(record.path("agent").path("egressMode").asText("?"))).append(" |\n");
    md.append("| Processes | ").append(record.path("processes").size()).append(" |\n");
    md.append("| Distinct tools | ").append(record.path("tools").size()).append(" |\n");
    md.append("| Network destinations | ").append(record.path("network").size()).append(" |\n");
    md.append("| Source files written | ").append(count(record.path("files"))).append(" |\n");
    md.append("| Complete trace | ").append(completeness.path("complete").asBoolean(false) ? "yes" : "**no**: "
        + cell(String.join("; ", texts(completeness.path("reasons"))))).append(" |\n");
    if (record.path("network").size() > 0) {
      md.append("\n| Destination | Protocol | Decision | Processes |\n| --- | --- | --- | --- |\n");
      for (JsonNode d : record.path("network")) {
        md.append("| ").append(cell(destination(d))).append(" | ").append(cell(d.path("protocol").asText()))
            .append(" | ").append(cell(d.path("decision").asText())).append(" | ")
            .append(cell(String.join(", ", texts(d.path("processes"))))).append(" |\n");
      }
    }
    return md.toString();
  }

  private static int count(JsonNode files) {
    int n = 0;
    for (JsonNode f : files) {
      if (f.path("tracked").asBoolean(false)) {
        n++;
      }
    }
    return n;
  }

  private static String destination(JsonNode d) {
    String host = d.hasNonNull("hostname") ? d.get("hostname").asText() : d.path("address").asText("?");
    return d.hasNonNull("port") ? host + ":" + d.get("port").asText() : host;
  }

  private static List<String> texts(JsonNode array) {
    List<String> out = new ArrayList<>();
    array.forEach(n -> out.add(n.asText()));
    return out;
  }

  private static String cell(String s) {
    return s.replace("|", "\\|").replace("\n", " ");
  }

  /** GitHub workflow-command escaping of a message. */
  private static String escape(String s) {
    return s.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A");
  }

  /** GitHub workflow-command escaping of a property value (file=...). */
  private static String escapeProperty(String s) {
    return escape(s).replace(":", "%3A").replace(",", "%2C");
  }
}
