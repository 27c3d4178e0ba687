package dev.plumbline.ci;

import static dev.plumbline.report.Text.md;

import dev.plumbline.egress.EgressMode;
import dev.plumbline.policy.Evaluation;
import dev.plumbline.record.BuildRecord;
import dev.plumbline.report.MarkdownReport;
import dev.plumbline.report.PolicyReport;
import java.util.List;

/**
 * The job summary the action writes: the verdict first (verified, rejected with the failed checks
 * and rules, passed, unsigned), then one table of what a maintainer checks (policy, signer,
 * subjects with digests, trace, egress, build user, trust level and privilege gain), in audit mode a ready-to-paste
 * {@code allowed-endpoints:} block, then the build report rendered from the same evidence the
 * verdict is about (the verified statement's record when signed).
 */
public final class JobSummary {
  private JobSummary() {}

  /**
   * What the summary states besides the outcome. {@code buildUser}: how the build was separated
   * from the agent ("same user" or a separate user); {@code notices}: one-line notes (e.g. why
   * signing: auto did not sign).
   */
  public record Facts(EgressMode egressMode, boolean denyLoopback, String signing, String buildUser, List<String> notices, String policyFile) {}

  public static String render(SelfCheck.Outcome o, Facts facts) {
    StringBuilder m = new StringBuilder();
    BuildRecord r = o.evidence() == null ? null : o.evidence().record();
    m.append("## ").append(headline(o.verdict())).append("\n\n");
    m.append(md(o.reason())).append("\n\n");
    List<String> failed = SelfCheck.failedChecks(o.verification());
    if (o.verdict() == ActionVerdict.REJECTED) {
      Evaluation p = o.policy();
      if (!failed.isEmpty()) {
        m.append("**Failed checks**\n\n");
        failed.forEach(f -> m.append("- ❌ ").append(md(f)).append('\n'));
        m.append('\n');
      } else if (p != null && !p.passed()) {
        m.append("**Failed policy rules**\n\n");
        p.violations().forEach(v -> m.append("- ❌ **").append(md(v.rule())).append("**: ").append(md(v.message()))
            .append(v.evidence() == null || v.evidence().isEmpty() ? "" : " — " + md(v.evidence())).append('\n'));
        m.append('\n');
      }
    }
    for (String n : facts.notices()) {
      m.append("> [!NOTE]\n> ").append(md(n)).append("\n\n");
    }

    m.append("| | |\n| --- | --- |\n");
    m.append("| Verdict | ").append(mark(o.verdict())).append(" `").append(o.verdict().output()).append("` |\n");
    m.append("| Policy | ").append(o.policy() == null && facts.policyFile() != null
        ? "❌ " + md(facts.policyFile()) + " not evaluated: an earlier check failed" : policy(o.policy())).append(" |\n");
    m.append("| Signing | ").append(md(facts.signing()));
    if (o.evidence() != null && o.evidence().signer() != null && o.evidence().verified()) {
      m.append(": ").append(md(o.evidence().signer().describe()));
    }
    m.append(" |\n");
    if (!o.subjects().isEmpty()) {
      m.append("| Subjects | ");
      String sep = "";
      for (SelfCheck.Subject s : o.subjects()) {
        m.append(sep).append(md(s.name())).append(" `sha256:").append(s.sha256().replaceAll("[^0-9a-f]", "")).append('`');
        sep = "<br>";
      }
      m.append(" |\n");
    }
    if (r != null) {
      boolean complete = r.completeness() != null && r.completeness().complete();
      m.append("| Trace | ").append(complete ? "complete ✅" : "**INCOMPLETE** ❌ "
          + md(r.completeness() == null || r.completeness().reasons() == null ? "" : String.join("; ", r.completeness().reasons()))).append(" |\n");
    }
    m.append("| Egress | ").append(facts.egressMode().label())
        .append(facts.egressMode() == EgressMode.AUDIT ? " (recorded, nothing blocked)" : " (allowlist enforced)").append(" |\n");
    m.append("| Build user | ").append(md(facts.buildUser())).append(" |\n");
    if (r != null) {
      m.append("| Trust | ").append(trust(r)).append(" |\n");
    }
    m.append('\n');

    if (r != null && r.steps() != null && !r.steps().isEmpty()) {
      m.append("### Steps of this job (").append(r.steps().size()).append(")\n\n| # | Step | Exit | Trace |\n| ---: | --- | --- | --- |\n");
      for (BuildRecord.Step s : r.steps()) {
        m.append("| ").append(s.index()).append(" | ").append(md(s.command())).append(" | ")
            .append(s.signal() != null ? "signal " + s.signal() : s.exitCode() == null ? "?" : String.valueOf(s.exitCode()))
            .append(" | ").append(s.complete() ? "complete" : "**INCOMPLETE**").append(" |\n");
      }
      m.append('\n');
    }
    if (o.policy() != null) {
      m.append(PolicyReport.markdown(o.policy()));
    }
    if (r != null && facts.egressMode() == EgressMode.AUDIT) {
      String allow = Endpoints.allowedEndpointsInput(r, facts.denyLoopback());
      if (allow != null) {
        long outside = r.network() == null ? 0 : r.network().stream().filter(d -> Boolean.TRUE.equals(d.wouldBlock())).count();
        m.append("### Allowed endpoints learned from this run\n\n");
        m.append("To block every other destination, review this and paste it into the step's `with:`")
            .append(outside > 0 ? " (" + outside + " destination" + (outside == 1 ? " is" : "s are")
                + " outside the current allowlist: marked ⛔ below)" : "").append(":\n\n");
        m.append("```yaml\n").append(allow.replace("```", "'''")).append("```\n\n");
      }
    }
    if (o.evidence() != null) {
      m.append("### The build\n\n").append(MarkdownReport.body(o.evidence()));
    }
    return m.toString();
  }

