package dev.plumbline.verify;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.plumbline.attest.CanonicalJson;
import dev.plumbline.net.Addresses;
import dev.plumbline.redact.Redaction;
import dev.plumbline.text.Printable;
import java.util.ArrayList;
import java.util.List;

/**
 * Renders a verdict for people (text) and programs (JSON). Only signed content is shown. In the
 * text, every value from the bundle is escaped ({@link Printable}) and the argv shown is redacted
 * again by the built-in rules.
 */
public final class VerdictText {
  private static final int MAX_ROWS = 40;

  private VerdictText() {}

  public static String text(Verdict v) {
    return Printable.lines(unescapedText(v));
  }

  private static String p(String s) {
    return Printable.inline(s);
  }

  private static String unescapedText(Verdict v) {
    StringBuilder out = new StringBuilder();
    for (Check c : v.checks()) {
      String mark = switch (c.status()) {
        case PASS -> "ok  ";
        case FAIL -> "FAIL";
        case SKIP -> "skip";
      };
      out.append("  ").append(mark).append(' ').append(p(c.name())).append(": ").append(p(c.reason())).append('\n');
    }
    JsonNode statement = v.statement();
    if (v.signer() != null && statement == null) {
      out.append("  (a message signature: no build attestation in this bundle)\n");
    }
    if (statement != null) {
      summary(statement, out);
    }
    out.append(v.verified() ? "VERIFIED: " : "REJECTED: ").append(p(v.reason())).append('\n');
    return out.toString();
  }

