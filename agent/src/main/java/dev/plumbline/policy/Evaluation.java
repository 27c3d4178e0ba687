package dev.plumbline.policy;

import java.util.List;

/** The outcome of every configured rule of a policy against one piece of evidence. */
public record Evaluation(String policy, List<RuleResult> rules) {

  /** One rule, e.g. {@code tools.allowed}: what it requires and each way the evidence breaks it. */
  public record RuleResult(String rule, String requirement, List<Violation> violations) {
    public boolean passed() {
      return violations.isEmpty();
    }
  }

  /** One breach: the rule, what is wrong, and the evidence (process, tool path + digest, destination). */
  public record Violation(String rule, String message, String evidence) {
    @Override
    public String toString() {
      return rule + ": " + message + (evidence == null || evidence.isEmpty() ? "" : " [" + evidence + "]");
    }
  }

  public boolean passed() {
    return rules.stream().allMatch(RuleResult::passed);
  }

  public List<Violation> violations() {
    return rules.stream().flatMap(r -> r.violations().stream()).toList();
  }
}