  /**
   * The record's trust level (how far the build was kept from the agent's secrets) and whether a
   * build process gained privileges (sudo, setuid), as the record states them: the evidence, not
   * what the action meant to do.
   */
  static String trust(BuildRecord r) {
    BuildRecord.Agent a = r.agent();
    String level = a == null ? null : a.trust();
    StringBuilder t = new StringBuilder();
    if (level == null) {
      t.append("not stated by the record");
    } else {
      t.append('`').append(md(level)).append("` ").append(switch (level) {
        case BuildRecord.Agent.SEPARATE_USER -> "✅ the build ran as another user than the agent: it could not read the key, the agent or the record";
        case BuildRecord.Agent.SAME_USER -> "⚠️ the build ran as the agent's user: files that user can read were readable by the build (the agent's memory was not)";
        case BuildRecord.Agent.BUILD_ROOT -> "⚠️ the build ran as root: nothing on the machine was out of its reach";
        default -> "(unknown level)";
      });
    }
    if (Boolean.TRUE.equals(a == null ? null : a.keyReadable())) {
      t.append("<br>⚠️ the build could read the signing key file");
    }
    Boolean gained = a == null ? null : a.privilegeGained();
    if (Boolean.TRUE.equals(gained)) {
      List<String> how = r.notes() == null ? List.of() : r.notes().stream()
          .filter(n -> "privilege".equals(n.kind()) && !n.detail().startsWith("NO_NEW_PRIVS")).map(BuildRecord.Note::detail).distinct().limit(5).toList();
      t.append("<br>⚠️ **a build process gained privileges** (sudo, setuid or file capabilities): from then on it could reach"
          + " what the separation protects").append(how.isEmpty() ? "" : ": " + md(String.join("; ", how)));
    } else if (Boolean.FALSE.equals(gained)) {
      t.append("<br>no build process gained privileges");
    }
    return t.toString();
  }

  static String headline(ActionVerdict v) {
    return switch (v) {
      case VERIFIED -> "✅ Plumbline: verified";
      case PASSED -> "☑️ Plumbline: passed the policy (not signed)";
      case REJECTED -> "❌ Plumbline: REJECTED";
      case ERROR -> "❌ Plumbline: not verified (error)";
      case UNSIGNED -> "⚠️ Plumbline: unsigned";
      case NO_RECORD -> "❌ Plumbline: no build record";
    };
  }

  private static String mark(ActionVerdict v) {
    return switch (v) {
      case VERIFIED, PASSED -> "✅";
      case UNSIGNED -> "⚠️";
      default -> "❌";
    };
  }

  private static String policy(Evaluation e) {
    if (e == null) {
      return "none given";
    }
    int n = e.violations().size();
    return e.passed() ? "✅ passed: " + md(e.policy()) + " (" + e.rules().size() + " rules)"
        : "❌ **rejected**: " + md(e.policy()) + " (" + n + " violation" + (n == 1 ? "" : "s") + ": "
            + md(String.join(", ", e.rules().stream().filter(x -> !x.passed()).map(Evaluation.RuleResult::rule).toList())) + ")";
  }
}