  private static void summary(JsonNode statement, StringBuilder out) {
    out.append("Subjects:\n");
    for (JsonNode s : statement.path("subject")) {
      out.append("  ").append(p(s.path("name").asText())).append("  sha256:").append(p(s.path("digest").path("sha256").asText()))
          .append('\n');
    }
    JsonNode p = statement.path("predicate");
    if (!p.isObject()) {
      return;
    }
    JsonNode inv = p.path("invocation");
    if (inv.isObject()) {
      List<String> argv = new ArrayList<>();
      inv.path("argv").forEach(a -> argv.add(a.asText()));
      out.append("Build: ").append(p(String.join(" ", Redaction.builtIn().argv(argv))));
      if (inv.has("exitCode")) {
        out.append("  (exit ").append(p(inv.get("exitCode").asText())).append(')');
      }
      if (inv.has("signal")) {
        out.append("  (signal ").append(p(inv.get("signal").asText())).append(')');
      }
      out.append('\n');
      if (inv.has("startedAt")) {
        out.append("  ran ").append(p(inv.path("startedAt").asText())).append(" → ").append(p(inv.path("finishedAt").asText("?")))
            .append(" in ").append(p(inv.path("cwd").asText("?"))).append('\n');
      }
    }
    JsonNode agent = p.path("agent");
    if (agent.isObject()) {
      out.append("Agent: ").append(p(agent.path("name").asText("plumbline"))).append(' ').append(p(agent.path("version").asText("")))
          .append(", monitor ").append(p(agent.path("monitor").asText("?"))).append(", egress ")
          .append(p(agent.path("egressMode").asText("?"))).append('\n');
      // how far the build was kept from the signing secrets (docs/threat-model.md)
      String trust = agent.path("trust").asText("");
      out.append("Trust: ").append(java.util.Set.of("same-user", "separate-user", "build-root").contains(trust) ? trust
          : trust.isEmpty() ? "unknown (not recorded)" : "unrecognised level");
      if (agent.path("privilegeGained").asBoolean(false)) {
        out.append(", a build process gained privileges (see notes)");
      } else if (agent.has("privilegeGained")) {
        out.append(", no build process gained privileges");
      }
      if (agent.path("keyReadable").asBoolean(false)) {
        out.append(", the build could read the signing key file");
      }
      out.append('\n');
    }
    JsonNode env = p.path("environment");
    if (env.isObject()) {
      out.append("Environment: ").append(p(env.path("os").path("prettyName").asText(env.path("os").path("id").asText("unknown OS"))))
          .append(", kernel ").append(p(env.path("kernel").path("release").asText("?"))).append(", ").append(p(env.path("arch").asText("?")));
      JsonNode container = env.path("container");
      if (container.path("detected").asBoolean()) {
        out.append(", in a container (").append(p(container.path("runtime").asText("unknown"))).append(')');
      }
      JsonNode git = env.path("workspace").path("git");
      if (git.isObject()) {
        String head = p(git.path("head").asText("?"));
        out.append(", git ").append(head, 0, Math.min(12, head.length()))
            .append(git.path("dirty").asBoolean() ? " (dirty)" : " (clean)");
      }
      out.append('\n');
    }
    JsonNode ci = env.path("ci");
    if (ci.isObject() && !ci.path("provider").asText("none").equals("none")) {
      out.append("CI: ").append(p(ci.path("provider").asText()));
      JsonNode ctx = ci.path("context");
      for (String k : List.of("GITHUB_REPOSITORY", "GITHUB_REF", "GITHUB_SHA", "CI_PROJECT_PATH", "CI_COMMIT_REF_NAME", "CI_COMMIT_SHA")) {
        if (ctx.has(k)) {
          out.append(' ').append(p(ctx.get(k).asText()));
        }
      }
      out.append('\n');
    }
    JsonNode tools = p.path("tools");
    out.append("Tools (").append(tools.size()).append("):\n");
    int i = 0;
    for (JsonNode t : tools) {
      if (i++ == MAX_ROWS) {
        out.append("  … ").append(tools.size() - MAX_ROWS).append(" more (--format json lists all)\n");
        break;
      }
      String sha = p(t.path("sha256").asText(""));
      out.append("  ").append(p(t.path("path").asText())).append("  sha256:").append(sha.length() > 16 ? sha.substring(0, 16) + "…" : sha)
          .append("  ×").append(t.path("count").asInt()).append('\n');
    }
    JsonNode net = p.path("network");
    out.append("Destinations (").append(net.size()).append("):\n");
    i = 0;
    for (JsonNode d : net) {
      if (i++ == MAX_ROWS) {
        out.append("  … ").append(net.size() - MAX_ROWS).append(" more (--format json lists all)\n");
        break;
      }
      out.append("  ").append(p(destination(d))).append("  ").append(p(d.path("decision").asText("?"))).append("  ×").append(d.path("count").asInt()).append('\n');
    }
    JsonNode files = p.path("files");
    long tracked = 0;
    for (JsonNode f : files) {
      if (f.path("tracked").asBoolean()) {
        tracked++;
      }
    }
    JsonNode sources = p.path("sources");
    out.append("Files written: ").append(files.size());
    if (sources.isObject() && !sources.path("gitTracked").asBoolean(true)) {
      out.append(" (tracked sources unknown: not a git checkout)\n");
    } else {
      out.append(" (").append(tracked).append(" tracked by git)\n");
    }
    JsonNode c = p.path("completeness");
    if (c.isObject()) {
      if (c.path("complete").asBoolean()) {
        out.append("Completeness: complete\n");
      } else {
        List<String> reasons = new ArrayList<>();
        c.path("reasons").forEach(r -> reasons.add(r.asText()));
        out.append("Completeness: INCOMPLETE: ").append(p(String.join("; ", reasons))).append('\n');
      }
    }
  }

  static String destination(JsonNode d) {
    String family = d.path("family").asText("");
    String addr = d.path("address").asText("?");
    String host = d.path("hostname").asText(null);
    if (family.equals("unix")) {
      return "unix:" + addr;
    }
    String hostPort = Addresses.withPort(addr, null) + (d.has("port") ? ":" + d.get("port").asText() : "");
    return (host != null ? host + " (" + hostPort + ")" : hostPort) + " " + d.path("protocol").asText("");
  }

  /** The verdict, its checks and the signed statement's subjects and predicate. */
  public static String json(Verdict v) {
    ObjectNode out = JsonNodeFactory.instance.objectNode();
    out.put("verified", v.verified());
    out.put("reason", v.reason());
    if (v.signer() != null) {
      out.put("signer", v.signer());
    }
    out.set("checks", CanonicalJson.mapper().valueToTree(v.checks()));
    if (v.statement() != null) {
      out.set("subject", v.statement().path("subject"));
      out.set("predicateType", v.statement().path("predicateType"));
      out.set("predicate", v.statement().path("predicate"));
    }
    try {
      return CanonicalJson.mapper().writerWithDefaultPrettyPrinter().writeValueAsString(out) + "\n";
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }
}
