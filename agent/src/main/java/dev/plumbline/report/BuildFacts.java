package dev.plumbline.report;

import dev.plumbline.egress.EgressMode;
import dev.plumbline.net.Addresses;
import dev.plumbline.policy.Evidence;
import dev.plumbline.record.BuildRecord;
import dev.plumbline.record.BuildRecord.Destination;
import dev.plumbline.record.BuildRecord.DnsQuery;
import dev.plumbline.record.BuildRecord.FileWrite;
import dev.plumbline.record.BuildRecord.ProcessInfo;
import dev.plumbline.record.BuildRecord.Tool;
import dev.plumbline.trace.EgressDecision;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/** What both renderers show, computed once: lists sorted for display, counts and warnings. */
final class BuildFacts {
  final Evidence evidence;
  final BuildRecord record;
  final List<Tool> tools;
  final List<Destination> destinations;
  final List<Destination> blocked;
  final List<DnsQuery> dns;
  final List<FileWrite> sourceWrites;
  final List<FileWrite> otherWrites;
  final List<ProcessInfo> processes;
  final List<String> warnings = new ArrayList<>();
  /** Packages whose files ran; empty when the record has no packages section. */
  final List<BuildRecord.UsedPackage> usedPackages;
  /** Installed packages summed over the databases, or -1 when the record has no packages section. */
  final int installedPackages;
  /** Installed packages the build did not use ({@code name:arch}), over all databases. */
  final List<String> unusedPackages;
  final List<BuildRecord.PackageFile> unownedFiles;
  final Instant start;
  final Instant end;

  BuildFacts(Evidence evidence) {
    this(evidence, true);
  }

  /** {@code warnUnverified}: false when the caller already stated the verdict (the action's summary). */
  BuildFacts(Evidence evidence, boolean warnUnverified) {
    this.evidence = evidence;
    this.record = evidence.record();
    BuildRecord r = record;
    tools = sorted(r.tools(), Comparator.comparing(Tool::path, Comparator.nullsFirst(Comparator.naturalOrder())));
    destinations = sorted(r.network(), Comparator.comparing(BuildFacts::destinationKey));
    blocked = destinations.stream().filter(d -> d.decision() == EgressDecision.BLOCKED).toList();
    dns = sorted(r.dns(), Comparator.comparing(DnsQuery::name, Comparator.nullsFirst(Comparator.naturalOrder())));
    List<FileWrite> files = sorted(r.files(), Comparator.comparing(FileWrite::path, Comparator.nullsFirst(Comparator.naturalOrder())));
    sourceWrites = files.stream().filter(FileWrite::tracked).toList();
    otherWrites = files.stream().filter(f -> !f.tracked()).toList();
    processes = r.processes() == null ? List.of() : r.processes();
    BuildRecord.Packages pk = r.packages();
    usedPackages = pk == null || pk.used() == null ? List.of() : pk.used();
    unownedFiles = pk == null || pk.unowned() == null ? List.of() : pk.unowned();
    List<BuildRecord.PackageDatabase> dbs = pk == null || pk.databases() == null ? List.of() : pk.databases();
    installedPackages = pk == null ? -1 : dbs.stream().mapToInt(d -> d.installed() == null ? 0 : d.installed()).sum();
    unusedPackages = dbs.stream().flatMap(d -> d.unused() == null ? java.util.stream.Stream.<String>empty() : d.unused().stream()).sorted().toList();
    start = r.invocation() == null ? null : BuildRecord.time(r.invocation().startedAt());
    end = r.invocation() == null ? null : BuildRecord.time(r.invocation().finishedAt());

    if (!evidence.verified() && warnUnverified) {
      warnings.add("not verified — use plumbline verify: this report was read from " + evidence.source() + " without checking any signature");
    }
    if (r.completeness() == null) {
      warnings.add("The record does not say whether the trace is complete");
    } else if (!r.completeness().complete()) {
      List<String> reasons = r.completeness().reasons() == null ? List.of() : r.completeness().reasons();
      warnings.add("Trace INCOMPLETE: " + (reasons.isEmpty() ? "no reason given" : String.join("; ", reasons)));
    }
    if (!blocked.isEmpty()) {
      warnings.add(blocked.size() + " connection attempt" + (blocked.size() == 1 ? " was" : "s were") + " blocked");
    }
    long blockedDns = dns.stream().filter(q -> q.decision() == EgressDecision.BLOCKED).count();
    if (blockedDns > 0) {
      warnings.add(blockedDns + " DNS quer" + (blockedDns == 1 ? "y was" : "ies were") + " blocked");
    }
    if (!sourceWrites.isEmpty()) {
      warnings.add(sourceWrites.size() + " git-tracked source file" + (sourceWrites.size() == 1 ? " was" : "s were") + " changed");
    }
    long outlived = processes.stream().filter(ProcessInfo::outlivedBuild).count();
    if (outlived > 0) {
      warnings.add(outlived + " process" + (outlived == 1 ? "" : "es") + " outlived the build");
    }
    long noDigest = tools.stream().filter(t -> t.sha256() == null).count();
    if (noDigest > 0) {
      warnings.add(noDigest + " tool" + (noDigest == 1 ? " has" : "s have") + " no recorded digest");
    }
    for (BuildRecord.UsedPackage u : usedPackages) {
      for (BuildRecord.PackageFile file : u.files() == null ? List.<BuildRecord.PackageFile>of() : u.files()) {
        if ("mismatch".equals(file.digestMatch())) {
          warnings.add("Modified packaged file: " + file.path() + " ran with another digest than package " + u.name() + " " + u.version() + " installed");
        }
      }
    }
    for (BuildRecord.PackageDatabase d : dbs) {
      if (d.changedDuringBuild() != null && !d.changedDuringBuild().isEmpty()) {
        warnings.add("The " + d.manager() + " database changed during the build (" + d.changedDuringBuild().size()
            + " file" + (d.changedDuringBuild().size() == 1 ? "" : "s") + "): its packages and digests are the build's word");
      }
      if (d.error() != null) {
        warnings.add("The " + d.manager() + " database could not be read: " + d.error());
      }
    }
    if (record.agent() != null && record.agent().egressMode() == EgressMode.AUDIT) {
      long external = destinations.stream().filter(d -> !"unix".equals(d.family()) && !Addresses.isLoopback(d.address())).count();
      if (external > 0) {
        warnings.add("Egress ran in audit mode: " + external + " external destination" + (external == 1 ? " was" : "s were") + " reached without enforcement");
      }
    }
  }

