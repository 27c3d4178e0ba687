package dev.plumbline.record;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.plumbline.egress.EgressMode;
import dev.plumbline.packages.DigestMatch;
import dev.plumbline.trace.EgressDecision;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.List;

/**
 * What one traced build did: the document written by {@code plumbline run --record FILE}, and the
 * heart of the attestation predicate. Every list is sorted so that two records of the same build
 * differ only in times, pids and durations. The schema is documented in {@code docs/record.md}.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record BuildRecord(
    String format,
    Agent agent,
    Invocation invocation,
    Completeness completeness,
    List<Tool> tools,
    List<ProcessInfo> processes,
    List<Destination> network,
    List<DnsQuery> dns,
    List<FileWrite> files,
    Sources sources,
    List<Note> notes,
    List<Step> steps,
    Packages packages,
    List<Library> libraries) {

  /** A record of one command (no {@code steps}: those are for a whole CI job, see {@link JobRecord}). */
  public BuildRecord(
      String format,
      Agent agent,
      Invocation invocation,
      Completeness completeness,
      List<Tool> tools,
      List<ProcessInfo> processes,
      List<Destination> network,
      List<DnsQuery> dns,
      List<FileWrite> files,
      Sources sources,
      List<Note> notes) {
    this(format, agent, invocation, completeness, tools, processes, network, dns, files, sources, notes, null, null, null);
  }

  /**
   * A time as records hold it ({@link java.time.Instant#toString}, or with an offset, as a record
   * edited or made by another tool may), or null when absent or not a time.
   */
  public static Instant time(String text) {
    if (text == null) {
      return null;
    }
    try {
      return Instant.parse(text);
    } catch (DateTimeParseException e) {
      try {
        return OffsetDateTime.parse(text).toInstant();
      } catch (DateTimeParseException e2) {
        return null;
      }
    }
  }

  /** This record with another agent section (everything else kept, fields added later included). */
  public BuildRecord withAgent(Agent newAgent) {
    return new BuildRecord(format, newAgent, invocation, completeness, tools, processes, network, dns, files, sources,
        notes, steps, packages, libraries);
  }

  /** This record with other processes (everything else kept, fields added later included). */
  public BuildRecord withProcesses(List<ProcessInfo> newProcesses) {
    return new BuildRecord(format, agent, invocation, completeness, tools, newProcesses, network, dns, files, sources,
        notes, steps, packages, libraries);
  }

  /** This record with other network destinations (everything else kept, fields added later included). */
  public BuildRecord withNetwork(List<Destination> newNetwork) {
    return new BuildRecord(format, agent, invocation, completeness, tools, processes, newNetwork, dns, files, sources,
        notes, steps, packages, libraries);
  }

  /** This record with another completeness (everything else kept, fields added later included). */
  public BuildRecord withCompleteness(Completeness newCompleteness) {
    return new BuildRecord(format, agent, invocation, newCompleteness, tools, processes, network, dns, files, sources,
        notes, steps, packages, libraries);
  }

  /** This record with a packages section (everything else kept, fields added later included). */
  public BuildRecord withPackages(Packages newPackages) {
    return new BuildRecord(format, agent, invocation, completeness, tools, processes, network, dns, files, sources,
        notes, steps, newPackages, libraries);
  }

  /** This record with a libraries section (everything else kept, fields added later included). */
  public BuildRecord withLibraries(List<Library> newLibraries) {
    return new BuildRecord(format, agent, invocation, completeness, tools, processes, network, dns, files, sources,
        notes, steps, packages, newLibraries);
  }

  /** Changes whenever a field changes meaning or is removed; additions keep the version. */
  public static final String FORMAT = "https://plumbline.dev/record/v1";

  /**
   * The agent that produced the record and how it watched (egress mode and allow rules as given). {@code trust} says how far the build
   * was kept from the agent's secrets ({@link #SAME_USER}, {@link #SEPARATE_USER}, {@link
   * #BUILD_ROOT}; see docs/threat-model.md); {@code privilegeGained} whether a build process gained
   * privileges (setuid/setgid exec, file capabilities; the {@code privilege} notes say which);
   * {@code keyReadable} that the build could read the signing key file. Absent in records made
   * before these fields existed.
   */
  public record Agent(
      String name,
      String version,
      String monitor,
      EgressMode egressMode,
      List<String> allow,
      @JsonInclude(JsonInclude.Include.NON_NULL) String trust,
      @JsonInclude(JsonInclude.Include.NON_NULL) Boolean privilegeGained,
      @JsonInclude(JsonInclude.Include.NON_NULL) Boolean keyReadable) {
    public static final String SAME_USER = "same-user";
    public static final String SEPARATE_USER = "separate-user";
    public static final String BUILD_ROOT = "build-root";

    /** This agent with the egress mode and allowlist the run ended with. */
    public Agent withEgress(EgressMode newMode, List<String> newAllow) {
      return new Agent(name, version, monitor, newMode, newAllow, trust, privilegeGained, keyReadable);
    }

    /** This agent with the run's trust level and whether the build could read the key. */
    public Agent withTrust(String newTrust, Boolean newKeyReadable) {
      return new Agent(name, version, monitor, egressMode, allow, newTrust, privilegeGained, newKeyReadable);
    }

    /** This agent with whether a build process gained privileges. */
    public Agent withPrivilegeGained(Boolean gained) {
      return new Agent(name, version, monitor, egressMode, allow, trust, gained, keyReadable);
    }
  }

  /** The build command as given, where and when it ran, and how it ended. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Invocation(
      List<String> argv, String cwd, String startedAt, String finishedAt, Integer exitCode, Integer signal) {}

  /** Whether every process, exec and network call of the tree was seen; reasons when not. */
  public record Completeness(boolean complete, List<String> reasons) {
    public static Completeness full() {
      return new Completeness(true, List.of());
    }
  }

  /**
   * A distinct binary the build executed, by resolved path and content digest; {@code buildOutput}
   * when the build itself wrote it before running it (absent otherwise, and in older records).
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Tool(String path, String sha256, int count, BuildOutput buildOutput) {
    /** A tool the build did not write itself. */
    public Tool(String path, String sha256, int count) {
      this(path, sha256, count, null);
    }

    /**
     * The same binary seen again (another step of a job): counts add up; it stays a build output
     * only when it was one both times, written by the programs of both.
     */
    public Tool plus(Tool other) {
      BuildOutput out = buildOutput == null || other.buildOutput == null || !buildOutput.path().equals(other.buildOutput.path())
          ? null
          : new BuildOutput(buildOutput.path(), union(buildOutput.writtenBy(), other.buildOutput.writtenBy()));
      return new Tool(path, sha256, count + other.count, out);
    }

    private static List<String> union(List<String> a, List<String> b) {
      java.util.TreeSet<String> all = new java.util.TreeSet<>(a == null ? List.of() : a);
      all.addAll(b == null ? List.of() : b);
      return List.copyOf(all);
    }
  }

  /**
   * A binary the build produced and then ran (a test binary, {@code make check} running
   * {@code ./build/hello}): {@code path} relative to the working directory (which may differ
   * between runs and machines), {@code writtenBy} the programs of the build's processes that
   * created, truncated or renamed onto that path. The rule (docs/record.md): the executed file lies
   * under the working directory, git did not track it when the build started, and before every exec
   * of it a traced process of this build created, truncated or renamed onto that path. What it does
   * not prove: that its content came from the sources (a copy or a download into the workspace is
   * a build output too; {@code writtenBy} then names cp or curl).
   */
  public record BuildOutput(String path, List<String> writtenBy) {}

  /** One process of the tree, with each program image it executed in order. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record ProcessInfo(
      int pid,
      int ppid,
      String startedAt,
      String endedAt,
      Integer exitCode,
      Integer signal,
      boolean outlivedBuild,
      List<Exec> execs) {}

  /**
   * One successful execve/execveat: {@code path} is the resolved executable, {@code sha256} its
   * content read through /proc/PID/exe; {@code script} is set when the kernel ran an interpreter.
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Exec(String path, String sha256, List<String> argv, String cwd, String at, Script script) {}

  /**
   * The script an interpreter ran, hashed too, since the interpreter's digest says little.
   * {@code via}: how it was found, {@link #SHEBANG} (a {@code #!} file the kernel started the
   * interpreter for, or one named as its argument), {@link #ARGUMENT} (a file without {@code #!}
   * given to a known interpreter, {@code sh build.sh}, {@code python3 x.py}, or to the dynamic
   * loader, {@code ld.so PROG}) or {@link #STDIN} (its standard input was a regular file,
   * {@code sh < build.sh}); absent in records made before it existed. {@code buildOutput} when the
   * build wrote the script before running it (a generated {@code config.status}, a Makefile made
   * by cmake).
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Script(String path, String sha256, String via, BuildOutput buildOutput) {
    public static final String SHEBANG = "shebang";
    public static final String ARGUMENT = "argument";
    public static final String STDIN = "stdin";

    /** A {@code #!} script. */
    public Script(String path, String sha256) {
      this(path, sha256, SHEBANG, null);
    }

    public Script(String path, String sha256, String via) {
      this(path, sha256, via, null);
    }

    /** A {@code #!} script the build wrote. */
    public Script(String path, String sha256, BuildOutput buildOutput) {
      this(path, sha256, SHEBANG, buildOutput);
    }

    /** This script, found the same way, with whether the build wrote it. */
    public Script withBuildOutput(BuildOutput output) {
      return new Script(path, sha256, via, output);
    }
  }

  /**
   * A file the build's processes mapped executable without executing it, by path and content
   * digest: shared libraries (those ld.so loads, dlopen'ed ones, LD_PRELOAD and LD_AUDIT objects),
   * the ELF interpreter, a program given to ld.so. {@code how}: {@code mmap}, {@code mprotect},
   * {@code interpreter} (see docs/record.md); {@code processes} the executables that mapped it;
   * {@code count} how many mappings. Null {@code sha256} when it could not be hashed (the record
   * is then incomplete, naming it).
   */
  public record Library(String path, String sha256, List<String> how, List<String> processes, int count) {}

  /**
   * A network destination the tree used, aggregated over processes and calls. {@code family} is
   * inet, inet6 or unix; {@code protocol} tcp, udp, raw or unix-stream/unix-dgram; {@code decision}
   * allowed, audited, blocked or redirected.
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Destination(
      String family,
      String protocol,
      String address,
      Integer port,
      String hostname,
      EgressDecision decision,
      List<String> syscalls,
      List<String> results,
      List<String> processes,
      int count,
      Boolean wouldBlock) {

    /**
     * A destination with nothing known about it yet; the {@code with…} methods add the rest, so a
     * call site reads {@code Destination.to("inet", "tcp", addr, 443).withDecision(ALLOWED)…}.
     * ({@code wouldBlock}: in audit mode with an allowlist, whether block mode would have refused
     * this destination; absent otherwise.)
     */
    public static Destination to(String family, String protocol, String address, Integer port) {
      return new Destination(family, protocol, address, port, null, null, List.of(), List.of(), List.of(), 0, null);
    }

    /**
     * Whether this entry is a socket the build listened on (only {@code listen} calls), not a
     * destination: its address is the one bound; the peers that connected in are entries of
     * their own ({@code accept}). An inherited listening socket ({@code inherited-listen}) is one too.
     */
    public boolean listener() {
      return syscalls != null && !syscalls.isEmpty()
          && syscalls.stream().allMatch(s -> s.equals("listen") || s.equals("inherited-listen"));
    }

    public Destination withHostname(String name) {
      return new Destination(family, protocol, address, port, name, decision, syscalls, results, processes, count, wouldBlock);
    }

    public Destination withDecision(EgressDecision d) {
      return new Destination(family, protocol, address, port, hostname, d, syscalls, results, processes, count, wouldBlock);
    }

    /** The calls that used it ({@code connect}, {@code sendto}, …) and their results. */
    public Destination withCalls(List<String> kinds, List<String> outcomes) {
      return new Destination(family, protocol, address, port, hostname, decision, kinds, outcomes, processes, count, wouldBlock);
    }

    /** The executables that used it and how many times it was used in all. */
    public Destination withUse(List<String> by, int times) {
      return new Destination(family, protocol, address, port, hostname, decision, syscalls, results, by, times, wouldBlock);
    }

    public Destination withWouldBlock(Boolean would) {
      return new Destination(family, protocol, address, port, hostname, decision, syscalls, results, processes, count, would);
    }
  }

  /** A DNS question the tree asked and the addresses it was answered with. */
  public record DnsQuery(String name, String type, List<String> answers, EgressDecision decision, int count) {}

  /**
   * A change to a file under the working directory: {@code path} relative to it, {@code operations}
   * among write, create, truncate, rename-from, rename-to, unlink; {@code tracked} when git tracks it.
   */
  public record FileWrite(String path, List<String> operations, boolean tracked, List<String> processes, int count) {}

  /**
   * What the record knows about the working directory's sources: {@code gitTracked} when git
   * listed its tracked files (otherwise no write can be marked {@code tracked}), and how many;
   * {@code transientFiles}: untracked files the build created and removed again, left out of
   * {@code files}.
   */
  public record Sources(boolean gitTracked, int trackedFiles, int transientFiles) {}

  /**
   * One traced step of a whole CI job ({@link JobRecord}): its position, the step's command (its
   * script, redacted), when it ran, how it ended, whether its own trace was complete, and the
   * sha256 of the step's own record.
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Step(int index, String command, String startedAt, String finishedAt, Integer exitCode, Integer signal,
      boolean complete, String recordSha256) {}

  /**
   * Something worth knowing that does not make the trace incomplete, aggregated by ({@code kind},
   * {@code detail}): a refused PTRACE_TRACEME/ATTACH ({@code ptrace}), the build installing its own
   * seccomp filter ({@code seccomp}), io_uring refused in block mode ({@code io_uring}), ...
   */
  public record Note(String kind, String detail, List<String> processes, int count) {}

  /**
   * Which OS packages the files the build ran belong to, from the package databases of the machine
   * it ran on ({@code PackageRecords}): {@code databases} read, {@code used} packages with the files
   * of them that ran, {@code unowned} files no database claims. Absent when not looked up.
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Packages(List<PackageDatabase> databases, List<UsedPackage> used, List<PackageFile> unowned) {
    /**
     * The {@code digestMatch} of {@code file}, a file of {@code pkg}, as it may be shown: never
     * {@code match} when {@code pkg}'s database changed during the build
     * ({@code DigestMatch.shown}; older records say {@code match} there).
     */
    public String digestMatch(UsedPackage pkg, PackageFile file) {
      return DigestMatch.shown(file.digestMatch(), changedDuringBuild(pkg.manager()));
    }

    /** Whether the database of {@code manager} names files that changed during the build. */
    public boolean changedDuringBuild(String manager) {
      for (PackageDatabase d : databases == null ? List.<PackageDatabase>of() : databases) {
        if (d.manager() != null && d.manager().equals(manager) && d.changedDuringBuild() != null && !d.changedDuringBuild().isEmpty()) {
          return true;
        }
      }
      return false;
    }
  }

  /**
   * One package database: {@code manager} dpkg, apk or rpm; {@code installed} how many packages it
   * lists as installed, {@code unused} their names ({@code name:arch}) minus the used ones;
   * {@code changedDuringBuild} its files that changed while the build ran (then what it says about
   * ownership and digests is the build's word); {@code error} when it could not be read.
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record PackageDatabase(
      String manager, Integer installed, List<String> unused, List<String> changedDuringBuild, String error) {}

  /** A package whose files the build ran: identity as its database has it, and those files. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record UsedPackage(String manager, String name, String version, String arch, String purl, List<PackageFile> files) {}

  /**
   * A file the build ran: {@code path} as recorded, {@code sha256} of what ran, {@code kinds}
   * (exec, script); for a packaged file {@code listedPath} when the database names it otherwise
   * (/usr merge, diversion), {@code digest} the database's ({@code md5:HEX}, ...) and
   * {@code digestMatch}: match, mismatch, no-digest, unknown or database-changed (read it with
   * {@link Packages#digestMatch}: records made before database-changed say match there).
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record PackageFile(
      String path, String sha256, List<String> kinds, String listedPath, String digest, String digestMatch) {}
}
