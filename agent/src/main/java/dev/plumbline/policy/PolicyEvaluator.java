package dev.plumbline.policy;

import dev.plumbline.egress.EgressMode;
import dev.plumbline.net.Addresses;
import dev.plumbline.record.BuildRecord;
import dev.plumbline.record.BuildRecord.Destination;
import dev.plumbline.record.BuildRecord.Exec;
import dev.plumbline.record.BuildRecord.FileWrite;
import dev.plumbline.record.BuildRecord.ProcessInfo;
import dev.plumbline.record.BuildRecord.Tool;
import dev.plumbline.record.Destinations;
import dev.plumbline.trace.EgressDecision;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Collectors;

/**
 * Evaluates every configured rule of a policy; never stops at the first violation, so one run shows
 * the auditor everything that is wrong. Missing evidence (no signer, no CI context, no time) is a
 * violation of the rules that need it, never a pass.
 */
public final class PolicyEvaluator {
  /** Clocks disagree a little; an attestation from further in the future than this is suspect. */
  static final Duration FUTURE_SKEW = Duration.ofMinutes(5);

  private final Clock clock;

  public PolicyEvaluator(Clock clock) {
    this.clock = clock;
  }

  public PolicyEvaluator() {
    this(Clock.systemUTC());
  }

  public Evaluation evaluate(Policy policy, Evidence evidence) {
    BuildRecord r = evidence.record();
    List<Evaluation.RuleResult> out = new ArrayList<>();
    if (policy.signer() != null) {
      out.add(signer(policy.signer(), evidence.signer()));
    }
    Policy.Trace trace = policy.traceOrDefault();
    if (trace.completeRequired()) {
      out.add(complete(r));
    }
    if (Boolean.TRUE.equals(trace.requireEgressBlock())) {
      out.add(egressBlock(r));
    }
    if (Boolean.TRUE.equals(trace.noBlockedAttempts())) {
      out.add(noBlocked(r));
    }
    if (Boolean.TRUE.equals(trace.noSourceWrites())) {
      out.add(noSourceWrites(r, trace.allowedSourceWrites()));
    }
    if (trace.requireTrust() != null) {
      out.add(trust(r, trace.requireTrust()));
    }
    if (Boolean.TRUE.equals(trace.noPrivilegeGain())) {
      out.add(noPrivilegeGain(r));
    }
    Policy.Tools tools = policy.tools();
    if (tools != null && tools.allowed() != null) {
      out.add(toolsAllowed(r, tools.allowed()));
    }
    if (tools != null && tools.forbidden() != null) {
      out.add(toolsForbidden(r, tools.forbidden()));
    }
    Policy.Egress egress = policy.egress();
    if (egress != null && egress.allowed() != null) {
      out.add(egressAllowed(r, egress));
    }
    if (egress != null && egress.forbiddenUnixSockets() != null) {
      out.add(unixSockets(r, egress.forbiddenUnixSockets()));
    }
    if (policy.ci() != null) {
      out.addAll(ci(policy.ci(), evidence.ci()));
    }
    if (policy.maxAge() != null) {
      out.add(maxAge(policy.maxAge(), evidence.time()));
    }
    return new Evaluation(policy.name(), List.copyOf(out));
  }

  // --- signer -------------------------------------------------------------------------------

  private static Evaluation.RuleResult signer(Policy.Signer want, Evidence.SignerIdentity got) {
    List<String> alternatives = new ArrayList<>();
    if (want.keyFingerprints() != null && !want.keyFingerprints().isEmpty()) {
      alternatives.add("key " + want.keyFingerprints().stream().map(Sha256::toString).collect(Collectors.joining(" or ")));
    }
    if (want.identity() != null || want.identityRegexp() != null) {
      alternatives.add(
          "identity "
              + (want.identity() != null ? want.identity() : "matching /" + want.identityRegexp() + "/")
              + " from issuer " + want.issuer());
    }
    String requirement = "signed by " + String.join(", or ", alternatives);
    List<Evaluation.Violation> v = new ArrayList<>();
    if (got == null) {
      v.add(new Evaluation.Violation("signer", "no verified signer", "the evidence carries no checked signature"));
    } else if (!signerMatches(want, got)) {
      v.add(new Evaluation.Violation("signer", "signed by someone else", "signer " + got.describe()));
    }
    return new Evaluation.RuleResult("signer", requirement, v);
  }

  private static boolean signerMatches(Policy.Signer want, Evidence.SignerIdentity got) {
    if (got.keyFingerprint() != null && want.keyFingerprints() != null) {
      Sha256 fp = Sha256.orNull(got.keyFingerprint());
      if (fp != null && want.keyFingerprints().contains(fp)) {
        return true;
      }
    }
    if (got.identity() != null && want.issuer() != null && want.issuer().equals(got.issuer())) {
      if (want.identity() != null && want.identity().equals(got.identity())) {
        return true;
      }
      return want.identityRegexp() != null && want.identityRegexp().matches(got.identity());
    }
    return false;
  }

