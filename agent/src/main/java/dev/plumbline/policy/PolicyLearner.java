package dev.plumbline.policy;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.plumbline.egress.EgressMode;
import dev.plumbline.net.Addresses;
import dev.plumbline.net.AllowRule;
import dev.plumbline.record.BuildRecord;
import dev.plumbline.record.BuildRecord.Destination;
import dev.plumbline.record.BuildRecord.Tool;
import dev.plumbline.trace.EgressDecision;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Writes a starting policy from a known-good build: every tool by path and digest, every
 * destination by name (or address) and port, and the strictest trace rules the build already
 * satisfies. The output is commented YAML meant to be reviewed by a person and then committed;
 * it is written as text (not through a YAML mapper) so the comments sit next to what they explain.
 */
public final class PolicyLearner {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final List<String> DOCKER_SOCKETS = List.of("/var/run/docker.sock", "/run/docker.sock", "/run/containerd/containerd.sock");

  private PolicyLearner() {}

  public static String learn(Evidence evidence, Instant now) {
    BuildRecord r = evidence.record();
    StringBuilder y = new StringBuilder();
    y.append("# Plumbline build policy, learned by 'plumbline policy init' on ").append(now).append('\n');
    y.append("# from ").append(evidence.source()).append(evidence.verified() ? "" : " (not verified)").append(".\n");
    y.append("# Review every entry before committing it: this build was taken as known-good.\n");
    y.append("# Reference: docs/policy.md. Check with: plumbline verify --bundle B --key K --policy THIS_FILE ARTIFACT\n");
    y.append("apiVersion: ").append(Policy.API_VERSION).append('\n');
    y.append("kind: ").append(Policy.KIND).append('\n');
    y.append("metadata:\n");
    y.append("  name: ").append(q(name(r))).append('\n');
    y.append("  description: ").append(q("learned from " + argv(r))).append('\n');
    signer(y, evidence.signer());
    trace(y, r);
    tools(y, r);
    egress(y, r);
    ci(y, evidence.ci());
    y.append("\n# Reject attestations older than this (30d, 12h, P7D); uncomment to enforce.\n");
    y.append("# maxAge: 30d\n");
    return y.toString();
  }

  private static void signer(StringBuilder y, Evidence.SignerIdentity s) {
    y.append("\n# Who must have signed the attestation.\n");
    if (s != null && s.identity() != null) {
      y.append("signer:\n");
      y.append("  identity: ").append(q(s.identity())).append('\n');
      y.append("  issuer: ").append(q(s.issuer())).append('\n');
    } else if (s != null && s.keyFingerprint() != null) {
      y.append("signer:\n  keyFingerprints:\n    - ").append(q(s.keyFingerprint())).append('\n');
    } else {
      y.append("# The evidence carried no verified signer: fill in one of these and uncomment.\n");
      y.append("# signer:\n");
      y.append("#   keyFingerprints: [\"sha256:...\"]   # sha256 of the public key's DER (see docs/policy.md)\n");
      y.append("#   identity: \"https://github.com/OWNER/REPO/.github/workflows/WORKFLOW.yml@refs/heads/main\"\n");
      y.append("#   issuer: \"https://token.actions.githubusercontent.com\"\n");
    }
  }

  private static void trace(StringBuilder y, BuildRecord r) {
    boolean blocked = list(r.network()).stream().anyMatch(d -> d.decision() == EgressDecision.BLOCKED)
        || list(r.dns()).stream().anyMatch(d -> d.decision() == EgressDecision.BLOCKED);
    List<String> sourceWrites = list(r.files()).stream().filter(BuildRecord.FileWrite::tracked).map(BuildRecord.FileWrite::path).sorted().toList();
    boolean block = r.agent() != null && r.agent().egressMode() == EgressMode.BLOCK;
    y.append("\ntrace:\n");
    y.append("  requireComplete: true        # an incomplete trace proves nothing\n");
    if (block) {
      y.append("  requireEgressBlock: true     # the allowlist below was enforced during the build\n");
    } else {
      y.append("  requireEgressBlock: false    # this build ran in audit mode; set true once it runs with --egress block\n");
    }
    if (blocked) {
      y.append("  noBlockedAttempts: false     # this build had blocked attempts: find out why before setting true\n");
    } else {
      y.append("  noBlockedAttempts: true\n");
    }
    y.append("  noSourceWrites: true\n");
    if (!sourceWrites.isEmpty()) {
      y.append("  # this build changed these git-tracked files; keep only those it is meant to change\n");
      y.append("  allowedSourceWrites:\n");
      for (String p : sourceWrites) {
        y.append("    - ").append(q(globLiteral(p))).append('\n');
      }
    }
  }

