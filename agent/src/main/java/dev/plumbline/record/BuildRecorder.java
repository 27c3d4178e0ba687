package dev.plumbline.record;

import dev.plumbline.linux.Linux;
import dev.plumbline.redact.Redaction;
import dev.plumbline.trace.EgressDecision;
import dev.plumbline.trace.TraceEvent;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * Folds the tracer's {@link TraceEvent}s into a {@link BuildRecord}.
 *
 * <h2>How the tracer calls it</h2>
 *
 * <pre>{@code
 * BuildRecorder recorder = new BuildRecorder(new BuildRecorder.Settings(agent, argv, workdir,
 *     GitTrackedFiles.of(workdir)));
 * // on the tracer thread, in the order things happen:
 * recorder.accept(new TraceEvent.ProcessStarted(now, pid, ppid, false));
 * // at the exec stop (the hasher opens /proc/PID/exe right here, hashes later on its workers):
 * recorder.exec(new TraceEvent.Exec(now, pid, path, argv, cwd), hasher.onExec(pid, argv, cwd));
 * recorder.accept(new TraceEvent.Network(...)); recorder.accept(new TraceEvent.ProcessExited(...)); ...
 * // when the tree is gone:
 * BuildRecord record = recorder.finish(new BuildRecorder.Outcome(startedAt, Instant.now(), exitCode, signal),
 *     Duration.ofSeconds(60));
 * }</pre>
 *
 * <p>Asynchronous digests: {@link #exec(TraceEvent.Exec, CompletableFuture, CompletableFuture)}
 * takes futures for the executable's and the script's digest; they are only looked at in {@link
 * #finish}, which waits for them up to a deadline. A digest that failed or did not arrive in time
 * makes the record incomplete, naming the executable. An {@code Exec} given to {@link #accept}
 * must carry its digest itself (a null {@code sha256} there also makes the record incomplete).
 *
 * <h2>Event conventions</h2>
 *
 * <ul>
 *   <li>{@code ProcessStarted(thread=true)}: {@code pid} is the new thread's tid and {@code ppid}
 *       any task of its thread group; events with a tid are attributed to its process. Threads are
 *       not listed as processes.
 *   <li>{@code Network}: for unix sockets {@code address} is the path, an abstract name prefixed
 *       with {@code @}, or empty for an unnamed socket; {@code port} null. The hostname is taken
 *       from the most recent {@code Dns} answer that contained the address.
 *   <li>{@code FileChanged}: an absolute path (or relative to the working directory); writes
 *       outside the working directory are not recorded (temporary files would make records of
 *       the same build differ).
 *   <li>Out of order: events of a task whose {@code ProcessStarted} comes later (a new thread's or
 *       child's first stop before its parent's clone/fork event) are folded into the thread's
 *       process, or into the child once its start arrives. A task never started nor ended makes
 *       the record incomplete ("exit not seen").
 *   <li>{@code Note}: aggregated by (kind, detail) into {@code notes}; a "(pid N)" in the detail
 *       is dropped, since the process is listed by executable.
 *   <li>{@code Incomplete}: the reason must not contain pids or times (records of the same build
 *       should be equal); reasons are de-duplicated and sorted.
 * </ul>
 *
 * <h2>Threads</h2>
 *
 * All methods are synchronized and cheap ({@code accept}/{@code exec} store and count), so the
 * tracer thread can call them directly. A process that ended is handed on, with others in a batch,
 * to a spooling thread ({@link EndedProcesses}: argv redaction, its entry, spooled); sorting and
 * the rest happen in {@code finish}. Digests complete on the hasher's threads and are looked at
 * only once done (or in {@code finish}). {@code finish} may be called once, from any thread, after
 * the last event. The redaction and the spool are set before the first process ends.
 */
public final class BuildRecorder {

  /**
   * What is known before the build starts.
   *
   * @param agent the agent section, as is
   * @param argv the build command (redacted here before it is recorded)
   * @param workdir the build's working directory (absolute)
   * @param tracked the files git tracks under {@code workdir}
   */
  public record Settings(BuildRecord.Agent agent, List<String> argv, Path workdir, GitTrackedFiles tracked) {
    public Settings {
      Objects.requireNonNull(agent, "agent");
      argv = List.copyOf(argv);
      workdir = workdir.toAbsolutePath().normalize();
      tracked = tracked == null ? GitTrackedFiles.none() : tracked;
    }
  }

  /** How the build ended: exit code, or the signal that killed the main process. */
  public record Outcome(Instant startedAt, Instant finishedAt, Integer exitCode, Integer signal) {}

  /** Destinations and file writes are aggregated as they arrive, so memory grows with distinct ones only. */
  private record NetKey(String family, String protocol, String address, Integer port, String hostname, EgressDecision decision) {}

  private static final class Seen {
    final Set<String> kinds = new TreeSet<>(); // syscalls, or file operations
    final Set<String> results = new TreeSet<>();
    final Set<String> processes = new TreeSet<>();
    int count;
    String firstKind; // file operations, in the order they happened
    String lastKind;
  }

  private final Settings settings;
  private final Path realWorkdir;
  private final SourceScan sourceScan;
  private ProcessTable table = new ProcessTable(this::ended); // null once finished
  private final Map<NetKey, Seen> network = new HashMap<>();
  private final List<TraceEvent.Dns> dns = new ArrayList<>();
  private final Map<String, String> nameOfAddress = new HashMap<>();
  private final Map<String, Seen> files = new HashMap<>();
  /** Keyed by path and the hasher's future, which is one object per file content (its cache). */
  private final Map<LibKey, Seen> libraries = new HashMap<>();

  private record LibKey(String path, CompletableFuture<String> sha256) {
    // written out: the generated ones go through method handles, slow under C1, at every mapping
    @Override
    public boolean equals(Object o) {
      return o instanceof LibKey k && k.sha256 == sha256 && Objects.equals(k.path, path);
    }

    @Override
    public int hashCode() {
      return Objects.hashCode(path) * 31 + System.identityHashCode(sha256);
    }
  }
  private final Map<List<String>, Seen> notes = new HashMap<>();
  private final Set<String> reasons = new TreeSet<>();
  /**
   * When each workspace file was first created, truncated or renamed onto (a {@link #sequence}
   * number): read by the spooling thread, so that an exec's "written by the build before it ran"
   * can be told when its process ends. Set once per file.
   */
  private final Map<String, Long> firstReplaced = new ConcurrentHashMap<>();
  private long sequence; // counts execs and file changes: which write came before which exec
  private boolean finished;

  /**
   * The processes that ended, spooled on {@link #SPOOLER} in batches of {@link #BATCH} (the
   * tracer thread only hands them on): created with the first one, with the rules in force then.
   */
  private EndedProcesses endedProcesses;
  private List<Handed> batch = new ArrayList<>();
  private CompletableFuture<Void> spooling = CompletableFuture.completedFuture(null);

  private record Handed(ProcessTable.Proc process, boolean listed) {}

  private static final int BATCH = 128;

  /**
   * One thread for every recorder of this JVM (there is one per run), so that redacting and
   * writing what a process left behind is never done on the tracer thread, while it holds a
   * tracee stopped; batches of one recorder run in the order they were handed on. It ends after
   * a few idle seconds.
   */
  private static final ExecutorService SPOOLER = spooler();

  private static ExecutorService spooler() {
    ThreadPoolExecutor pool = new ThreadPoolExecutor(1, 1, 5, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), r -> {
      Thread t = new Thread(r, "plumbline-record-spool");
      t.setDaemon(true);
      return t;
    });
    pool.allowCoreThreadTimeOut(true);
    return pool;
  }

  private volatile Redaction redaction = Redaction.builtIn();
  /** Where {@link #finish} spools the processes (an unnamed file there); null: kept in memory. */
  private Path spoolDir = Path.of(System.getProperty("java.io.tmpdir"));
  /** Only while the agent is undumpable ({@link ProcessSpool#open}); tests, whose JVM is dumpable, lift it. */
  private boolean spoolUndumpableOnly = true;
  /** Processes per run of the record order's {@link ExternalSort}; tests make it small to have runs merged. */
  private int sortRun = ExternalSort.RUN;

  /**
   * Spool the record's processes in an unnamed file in {@code dir} even when this process is
   * dumpable ({@link ProcessSpool}), or keep them in memory (null): for tests.
   */
  synchronized BuildRecorder spoolingIn(Path dir) {
    checkNothingSpooled();
    this.spoolDir = dir;
    this.spoolUndumpableOnly = false;
    return this;
  }

  /** Sorts the record's order in runs of {@code run} processes: for tests, whose builds are smaller than a run. */
  synchronized BuildRecorder sortingInRunsOf(int run) {
    checkNothingSpooled();
    this.sortRun = run;
    return this;
  }

  /**
   * The rules for what must never be written (default: the built-in ones). Pass one that masks the
   * build's environment ({@link Redaction#maskingValuesOf}): a script can hand a sensitive value on
   * as a plain argument ({@code deploy "$TOKEN"}) or in a DNS name, where no rule could recognise it.
   */
  public synchronized BuildRecorder redacting(Redaction redaction) {
    checkNothingSpooled();
    this.redaction = Objects.requireNonNull(redaction);
    return this;
  }

  /** Processes are redacted and spooled as they end: the rules cannot change after the first. */
  private void checkNothingSpooled() {
    if (endedProcesses != null) {
      throw new IllegalStateException("set the redaction and the spool before the build's first process ends");
    }
  }

  /**
   * {@code record} with this recorder's redaction applied to every string in it; {@link #finish}
   * does this, and code that adds to a finished record (hostnames, egress) calls it again.
   */
  public BuildRecord redact(BuildRecord record) {
    Redacted done = redacted;
    if (done != null && done.redaction() == redaction && record.processes() == done.processes()) {
      // the processes finish passed over, unchanged (nothing adds to them afterwards): the
      // largest section of a big build is not copied a second time
      return RecordRedaction.apply(record.withProcesses(null), redaction).withProcesses(done.processes());
    }
    return RecordRedaction.apply(record, redaction);
  }

  /** The processes {@link #finish} redacted, and with which rules. */
  private record Redacted(List<BuildRecord.ProcessInfo> processes, Redaction redaction) {}

  private volatile Redacted redacted;

  public BuildRecorder(Settings settings) {
    this.settings = Objects.requireNonNull(settings);
    Path real;
    try {
      real = settings.workdir().toRealPath();
    } catch (java.io.IOException | RuntimeException e) {
      real = settings.workdir();
    }
    this.realWorkdir = real;
    // before the build runs anything: the end-of-build scan compares every tracked file with this
    this.sourceScan = settings.tracked().available() ? SourceScan.before(settings.workdir(), settings.tracked()) : SourceScan.none();
  }

  /** Records one event. An {@code Exec} given here has no digest (the record says so): pass execs to {@link #exec(TraceEvent.Exec, ExecutableHasher.ExecHashes)}. */
  public synchronized void accept(TraceEvent event) {
    checkOpen();
    if (event instanceof TraceEvent.ProcessStarted e) {
      table.started(e);
    } else if (event instanceof TraceEvent.Exec e) {
      exec(e, null, null);
    } else if (event instanceof TraceEvent.Mapped e) {
      mapped(e, null);
    } else if (event instanceof TraceEvent.Network e) {
      ProcessTable.Proc p = table.process(e.pid(), e.at());
      String host = e.address() == null ? null : nameOfAddress.get(e.address());
      Seen seen = network.computeIfAbsent(
          new NetKey(e.family(), e.protocol(), e.address(), e.port(), host, e.decision()), k -> new Seen());
      addIfPresent(seen.kinds, e.syscall());
      addIfPresent(seen.results, e.result());
      ProcessTable.noteProcess(seen.processes, p);
      seen.count++;
    } else if (event instanceof TraceEvent.Dns e) {
      dns.add(e);
      for (String answer : e.answers() == null ? List.<String>of() : e.answers()) {
        nameOfAddress.put(answer, e.name());
      }
    } else if (event instanceof TraceEvent.FileChanged e) {
      fileChanged(e);
    } else if (event instanceof TraceEvent.ProcessExited e) {
      table.exited(e);
    } else if (event instanceof TraceEvent.Incomplete e) {
      reasons.add(e.reason());
    } else if (event instanceof TraceEvent.Note e) {
      ProcessTable.Proc p = table.process(e.pid(), e.at());
      Seen seen = notes.computeIfAbsent(List.of(String.valueOf(e.kind()), withoutPids(e.detail())), k -> new Seen());
      ProcessTable.noteProcess(seen.processes, p);
      seen.count++;
    }
  }

  /**
   * Records an exec whose digests arrive later. A null {@code sha256} future makes the record
   * incomplete (the executable was not hashed); a null {@code script} means no interpreter script.
   */
  public synchronized void exec(
      TraceEvent.Exec event, CompletableFuture<String> sha256, CompletableFuture<BuildRecord.Script> script) {
    checkOpen();
    // held as read while the process lives; EndedProcesses takes it from there
    table.exec(event.pid(), event.at(), event.path(), event.argv(), event.cwd(), sha256, script, ++sequence);
  }

  /**
   * {@link #endedProcesses}, made with the first process that ends and with the rules in force
   * then: from here on the redaction and the spool directory are fixed ({@link
   * #checkNothingSpooled}), and {@link #awaitSpooled} has batches to wait for.
   */
  private EndedProcesses ensureEndedProcesses() {
    if (endedProcesses == null) {
      endedProcesses = new EndedProcesses(redaction, this::writtenBefore, spoolDir, spoolUndumpableOnly, sortRun);
    }
    return endedProcesses;
  }

  /** From the table, under this lock: a process that can change no more, spooled with the next batch. */
  private void ended(ProcessTable.Proc p, boolean listed) {
    ensureEndedProcesses();
    batch.add(new Handed(p, listed));
    if (batch.size() >= BATCH) {
      handOn();
    }
  }

  private void handOn() {
    List<Handed> b = batch;
    EndedProcesses to = endedProcesses;
    batch = new ArrayList<>(BATCH);
    spooling = spooling.thenRunAsync(() -> spoolBatch(to, b), SPOOLER);
  }

  private static void spoolBatch(EndedProcesses to, List<Handed> batch) {
    to.retryWaiting();
    batch.forEach(h -> to.add(h.process(), h.listed()));
  }

  /** For tests: waits until every process handed on so far is spooled (what the model holds is then what stays). */
  void awaitSpooled() {
    CompletableFuture<Void> done;
    synchronized (this) {
      if (endedProcesses != null && !batch.isEmpty()) {
        handOn();
      }
      done = spooling;
    }
    done.join();
  }

  /**
   * Records a file mapped executable ({@code TraceEvent.Mapped}) whose digest arrives later (from
   * {@link ExecutableHasher#hashMapped}, called at the stop); a null future makes the record
   * incomplete. A {@code Mapped} given to {@link #accept} has no digest.
   */
  public synchronized void mapped(TraceEvent.Mapped event, CompletableFuture<String> sha256) {
    checkOpen();
    ProcessTable.Proc p = table.process(event.pid(), event.at());
    Seen seen = libraries.computeIfAbsent(new LibKey(event.path(), sha256), k -> new Seen());
    addIfPresent(seen.kinds, event.how());
    ProcessTable.noteProcess(seen.processes, p);
    seen.count++;
  }

  /** {@link #exec(TraceEvent.Exec, CompletableFuture, CompletableFuture)} with what {@link ExecutableHasher#onExec} returned. */
  public void exec(TraceEvent.Exec event, ExecutableHasher.ExecHashes hashes) {
    exec(event, hashes.sha256(), hashes.script());
  }

  private void fileChanged(TraceEvent.FileChanged e) {
    ProcessTable.Proc p = table.process(e.pid(), e.at());
    String relative = relativeToWorkdir(e.path());
    if (relative != null) {
      Seen seen = files.computeIfAbsent(relative, k -> new Seen());
      addIfPresent(seen.kinds, e.operation());
      if (seen.firstKind == null) {
        seen.firstKind = e.operation();
      }
      seen.lastKind = e.operation();
      if (REPLACING.contains(e.operation()) && !firstReplaced.containsKey(relative)) {
        firstReplaced.put(relative, ++sequence);
      }
      ProcessTable.noteProcess(seen.processes, p);
      seen.count++;
    }
  }

  /**
   * '/'-separated path relative to the workdir, or null when it lies outside. Paths may be given
   * under the workdir as named or under its real path (symlinks resolved), as /proc shows it.
   */
  String relativeToWorkdir(String path) {
    if (path == null || path.isEmpty()) {
      return null;
    }
    String r = relativeTo(settings.workdir(), path);
    if (r == null && !realWorkdir.equals(settings.workdir())) {
      r = relativeTo(realWorkdir, path);
    }
    return r;
  }

  private static String relativeTo(Path base, String path) {
    Path p;
    try {
      p = base.resolve(path).normalize();
    } catch (RuntimeException ex) {
      return null;
    }
    if (!p.startsWith(base) || p.equals(base)) {
      return null;
    }
    return base.relativize(p).toString();
  }

  private void checkOpen() {
    if (finished) {
      throw new IllegalStateException("the record was already finished");
    }
  }

  /**
   * Builds the record: waits up to {@code hashWait} in total for outstanding digests, redacts
   * argv, aggregates and sorts.
   */
  public synchronized BuildRecord finish(Outcome outcome, Duration hashWait) {
    checkOpen();
    finished = true;
    ProcessSpool<BuildRecord.ProcessInfo> spool = ProcessSpool.open(spoolDir, spoolUndumpableOnly && Linux.isDumpable());
    try {
      return make(outcome, hashWait, spool);
    } catch (RuntimeException | Error e) {
      // a record that could not be made lets go of its spools now, not when the agent ends (a
      // scratch file has no cleaner, and a caller that outlives the error would keep it open);
      // the error is the caller's
      spool.close();
      if (endedProcesses != null) {
        endedProcesses.close();
      }
      throw e;
    }
  }

  /** {@link #finish}'s work, with the spool of the record's processes. */
  private BuildRecord make(Outcome outcome, Duration hashWait, ProcessSpool<BuildRecord.ProcessInfo> spool) {
    long deadline = System.nanoTime() + hashWait.toNanos();
    Set<String> why = new TreeSet<>(reasons);

    // every process left ends; once the spooling thread is done with the batches handed on, what
    // it kept is this thread's (join), and the last batch is spooled here
    table.endAll();
    EndedProcesses processes = ensureEndedProcesses();
    spooling.join();
    if (!batch.isEmpty()) {
      // the last batch on this thread, after the ones handed on, as the spooling thread would:
      // this thread would only wait for it (and a short build's only batch started that thread)
      spoolBatch(processes, batch);
      batch = new ArrayList<>();
    }
    processes.endWaiting(deadline);
    processes.addReasons(why);
    Map<List<String>, Integer> toolCounts = new HashMap<>();
    Map<List<String>, String> outputs = new HashMap<>(); // tool -> its workspace path, "" once an exec of it was not an output
    processes.toolUses((path, sha, count, output) -> {
      List<String> tool = Arrays.asList(path, sha);
      toolCounts.merge(tool, count, Integer::sum);
      outputs.merge(tool, output, (a, b) -> a.equals(b) ? a : "");
    });
    List<BuildRecord.Library> libs = libraries(deadline, why);
    long unseen = processes.unseen();
    if (unseen > 0) {
      why.add("exit not seen for " + unseen + (unseen == 1 ? " process" : " processes"));
    }

    List<BuildRecord.Tool> tools = new ArrayList<>();
    toolCounts.forEach((k, n) -> tools.add(new BuildRecord.Tool(k.get(0), k.get(1), n, buildOutput(outputs.get(k)))));
    tools.sort(Comparator.comparing(BuildRecord.Tool::path, NULLS).thenComparing(BuildRecord.Tool::sha256, NULLS));

    // each process's entry was redacted when it ended; completed with its digests, it is spooled
    // again in the record's order: the record's largest section is never held whole, and what
    // reaches a spool file is what the record will say
    Redaction rules = redaction;
    processes.inOrder(this::buildOutput, spool::add);
    List<BuildRecord.ProcessInfo> procs = spool.finished();

    BuildRecord.Invocation invocation =
        new BuildRecord.Invocation(
            TempNames.mask(redaction.argv(settings.argv())),
            settings.workdir().toString(),
            time(outcome.startedAt()),
            time(outcome.finishedAt()),
            outcome.exitCode(),
            outcome.signal());
    GitTrackedFiles tracked = settings.tracked();
    List<BuildRecord.FileWrite> fileWrites = fileWrites(tracked, why); // adds to why: before completeness
    BuildRecord record = RecordRedaction.apply(new BuildRecord(
        BuildRecord.FORMAT,
        settings.agent(),
        invocation,
        new BuildRecord.Completeness(why.isEmpty(), List.copyOf(why)),
        tools,
        null,
        destinations(),
        dnsQueries(),
        fileWrites,
        new BuildRecord.Sources(tracked.available(), tracked.paths().size(),
            (int) files.entrySet().stream().filter(f -> transientFile(f.getValue()) && !tracked.tracks(f.getKey())).count()),
        noteList()).withLibraries(libs), rules).withProcesses(procs);
    redacted = new Redacted(procs, rules);
    release();
    return record;
  }

  /** After {@link #finish}: what was kept per process, exec, file and destination is not needed any more. */
  private void release() {
    table = null;
    network.clear();
    dns.clear();
    nameOfAddress.clear();
    files.clear();
    libraries.clear();
    notes.clear();
    firstReplaced.clear();
    endedProcesses = null;
  }

  /** Libraries by (path, digest): a file replaced during the build is listed once per content. */
  private List<BuildRecord.Library> libraries(long deadline, Set<String> why) {
    Map<PathDigest, Seen> merged = new HashMap<>();
    libraries.forEach((k, seen) -> {
      String sha = null;
      if (k.sha256() != null) {
        DigestOutcome.Outcome<String> o = DigestOutcome.of(k.sha256(), deadline);
        sha = o.value();
        if (o.failed()) {
          why.add(o.reason("library", k.path()));
        }
      }
      if (k.sha256() == null) {
        why.add("library not hashed: " + k.path() + " (no digest reported)");
      }
      Seen m = merged.computeIfAbsent(new PathDigest(k.path(), sha), x -> new Seen());
      m.kinds.addAll(seen.kinds);
      m.processes.addAll(seen.processes);
      m.count += seen.count;
    });
    List<BuildRecord.Library> out = new ArrayList<>();
    merged.forEach((k, m) -> out.add(new BuildRecord.Library(k.path(), k.sha256(), List.copyOf(m.kinds),
        List.copyOf(m.processes), m.count)));
    out.sort(Comparator.comparing(BuildRecord.Library::path, NULLS).thenComparing(BuildRecord.Library::sha256, NULLS));
    return out;
  }

  /** File operations that replace a file's content (or put another file at its name). */
  private static final Set<String> REPLACING = Set.of("create", "truncate", "rename-to");

  /**
   * The workspace-relative path of a file this build wrote before the exec numbered {@code seq}
   * ran it, or null: it lies under the working directory, git did not track it at the start, and
   * a traced process created, truncated or renamed onto it before that exec (the tracer reports
   * events in the order they happen).
   */
  private String writtenBefore(String executable, long seq) {
    String relative = relativeToWorkdir(executable);
    if (relative == null || settings.tracked().tracks(relative)) {
      return null;
    }
    Long replaced = firstReplaced.get(relative);
    return replaced != null && replaced < seq ? relative : null;
  }

  /** A build output with the programs that wrote it (every write of the build, not only those before the exec). */
  private BuildRecord.BuildOutput buildOutput(String relative) {
    if (relative == null || relative.isEmpty()) {
      return null;
    }
    Seen seen = files.get(relative);
    return new BuildRecord.BuildOutput(relative, seen == null ? List.of() : List.copyOf(seen.processes));
  }

  private List<BuildRecord.Destination> destinations() {
    List<BuildRecord.Destination> out = new ArrayList<>();
    network.forEach((k, a) -> out.add(
        BuildRecord.Destination.to(k.family(), k.protocol(), k.address(), k.port())
            .withHostname(k.hostname())
            .withDecision(k.decision())
            .withCalls(List.copyOf(a.kinds), List.copyOf(a.results))
            .withUse(List.copyOf(a.processes), a.count)));
    out.sort(Comparator.comparing(BuildRecord.Destination::family, NULLS)
        .thenComparing(BuildRecord.Destination::protocol, NULLS)
        .thenComparing(BuildRecord.Destination::address, NULLS)
        .thenComparing(BuildRecord.Destination::port, Comparator.nullsFirst(Comparator.<Integer>naturalOrder()))
        .thenComparing(BuildRecord.Destination::hostname, NULLS)
        .thenComparing(d -> label(d.decision()), NULLS));
    return out;
  }

  /** Records are sorted by the decision's label, as written. */
  private static String label(EgressDecision d) {
    return d == null ? null : d.label();
  }

  private List<BuildRecord.DnsQuery> dnsQueries() {
    record Key(String name, String type, EgressDecision decision) {}
    Map<Key, Set<String>> answers = new HashMap<>();
    Map<Key, Integer> counts = new HashMap<>();
    for (TraceEvent.Dns e : dns) {
      Key k = new Key(e.name(), e.type(), e.decision());
      Set<String> a = answers.computeIfAbsent(k, x -> new TreeSet<>());
      if (e.answers() != null) {
        e.answers().forEach(s -> addIfPresent(a, s));
      }
      counts.merge(k, 1, Integer::sum);
    }
    List<BuildRecord.DnsQuery> out = new ArrayList<>();
    answers.forEach((k, a) -> out.add(new BuildRecord.DnsQuery(k.name(), k.type(), List.copyOf(a), k.decision(), counts.get(k))));
    out.sort(Comparator.comparing(BuildRecord.DnsQuery::name, NULLS)
        .thenComparing(BuildRecord.DnsQuery::type, NULLS)
        .thenComparing(q -> label(q.decision()), NULLS));
    return out;
  }

  /**
   * The writes the tracer saw, and every tracked file the end-of-build scan found changed without a
   * traced write to it: recorded with the operation {@code untraced-<kind>} and no process, and the
   * trace is incomplete (something wrote to the sources by a route the tracer did not see).
   */
  private List<BuildRecord.FileWrite> fileWrites(GitTrackedFiles tracked, Set<String> why) {
    Map<String, BuildRecord.FileWrite> out = new TreeMap<>();
    for (String path : files.keySet()) {
      Seen a = files.get(path);
      if (transientFile(a) && !tracked.tracks(path)) {
        continue;
      }
      out.put(path, new BuildRecord.FileWrite(
          path, List.copyOf(a.kinds), tracked.tracks(path), List.copyOf(a.processes), a.count));
    }
    for (SourceScan.Change c : sourceScan.changes().values()) {
      if (c.kind().equals(SourceScan.UNVERIFIABLE)) {
        // not a write seen, nor one ruled out: the record says what it cannot vouch for
        why.add("tracked file " + c.path() + " could not be stat'ed by the agent before or after the build (it or a"
            + " folder above it is unreadable to the agent): a change to it by a route the tracer does not see would be missing");
      } else if (!files.containsKey(c.path())) {
        out.put(c.path(), new BuildRecord.FileWrite(c.path(), List.of("untraced-" + c.kind()), true, List.of(), 1));
        why.add("tracked file " + c.kind() + " by a route the tracer did not see: " + c.path() + " (found by the end-of-build scan)");
      }
    }
    return List.copyOf(out.values());
  }

  /**
   * Created by the build and gone again by the end (ar's and compilers' temporaries with random
   * names): left out, since nothing of it remains and its name would make records differ.
   */
  private static boolean transientFile(Seen a) {
    return "create".equals(a.firstKind) && ("unlink".equals(a.lastKind) || "rename-from".equals(a.lastKind));
  }

  private List<BuildRecord.Note> noteList() {
    List<BuildRecord.Note> out = new ArrayList<>();
    notes.forEach((k, a) -> out.add(new BuildRecord.Note(k.get(0), k.get(1), List.copyOf(a.processes), a.count)));
    out.sort(Comparator.comparing(BuildRecord.Note::kind).thenComparing(BuildRecord.Note::detail));
    return out;
  }

  private static final java.util.regex.Pattern PID_MENTION =
      java.util.regex.Pattern.compile("\\s*\\(pid \\d+\\)|(?<=PTRACE_[A-Z_]{1,20}) of \\d+");

  /** Records of the same build must compare equal: "(pid 123)", "PTRACE_SEIZE of 123" lose the pid. */
  static String withoutPids(String detail) {
    return detail == null ? "" : PID_MENTION.matcher(detail).replaceAll("");
  }

  private static void addIfPresent(Set<String> set, String value) {
    if (value != null) {
      set.add(value);
    }
  }

  private static String time(Instant t) {
    return t == null ? null : t.toString();
  }

  private static final Comparator<String> NULLS = Comparator.nullsFirst(Comparator.naturalOrder());
}