  // --- trace ---------------------------------------------------------------------------------

  private static Evaluation.RuleResult complete(BuildRecord r) {
    List<Evaluation.Violation> v = new ArrayList<>();
    if (r.completeness() == null) {
      v.add(new Evaluation.Violation("trace.requireComplete", "the record does not say whether the trace is complete", ""));
    } else if (!r.completeness().complete()) {
      List<String> reasons = r.completeness().reasons() == null ? List.of() : r.completeness().reasons();
      v.add(new Evaluation.Violation(
          "trace.requireComplete", "the trace is incomplete",
          reasons.isEmpty() ? "no reason given" : String.join("; ", reasons)));
    }
    return new Evaluation.RuleResult("trace.requireComplete", "the trace saw every process, exec and network call", v);
  }

  private static Evaluation.RuleResult egressBlock(BuildRecord r) {
    EgressMode mode = r.agent() == null ? null : r.agent().egressMode();
    List<Evaluation.Violation> v = new ArrayList<>();
    if (mode != EgressMode.BLOCK) {
      v.add(new Evaluation.Violation("trace.requireEgressBlock", "egress was not enforced", "egress mode " + (mode == null ? "unknown" : mode)));
    }
    return new Evaluation.RuleResult("trace.requireEgressBlock", "the build ran with --egress block", v);
  }

  private static Evaluation.RuleResult noBlocked(BuildRecord r) {
    List<Evaluation.Violation> v = new ArrayList<>();
    for (Destination d : list(r.network())) {
      if (d.decision() == EgressDecision.BLOCKED) {
        v.add(new Evaluation.Violation("trace.noBlockedAttempts", "a connection was blocked", Destinations.describe(d) + EvidenceText.byProcesses(d.processes())));
      }
    }
    for (BuildRecord.DnsQuery q : list(r.dns())) {
      if (q.decision() == EgressDecision.BLOCKED) {
        v.add(new Evaluation.Violation("trace.noBlockedAttempts", "a DNS query was blocked", q.name() + " " + q.type()));
      }
    }
    return new Evaluation.RuleResult("trace.noBlockedAttempts", "nothing tried to reach a blocked destination", v);
  }

  private static Evaluation.RuleResult trust(BuildRecord r, Policy.TrustLevel required) {
    String level = r.agent() == null ? null : r.agent().trust();
    List<Evaluation.Violation> v = new ArrayList<>();
    Policy.TrustLevel got = null;
    try {
      got = level == null ? null : Policy.TrustLevel.of(level);
    } catch (IllegalArgumentException e) {
      // an unknown level is no level
    }
    if (got == null || got.compareTo(required) < 0) {
      v.add(new Evaluation.Violation("trace.requireTrust", "the build was not kept far enough from the signing secrets",
          "trust level " + (level == null ? "unknown (the record predates trust levels)" : level)));
    }
    return new Evaluation.RuleResult("trace.requireTrust", "trust level " + required.label + " or stronger", v);
  }

  private static Evaluation.RuleResult noPrivilegeGain(BuildRecord r) {
    List<Evaluation.Violation> v = new ArrayList<>();
    Boolean gained = r.agent() == null ? null : r.agent().privilegeGained();
    for (BuildRecord.Note n : list(r.notes())) {
      if ("privilege".equals(n.kind()) && !n.detail().startsWith("NO_NEW_PRIVS")) {
        v.add(new Evaluation.Violation("trace.noPrivilegeGain", "a build process gained privileges",
            n.detail() + EvidenceText.byProcesses(n.processes())));
      }
    }
    if (v.isEmpty() && gained == null) {
      v.add(new Evaluation.Violation("trace.noPrivilegeGain", "the record does not say whether privileges were gained", ""));
    } else if (v.isEmpty() && gained) {
      v.add(new Evaluation.Violation("trace.noPrivilegeGain", "a build process gained privileges", "agent.privilegeGained"));
    }
    return new Evaluation.RuleResult("trace.noPrivilegeGain", "no build process gained privileges (setuid, capabilities, root)", v);
  }

  private static Evaluation.RuleResult noSourceWrites(BuildRecord r, List<Glob> allowed) {
    List<Evaluation.Violation> v = new ArrayList<>();
    for (FileWrite f : list(r.files())) {
      if (f.tracked() && (allowed == null || allowed.stream().noneMatch(g -> g.matches(f.path())))) {
        v.add(new Evaluation.Violation(
            "trace.noSourceWrites", "a tracked source file was changed",
            f.path() + " (" + String.join(", ", list(f.operations())) + ")" + EvidenceText.byProcesses(f.processes())));
      }
    }
    String req = "no writes to git-tracked sources" + (allowed == null || allowed.isEmpty() ? "" : " except " + allowed);
    return new Evaluation.RuleResult("trace.noSourceWrites", req, v);
  }