  private static void tools(StringBuilder y, BuildRecord r) {
    // path -> digests, over the tools list and every exec (scripts included); build outputs apart,
    // by their path under the working directory -> the programs that wrote them
    Map<String, TreeSet<String>> byPath = new TreeMap<>();
    Map<String, Integer> runs = new TreeMap<>();
    Map<String, TreeSet<String>> outputs = new TreeMap<>();
    Map<String, Integer> outputRuns = new TreeMap<>();
    for (Tool t : list(r.tools())) {
      if (t.buildOutput() != null) {
        addOutput(outputs, t.buildOutput());
        outputRuns.merge(t.buildOutput().path(), t.count(), Integer::sum);
        continue;
      }
      byPath.computeIfAbsent(t.path(), k -> new TreeSet<>());
      if (t.sha256() != null) {
        byPath.get(t.path()).add(t.sha256());
      }
      runs.merge(t.path(), t.count(), Integer::sum);
    }
    java.util.Set<List<String>> outputTools = new java.util.HashSet<>();
    list(r.tools()).stream().filter(t -> t.buildOutput() != null).forEach(t -> outputTools.add(java.util.Arrays.asList(t.path(), t.sha256())));
    for (BuildRecord.ProcessInfo p : list(r.processes())) {
      for (BuildRecord.Exec e : list(p.execs())) {
        if (!outputTools.contains(java.util.Arrays.asList(e.path(), e.sha256()))) { // outputs: learned by workspace path
          add(byPath, e.path(), e.sha256());
        }
        if (e.script() != null && e.script().buildOutput() != null) {
          addOutput(outputs, e.script().buildOutput());
        } else if (e.script() != null) {
          add(byPath, e.script().path(), e.script().sha256());
        }
      }
    }
    y.append("\n# Tools: every binary the build ran, by path and sha256. A tool update changes its digest:\n");
    y.append("# add the new digest (or drop the sha256 list to pin only the path).\n");
    y.append("tools:\n");
    y.append("  allowed:\n");
    if (byPath.isEmpty() && outputs.isEmpty()) {
      y.append("    []   # the build ran no tools?\n");
    }
    for (Map.Entry<String, TreeSet<String>> e : byPath.entrySet()) {
      y.append("    - path: ").append(q(globLiteral(e.getKey())));
      Integer n = runs.get(e.getKey());
      y.append(n == null ? "" : "   # ran " + n + (n == 1 ? " time" : " times")).append('\n');
      List<String> digests = e.getValue().stream().map(Sha256::orNull).filter(Objects::nonNull).map(Sha256::toString).toList();
      if (!digests.isEmpty()) {
        y.append("      sha256:\n");
        for (String d : digests) {
          y.append("        - ").append(q(d)).append('\n');
        }
      } else {
        y.append("      # no digest was recorded for this tool\n");
      }
    }
    if (!outputs.isEmpty()) {
      y.append("    # Build outputs: files this build wrote under its working directory and then ran (test binaries,\n");
      y.append("    # generated scripts), by path relative to it and without digest (they change with the sources),\n");
      y.append("    # held to the programs that wrote them. What this does and does not promise: docs/policy.md.\n");
    }
    for (Map.Entry<String, TreeSet<String>> e : outputs.entrySet()) {
      y.append("    - buildOutput: ").append(q(globLiteral(e.getKey())));
      Integer n = outputRuns.get(e.getKey());
      y.append(n == null ? "" : "   # ran " + n + (n == 1 ? " time" : " times")).append('\n');
      if (e.getValue().isEmpty()) {
        y.append("      # no writing program was recorded\n");
      } else {
        y.append("      writtenBy:\n");
        for (String w : e.getValue()) {
          y.append("        - ").append(q(globLiteral(w))).append('\n');
        }
      }
    }
    y.append("  # Never allowed, whatever the allowlist says (path globs, or sha256 to catch renamed copies).\n");
    y.append("  forbidden:\n");
    boolean any = false;
    for (String bad : List.of("/usr/bin/nc", "/usr/bin/ncat", "/usr/bin/netcat", "/usr/bin/socat", "/usr/bin/nc.openbsd", "/usr/bin/nc.traditional")) {
      if (!byPath.containsKey(bad)) {
        y.append("    - path: ").append(q(bad)).append('\n');
        any = true;
      }
    }
    if (!any) {
      y.append("    []\n");
    }
  }

  private static void addOutput(Map<String, TreeSet<String>> outputs, BuildRecord.BuildOutput out) {
    outputs.computeIfAbsent(out.path(), k -> new TreeSet<>()).addAll(out.writtenBy() == null ? List.of() : out.writtenBy());
  }

  private static void add(Map<String, TreeSet<String>> byPath, String path, String sha) {
    if (path == null) {
      return;
    }
    byPath.computeIfAbsent(path, k -> new TreeSet<>());
    if (sha != null) {
      byPath.get(path).add(sha);
    }
  }

  /**
   * A destination the build reached, as an allow entry ({@code name:port}, {@code address:port},
   * {@code [v6]:port}) with what was seen; {@code loopback} when it is a service on the build host.
   * One list for {@code policy init} and the action's learned {@code allowed-endpoints}.
   */
  public record LearnedEndpoint(String entry, String comment, boolean loopback) {}