  /** "12 used of 735 installed", or null when the record has no packages section. */
  String packageCounts() {
    return installedPackages < 0 ? null : usedPackages.size() + " used of " + installedPackages + " installed";
  }

  /** The files of a used package that ran, as "path (digest match)": never "match" from a database that changed during the build. */
  String ranFiles(BuildRecord.UsedPackage u) {
    List<String> out = new ArrayList<>();
    for (BuildRecord.PackageFile file : u.files() == null ? List.<BuildRecord.PackageFile>of() : u.files()) {
      String word = record.packages().digestMatch(u, file);
      out.add(file.path() + (word == null ? "" : " (" + word + ")"));
    }
    return String.join(", ", out);
  }

  String command() {
    return record.invocation() == null ? "" : Text.argv(userCommand(record.invocation().argv()), 200);
  }

  /**
   * The command as the user wrote it: the script of the shell wrappers GitHub Actions and the
   * Plumbline action put around a {@code run:} ({@code bash --noprofile --norc -eo pipefail -c
   * SCRIPT}, lines joined by ⏎; {@code bash -e FILE} steps are shown as they are). Other argv are returned as is.
   */
  static List<String> userCommand(List<String> argv) {
    if (argv != null && argv.size() == 7 && List.of("bash", "/bin/bash", "/usr/bin/bash").contains(argv.get(0))
        && argv.subList(1, 6).equals(List.of("--noprofile", "--norc", "-eo", "pipefail", "-c"))) {
      return List.of(String.join(" ⏎ ", argv.get(6).strip().lines().map(String::strip).filter(l -> !l.isEmpty()).toList()));
    }
    return argv;
  }

  /** Destinations block mode would have refused (audit mode with an allowlist). */
  static boolean wouldBlock(Destination d) {
    return Boolean.TRUE.equals(d.wouldBlock());
  }

  String egressMode() {
    return record.agent() == null || record.agent().egressMode() == null ? "unknown" : record.agent().egressMode().label();
  }

  boolean complete() {
    return record.completeness() != null && record.completeness().complete();
  }

  Duration duration() {
    return start == null || end == null ? null : Duration.between(start, end);
  }

  String exit() {
    if (record.invocation() == null) {
      return "?";
    }
    if (record.invocation().signal() != null) {
      return "killed by signal " + record.invocation().signal();
    }
    return record.invocation().exitCode() == null ? "?" : String.valueOf(record.invocation().exitCode());
  }

  boolean succeeded() {
    return record.invocation() != null && Integer.valueOf(0).equals(record.invocation().exitCode()) && record.invocation().signal() == null;
  }

  static String destinationKey(Destination d) {
    return (d.hostname() == null ? "~" + d.address() : d.hostname()) + ":" + d.port() + "/" + d.protocol();
  }

  static String name(Destination d) {
    if ("unix".equals(d.family())) {
      return "unix:" + d.address();
    }
    return d.hostname() != null ? d.hostname() : d.address();
  }

  static String address(Destination d) {
    if ("unix".equals(d.family())) {
      return d.address();
    }
    return Addresses.withPort(d.address(), d.port());
  }

  private static <T> List<T> sorted(List<T> in, Comparator<T> c) {
    List<T> l = new ArrayList<>(in == null ? List.of() : in);
    l.sort(c);
    return l;
  }
}