  // --- tools ---------------------------------------------------------------------------------

  /**
   * Every binary the build ran: the tools list, plus any exec the tools list somehow lacks, plus
   * the scripts interpreters ran. A script run both as a build output and not is not one.
   */
  private static List<Tool> tools(BuildRecord r) {
    Map<String, Tool> all = new LinkedHashMap<>();
    for (Tool t : list(r.tools())) {
      all.put(t.path() + "\0" + t.sha256(), t);
    }
    for (ProcessInfo p : list(r.processes())) {
      for (Exec e : list(p.execs())) {
        all.putIfAbsent(e.path() + "\0" + e.sha256(), new Tool(e.path(), e.sha256(), 1));
        if (e.script() != null) {
          Tool script = new Tool(e.script().path(), e.script().sha256(), 1, e.script().buildOutput());
          all.merge(script.path() + "\0" + script.sha256(), script,
              (a, b) -> Objects.equals(a.buildOutput(), b.buildOutput()) ? a : new Tool(a.path(), a.sha256(), a.count(), null));
        }
      }
    }
    return new ArrayList<>(all.values());
  }

  private static boolean matches(Policy.ToolRule rule, Tool t) {
    return rule.matches(t.path(), t.sha256(), t.buildOutput());
  }

  private static Evaluation.RuleResult toolsAllowed(BuildRecord r, List<Policy.ToolRule> allowed) {
    List<Evaluation.Violation> v = new ArrayList<>();
    for (Tool t : tools(r)) {
      if (allowed.stream().noneMatch(rule -> matches(rule, t))) {
        v.add(new Evaluation.Violation("tools.allowed", whyNotAllowed(allowed, t), EvidenceText.tool(t) + EvidenceText.ranBy(r, t.path())));
      }
    }
    return new Evaluation.RuleResult("tools.allowed", "only the " + allowed.size() + " allowed tool" + (allowed.size() == 1 ? "" : "s") + " ran", v);
  }

  /** The closest miss, so the auditor sees whether the path, the digest or the writer was wrong. */
  private static String whyNotAllowed(List<Policy.ToolRule> allowed, Tool t) {
    BuildRecord.BuildOutput out = t.buildOutput();
    if (out != null) {
      boolean known = allowed.stream().anyMatch(rule -> rule.buildOutput() != null && rule.buildOutput().matches(out.path()));
      if (known && allowed.stream().anyMatch(rule -> rule.buildOutput() != null && rule.buildOutput().matches(out.path()) && !rule.writersMatch(out))) {
        return "a build output was written by a program the policy does not list";
      }
      if (known) {
        return "a build output ran with a digest the policy does not allow";
      }
    }
    if (allowed.stream().anyMatch(rule -> rule.path() != null && rule.path().matches(t.path()))) {
      return "a tool ran with a digest the policy does not allow";
    }
    return out != null ? "a build output not in the allowlist ran" : "a tool not in the allowlist ran";
  }

  private static Evaluation.RuleResult toolsForbidden(BuildRecord r, List<Policy.ToolRule> forbidden) {
    List<Evaluation.Violation> v = new ArrayList<>();
    for (Tool t : tools(r)) {
      for (Policy.ToolRule rule : forbidden) {
        if (matches(rule, t)) {
          v.add(new Evaluation.Violation("tools.forbidden", "a forbidden tool ran (" + describe(rule) + ")", EvidenceText.tool(t) + EvidenceText.ranBy(r, t.path())));
          break;
        }
      }
    }
    return new Evaluation.RuleResult("tools.forbidden", "none of the " + forbidden.size() + " forbidden tool" + (forbidden.size() == 1 ? "" : "s") + " ran", v);
  }

  private static String describe(Policy.ToolRule rule) {
    if (rule.buildOutput() != null) {
      return "build output " + rule.buildOutput().pattern();
    }
    if (rule.path() != null && rule.sha256() != null) {
      return rule.path() + " with listed digest";
    }
    return rule.path() != null ? rule.path().pattern() : "digest " + rule.sha256().get(0);
  }

  // --- egress --------------------------------------------------------------------------------