  /** The destinations the build reached (blocked ones and unix sockets left out), sorted by entry. */
  public static List<LearnedEndpoint> endpoints(BuildRecord r) {
    Map<String, String> comments = new TreeMap<>();
    Map<String, Boolean> loopback = new TreeMap<>();
    for (Destination d : list(r.network())) {
      if (d.decision() == EgressDecision.BLOCKED || "unix".equals(d.family()) || d.listener()) {
        continue;
      }
      AllowRule rule = AllowRule.exactly(d.hostname(), d.address(), d.port());
      if (rule == null) {
        continue;
      }
      String entry = rule.text();
      boolean local = Addresses.isLoopback(d.address());
      String comment = (d.protocol() == null ? "" : d.protocol() + " ")
          + (local ? "loopback: a service on the build host; " : "")
          + (d.hostname() != null && d.address() != null ? "seen at " + d.address() : "no host name was seen: address only");
      comments.merge(entry, comment.replace('\n', ' '), (a, b) -> a.equals(b) ? a : a + "; " + b);
      loopback.merge(entry, local, Boolean::logicalOr);
    }
    List<LearnedEndpoint> out = new ArrayList<>();
    comments.forEach((entry, comment) -> out.add(new LearnedEndpoint(entry, comment, loopback.get(entry))));
    return out;
  }

  private static void egress(StringBuilder y, BuildRecord r) {
    TreeSet<String> unix = new TreeSet<>();
    for (Destination d : list(r.network())) {
      if (d.decision() != EgressDecision.BLOCKED && "unix".equals(d.family())) {
        unix.add(d.address());
      }
    }
    List<LearnedEndpoint> allowed = endpoints(r);
    y.append("\n# Egress: every destination the build reached, by name (or address) and port.\n");
    y.append("# Entries: name, *.suffix (any name below it), address, CIDR; :PORT optional.\n");
    y.append("egress:\n");
    // Loopback is learned port by port like any other destination: a blanket allowLoopback would
    // let a changed build reach any local service (a docker API on TCP, a metadata proxy) unnoticed.
    y.append("  allowLoopback: false         # loopback destinations the build used are listed below, by port\n");
    y.append("  allowed:\n");
    if (allowed.isEmpty()) {
      y.append("    []   # the build reached nothing outside the host\n");
    }
    for (LearnedEndpoint e : allowed) {
      y.append("    - ").append(q(e.entry())).append("   # ").append(e.comment()).append('\n');
    }
    y.append("  forbiddenUnixSockets:\n");
    boolean any = false;
    for (String s : DOCKER_SOCKETS) {
      if (!unix.contains(s)) {
        y.append("    - ").append(q(s)).append('\n');
        any = true;
      } else {
        y.append("    # - ").append(q(s)).append("   # this build used it\n");
      }
    }
    if (!any) {
      y.append("    []\n");
    }
  }

  private static void ci(StringBuilder y, Evidence.CiContext ci) {
    y.append("\n# Where the build must have run (from the attestation's CI context).\n");
    if (ci == null || ci.repository() == null && ci.ref() == null && ci.runnerEnvironment() == null) {
      y.append("# The evidence had no CI context; uncomment and fill in to require one.\n");
      y.append("# ci:\n#   repository: \"OWNER/REPO\"\n#   ref: \"refs/heads/main\"\n#   runnerEnvironment: \"github-hosted\"\n");
      return;
    }
    y.append("ci:\n");
    if (ci.repository() != null) {
      y.append("  repository: ").append(q(ci.repository())).append('\n');
    }
    if (ci.ref() != null) {
      y.append("  ref: ").append(q(globLiteral(ci.ref()))).append("   # a glob: refs/tags/v* for releases\n");
    }
    if (ci.workflowRef() != null) {
      y.append("  workflowRef: ").append(q(globLiteral(ci.workflowRef()))).append('\n');
    }
    if (ci.runnerEnvironment() != null) {
      y.append("  runnerEnvironment: ").append(q(ci.runnerEnvironment())).append('\n');
    }
  }

  /** A YAML double-quoted scalar: JSON string syntax is valid YAML and escapes everything needed. */
  static String q(String s) {
    try {
      return JSON.writeValueAsString(s == null ? "" : s);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  /** A glob that matches exactly this text: glob metacharacters are escaped. */
  static String globLiteral(String s) {
    StringBuilder b = new StringBuilder();
    for (char c : s.toCharArray()) {
      if ("*?[]{}\\".indexOf(c) >= 0) {
        b.append('\\');
      }
      b.append(c);
    }
    return b.toString();
  }

  private static String name(BuildRecord r) {
    if (r.invocation() != null && r.invocation().cwd() != null) {
      String cwd = r.invocation().cwd();
      String base = cwd.substring(cwd.lastIndexOf('/') + 1);
      if (!base.isEmpty()) {
        return base;
      }
    }
    return "build";
  }

  private static String argv(BuildRecord r) {
    return r.invocation() == null ? "a build" : EvidenceText.argv(r.invocation().argv());
  }

  private static <T> List<T> list(List<T> l) {
    return l == null ? List.of() : l;
  }
}
