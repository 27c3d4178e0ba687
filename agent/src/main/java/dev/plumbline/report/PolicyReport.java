package dev.plumbline.report;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.plumbline.policy.Evaluation;
import dev.plumbline.text.Printable;

/** A policy evaluation as text (terminal), JSON (machines) or markdown (job summary). */
public final class PolicyReport {
  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private PolicyReport() {}

  /** The evaluation for a terminal; rule names, requirements and evidence escaped ({@link Printable}). */
  public static String text(Evaluation e) {
    return Printable.lines(unescapedText(e));
  }

  private static String p(String s) {
    return Printable.inline(s);
  }

  private static String unescapedText(Evaluation e) {
    StringBuilder t = new StringBuilder();
    int n = e.violations().size();
    t.append("policy ").append(p(e.policy())).append(": ")
        .append(e.passed() ? "PASSED (" + e.rules().size() + " rules)" : "REJECTED (" + n + " violation" + (n == 1 ? "" : "s") + " of " + e.rules().size() + " rules)")
        .append('\n');
    for (Evaluation.RuleResult r : e.rules()) {
      t.append("  ").append(r.passed() ? "ok   " : "FAIL ").append(p(r.rule())).append(": ").append(p(r.requirement())).append('\n');
      for (Evaluation.Violation v : r.violations()) {
        t.append("         - ").append(p(v.message()));
        if (v.evidence() != null && !v.evidence().isEmpty()) {
          t.append(": ").append(p(v.evidence()));
        }
        t.append('\n');
      }
    }
    return t.toString();
  }

  public static ObjectNode jsonNode(Evaluation e) {
    ObjectNode root = JSON.createObjectNode();
    root.put("policy", e.policy());
    root.put("passed", e.passed());
    ArrayNode rules = root.putArray("rules");
    for (Evaluation.RuleResult r : e.rules()) {
      ObjectNode o = rules.addObject();
      o.put("rule", r.rule());
      o.put("requirement", r.requirement());
      o.put("passed", r.passed());
      ArrayNode vs = o.putArray("violations");
      for (Evaluation.Violation v : r.violations()) {
        vs.addObject().put("rule", v.rule()).put("message", v.message()).put("evidence", v.evidence());
      }
    }
    return root;
  }

  public static String json(Evaluation e) {
    try {
      return JSON.writeValueAsString(jsonNode(e)) + "\n";
    } catch (JsonProcessingException x) {
      throw new IllegalStateException(x);
    }
  }

  /** The whole verdict of {@code plumbline verify --format markdown}: checks, then the policy's rules. */
  public static String verdictMarkdown(dev.plumbline.verify.Verdict v, Evaluation policy) {
    StringBuilder m = new StringBuilder();
    m.append("## Plumbline verify: ").append(v.verified() ? "✅ VERIFIED" : "❌ REJECTED").append("\n\n");
    m.append(Text.md(v.reason())).append("\n\n");
    m.append("| Check | Result | Detail |\n| --- | --- | --- |\n");
    for (dev.plumbline.verify.Check c : v.checks()) {
      String mark = switch (c.status()) {
        case PASS -> "✅ pass";
        case FAIL -> "❌ FAIL";
        case SKIP -> "➖ skip";
      };
      m.append("| ").append(Text.md(c.name())).append(" | ").append(mark).append(" | ").append(Text.md(c.reason())).append(" |\n");
    }
    m.append('\n');
    if (policy != null) {
      m.append(markdown(policy));
    }
    return m.toString();
  }

  public static String markdown(Evaluation e) {
    StringBuilder m = new StringBuilder();
    m.append("### Policy ").append(Text.md(e.policy())).append(": ").append(e.passed() ? "✅ passed" : "❌ **rejected**").append("\n\n");
    m.append("| Rule | Requirement | Result |\n| --- | --- | --- |\n");
    for (Evaluation.RuleResult r : e.rules()) {
      m.append("| ").append(Text.md(r.rule())).append(" | ").append(Text.md(r.requirement())).append(" | ")
          .append(r.passed() ? "✅" : "❌ " + r.violations().size()).append(" |\n");
    }
    if (!e.passed()) {
      m.append("\n**Violations**\n\n");
      for (Evaluation.Violation v : e.violations()) {
        m.append("- **").append(Text.md(v.rule())).append("**: ").append(Text.md(v.message()));
        if (v.evidence() != null && !v.evidence().isEmpty()) {
          m.append(" — ").append(Text.md(v.evidence()));
        }
        m.append('\n');
      }
    }
    return m.append('\n').toString();
  }
}