  private static Evaluation.RuleResult egressAllowed(BuildRecord r, Policy.Egress egress) {
    List<Evaluation.Violation> v = new ArrayList<>();
    for (Destination d : list(r.network())) {
      if (!isInet(d) || d.decision() == EgressDecision.BLOCKED || d.listener()) {
        continue; // unix sockets have their own rule; blocked attempts never left the host; a listener is no destination
      }
      if (egress.loopbackAllowed() && Addresses.isLoopback(d.address())) {
        continue;
      }
      if (egress.allowed().stream().noneMatch(rule -> rule.allows(d.hostname(), d.address(), d.port()))) {
        v.add(new Evaluation.Violation("egress.allowed", "the build contacted a destination not in the allowlist", Destinations.describe(d) + EvidenceText.byProcesses(d.processes())));
      }
    }
    int n = egress.allowed().size();
    String req = "connections only to the " + n + " allowed destination" + (n == 1 ? "" : "s") + (egress.loopbackAllowed() ? " (and loopback)" : "");
    return new Evaluation.RuleResult("egress.allowed", req, v);
  }

  private static Evaluation.RuleResult unixSockets(BuildRecord r, List<Glob> forbidden) {
    List<Evaluation.Violation> v = new ArrayList<>();
    for (Destination d : list(r.network())) {
      if (!"unix".equals(d.family())) {
        continue;
      }
      String path = d.address();
      for (Glob g : forbidden) {
        if (g.matches(path)) {
          String state = d.decision() == EgressDecision.BLOCKED ? " (attempt was blocked)" : "";
          v.add(new Evaluation.Violation("egress.forbiddenUnixSockets", "a forbidden unix socket was used" + state, "unix:" + path + EvidenceText.byProcesses(d.processes())));
          break;
        }
      }
    }
    return new Evaluation.RuleResult("egress.forbiddenUnixSockets", "no connection to " + forbidden, v);
  }

  static boolean isInet(Destination d) {
    return d.family() == null || d.family().startsWith("inet");
  }

  // --- CI context and age --------------------------------------------------------------------

  private static List<Evaluation.RuleResult> ci(Policy.Ci want, Evidence.CiContext got) {
    List<Evaluation.RuleResult> out = new ArrayList<>();
    if (want.repository() != null) {
      out.add(ciRule("ci.repository", "repository is " + want.repository(), got == null ? null : got.repository(),
          v -> v.equalsIgnoreCase(want.repository()), got));
    }
    if (want.ref() != null) {
      out.add(ciRule("ci.ref", "ref matches " + want.ref(), got == null ? null : got.ref(), want.ref()::matches, got));
    }
    if (want.workflowRef() != null) {
      out.add(ciRule("ci.workflowRef", "workflow ref matches " + want.workflowRef(), got == null ? null : got.workflowRef(),
          want.workflowRef()::matches, got));
    }
    if (want.runnerEnvironment() != null) {
      out.add(ciRule("ci.runnerEnvironment", "runner environment is " + want.runnerEnvironment(),
          got == null ? null : got.runnerEnvironment(), v -> v.equals(want.runnerEnvironment()), got));
    }
    return out;
  }

  private static Evaluation.RuleResult ciRule(
      String rule, String requirement, String value, java.util.function.Predicate<String> ok, Evidence.CiContext got) {
    List<Evaluation.Violation> v = new ArrayList<>();
    if (got == null) {
      v.add(new Evaluation.Violation(rule, "no CI context in the evidence", "the attestation has no environment.ci section"));
    } else if (value == null) {
      v.add(new Evaluation.Violation(rule, "the CI context does not say", rule.substring(3) + " missing"));
    } else if (!ok.test(value)) {
      v.add(new Evaluation.Violation(rule, "the build ran elsewhere", rule.substring(3) + " " + value));
    }
    return new Evaluation.RuleResult(rule, requirement, v);
  }

  private Evaluation.RuleResult maxAge(MaxAge max, Instant when) {
    List<Evaluation.Violation> v = new ArrayList<>();
    Instant now = clock.instant();
    if (when == null) {
      v.add(new Evaluation.Violation("maxAge", "the evidence has no time", "no signature time and no invocation start/finish"));
    } else if (when.isBefore(now.minus(max.duration()))) {
      v.add(new Evaluation.Violation("maxAge", "the attestation is too old", "made " + when + ", " + age(Duration.between(when, now)) + " ago"));
    } else if (when.isAfter(now.plus(FUTURE_SKEW))) {
      v.add(new Evaluation.Violation("maxAge", "the attestation is dated in the future", "made " + when + ", now " + now));
    }
    return new Evaluation.RuleResult("maxAge", "made within the last " + max, v);
  }

  private static String age(Duration d) {
    if (d.toDays() > 0) {
      return d.toDays() + "d " + d.toHoursPart() + "h";
    }
    if (d.toHours() > 0) {
      return d.toHours() + "h " + d.toMinutesPart() + "m";
    }
    return d.toMinutes() + "m";
  }

  private static <T> List<T> list(List<T> l) {
    return l == null ? List.of() : l;
  }
}
