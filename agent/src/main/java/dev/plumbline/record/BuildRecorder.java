package dev.plumbline.record;

import dev.plumbline.redact.ArgvRedactor;
import dev.plumbline.trace.TraceEvent;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

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
 * All methods are synchronized and cheap ({@code accept}/{@code exec} store and count: argv redaction,
 * aggregation and sorting happen in {@code finish}), so the tracer thread can call them directly;
 * digests complete on the hasher's threads and are not touched until {@code finish}. {@code finish}
 * may be called once, from any thread, after the last event.
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

  private static final class Proc {
    final int pid;
    int ppid;
    Proc parent;
    Instant startedAt;
    /** Made up for an event whose task had not been reported yet (events can arrive out of order). */
    boolean implicit;
    /** Process sets of destinations/files it used while its image was unknown; filled in once known. */
    final List<Set<String>> awaitingImage = new ArrayList<>();
    final List<ExecEntry> execs = new ArrayList<>();
    String image; // path of the program image it runs now (inherited over fork)
    Instant endedAt;
    Integer exitCode;
    Integer signal;
    boolean killedByAgent;
    boolean exitSeen;

    Proc(int pid, int ppid, Proc parent, Instant startedAt) {
      this.pid = pid;
      this.ppid = ppid;
      this.parent = parent;
      this.startedAt = startedAt;
      this.image = parent == null ? null : parent.image;
    }
  }

  private record ExecEntry(
      TraceEvent.Exec event, CompletableFuture<String> sha256, CompletableFuture<BuildRecord.Script> script) {}

  /** Destinations and file writes are aggregated as they arrive, so memory grows with distinct ones only. */
  private record NetKey(String family, String protocol, String address, Integer port, String hostname, String decision) {}

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
  private final List<Proc> processes = new ArrayList<>();
  private final Map<Integer, Proc> live = new HashMap<>();
  private final Map<Integer, Integer> threadGroup = new HashMap<>();
  private final Map<NetKey, Seen> network = new HashMap<>();
  private final List<TraceEvent.Dns> dns = new ArrayList<>();
  private final Map<String, String> nameOfAddress = new HashMap<>();
  private final Map<String, Seen> files = new HashMap<>();
  private final Map<List<String>, Seen> notes = new HashMap<>();
  private final Set<String> reasons = new TreeSet<>();
  private boolean finished;

  private volatile List<String> secretValues = List.of();

  /**
   * Values that must never be written, masked as {@code ***} wherever they appear in a recorded
   * argv: the values of the build's sensitive environment variables, which a script can pass on as
   * plain arguments ({@code deploy "$TOKEN"}) where no redaction rule could recognise them. Values
   * shorter than {@value #MIN_MASKED_LENGTH} characters and absolute paths (sockets, credential
   * files: not secrets themselves) are left alone, so masking does not rewrite unrelated words.
   */
  public BuildRecorder maskingValues(java.util.Collection<String> values) {
    this.secretValues = values.stream()
        .filter(v -> v != null && v.strip().length() >= MIN_MASKED_LENGTH && !v.startsWith("/"))
        .distinct()
        .sorted(Comparator.comparingInt(String::length).reversed().thenComparing(Comparator.naturalOrder()))
        .toList();
    return this;
  }

  /** The shortest environment value {@link #maskingValues} masks. */
  public static final int MIN_MASKED_LENGTH = 6;

  private List<String> masked(List<String> argv) {
    List<String> values = secretValues;
    if (values.isEmpty()) {
      return argv;
    }
    List<String> out = new ArrayList<>(argv.size());
    for (String arg : argv) {
      for (String v : values) {
        if (arg.contains(v)) {
          arg = arg.replace(v, ArgvRedactor.REDACTED);
        }
      }
      out.add(arg);
    }
    return out;
  }

  public BuildRecorder(Settings settings) {
    this.settings = Objects.requireNonNull(settings);
    Path real;
    try {
      real = settings.workdir().toRealPath();
    } catch (java.io.IOException | RuntimeException e) {
      real = settings.workdir();
    }
    this.realWorkdir = real;
  }

  /** Records one event. An {@code Exec} here must carry its own digest. */
  public synchronized void accept(TraceEvent event) {
    checkOpen();
    if (event instanceof TraceEvent.ProcessStarted e) {
      started(e);
    } else if (event instanceof TraceEvent.Exec e) {
      exec(e, null, null);
    } else if (event instanceof TraceEvent.Network e) {
      Proc p = process(e.pid(), e.at());
      String host = e.address() == null ? null : nameOfAddress.get(e.address());
      Seen seen = network.computeIfAbsent(
          new NetKey(e.family(), e.protocol(), e.address(), e.port(), host, e.decision()), k -> new Seen());
      addIfPresent(seen.kinds, e.syscall());
      addIfPresent(seen.results, e.result());
      noteProcess(seen.processes, p);
      seen.count++;
    } else if (event instanceof TraceEvent.Dns e) {
      dns.add(e);
      for (String answer : e.answers() == null ? List.<String>of() : e.answers()) {
        nameOfAddress.put(answer, e.name());
      }
    } else if (event instanceof TraceEvent.FileChanged e) {
      fileChanged(e);
    } else if (event instanceof TraceEvent.ProcessExited e) {
      exited(e);
    } else if (event instanceof TraceEvent.Incomplete e) {
      reasons.add(e.reason());
    } else if (event instanceof TraceEvent.Note e) {
      Proc p = process(e.pid(), e.at());
      Seen seen = notes.computeIfAbsent(List.of(String.valueOf(e.kind()), withoutPids(e.detail())), k -> new Seen());
      noteProcess(seen.processes, p);
      seen.count++;
    }
  }

  /**
   * Records an exec whose digests arrive later. Either future may be null: then the event's own
   * {@code sha256} / {@code script} are used.
   */
  public synchronized void exec(
      TraceEvent.Exec event, CompletableFuture<String> sha256, CompletableFuture<BuildRecord.Script> script) {
    checkOpen();
    Proc p = process(event.pid(), event.at());
    p.execs.add(new ExecEntry(event, sha256, script));
    p.image = event.path();
  }

  /** {@link #exec(TraceEvent.Exec, CompletableFuture, CompletableFuture)} with what {@link ExecutableHasher#onExec} returned. */
  public void exec(TraceEvent.Exec event, ExecutableHasher.ExecHashes hashes) {
    exec(event, hashes.sha256(), hashes.script());
  }

  private void started(TraceEvent.ProcessStarted e) {
    Proc old = live.get(e.pid());
    if (old != null && old.implicit && !old.exitSeen) {
      // its events came before its start: now we know what it is
      if (e.thread() && old.execs.isEmpty()) {
        processes.remove(old);
        live.remove(e.pid());
        threadGroup.put(e.pid(), tgid(e.ppid()));
        Proc group = live.get(tgid(e.ppid()));
        if (group != null && group.image != null) {
          old.awaitingImage.forEach(set -> set.add(group.image));
        }
        return;
      }
      if (!e.thread()) {
        old.implicit = false;
        old.ppid = e.ppid();
        old.parent = live.get(tgid(e.ppid()));
        old.startedAt = e.at().isBefore(old.startedAt) ? e.at() : old.startedAt;
        if (old.image == null && old.parent != null) {
          old.image = old.parent.image;
        }
        if (old.image != null) {
          String image = old.image;
          old.awaitingImage.forEach(set -> set.add(image));
          old.awaitingImage.clear();
        }
        return;
      }
    }
    if (e.thread()) {
      threadGroup.put(e.pid(), tgid(e.ppid()));
      return;
    }
    threadGroup.remove(e.pid()); // a pid reused after a thread ended
    if (old != null && !old.exitSeen && old.execs.isEmpty() && old.ppid == e.ppid()) {
      return; // the same start reported twice
    }
    Proc parent = live.get(tgid(e.ppid()));
    Proc p = new Proc(e.pid(), e.ppid(), parent, e.at());
    processes.add(p);
    live.put(e.pid(), p);
  }

  private void exited(TraceEvent.ProcessExited e) {
    if (threadGroup.remove(e.pid()) != null) {
      return; // a thread, not a process
    }
    Proc p = process(e.pid(), e.at());
    p.endedAt = e.at();
    p.exitCode = e.exitCode();
    p.signal = e.signal();
    p.killedByAgent = e.killedByAgent();
    p.exitSeen = true;
    live.remove(e.pid());
  }

  private void fileChanged(TraceEvent.FileChanged e) {
    Proc p = process(e.pid(), e.at());
    String relative = relativeToWorkdir(e.path());
    if (relative != null) {
      Seen seen = files.computeIfAbsent(relative, k -> new Seen());
      addIfPresent(seen.kinds, e.operation());
      if (seen.firstKind == null) {
        seen.firstKind = e.operation();
      }
      seen.lastKind = e.operation();
      noteProcess(seen.processes, p);
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

  private int tgid(int pid) {
    return threadGroup.getOrDefault(pid, pid);
  }

  /** The live process a pid or tid belongs to; one is made up if its start was not reported. */
  private Proc process(int pid, Instant at) {
    int id = tgid(pid);
    Proc p = live.get(id);
    if (p == null) {
      p = new Proc(id, 0, null, at);
      p.implicit = true;
      processes.add(p);
      live.put(id, p);
    }
    return p;
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
    long deadline = System.nanoTime() + hashWait.toNanos();
    Set<String> why = new TreeSet<>(reasons);

    Map<Proc, List<BuildRecord.Exec>> execsOf = new LinkedHashMap<>();
    Map<List<String>, Integer> toolCounts = new HashMap<>();
    for (Proc p : processes) {
      List<BuildRecord.Exec> execs = new ArrayList<>();
      for (ExecEntry x : p.execs) {
        TraceEvent.Exec e = x.event();
        String sha = x.sha256() == null ? null : await(x.sha256(), deadline, "executable", e.path(), why);
        if (x.sha256() == null && sha == null) {
          why.add("executable not hashed: " + e.path() + " (no digest reported)");
        }
        BuildRecord.Script script = x.script() == null ? null : await(x.script(), deadline, "interpreter script", e.path(), why);
        List<String> argv = e.argv() == null ? List.of() : TempNames.mask(masked(ArgvRedactor.redact(e.argv())));
        execs.add(new BuildRecord.Exec(e.path(), sha, argv, e.cwd(), time(e.at()), script));
        toolCounts.merge(java.util.Arrays.asList(e.path(), sha), 1, Integer::sum);
      }
      execsOf.put(p, execs);
    }
    long unseen = processes.stream().filter(p -> !p.exitSeen).count();
    if (unseen > 0) {
      why.add("exit not seen for " + unseen + (unseen == 1 ? " process" : " processes"));
    }

    List<BuildRecord.Tool> tools = new ArrayList<>();
    toolCounts.forEach((k, n) -> tools.add(new BuildRecord.Tool(k.get(0), k.get(1), n)));
    tools.sort(Comparator.comparing(BuildRecord.Tool::path, NULLS).thenComparing(BuildRecord.Tool::sha256, NULLS));

    List<BuildRecord.ProcessInfo> procs = processInfos(execsOf);

    BuildRecord.Invocation invocation =
        new BuildRecord.Invocation(
            TempNames.mask(masked(ArgvRedactor.redact(settings.argv()))),
            settings.workdir().toString(),
            time(outcome.startedAt()),
            time(outcome.finishedAt()),
            outcome.exitCode(),
            outcome.signal());
    GitTrackedFiles tracked = settings.tracked();
    return new BuildRecord(
        BuildRecord.FORMAT,
        settings.agent(),
        invocation,
        new BuildRecord.Completeness(why.isEmpty(), List.copyOf(why)),
        tools,
        procs,
        destinations(),
        dnsQueries(),
        fileWrites(tracked),
        new BuildRecord.Sources(tracked.available(), tracked.paths().size(),
            (int) files.entrySet().stream().filter(f -> transientFile(f.getValue()) && !tracked.tracks(f.getKey())).count()),
        noteList(),
        null);
  }

  private static <T> T await(CompletableFuture<T> f, long deadline, String what, String path, Set<String> why) {
    try {
      long left = Math.max(0, deadline - System.nanoTime());
      return f.get(left, TimeUnit.NANOSECONDS);
    } catch (TimeoutException e) {
      why.add(what + " not hashed in time: " + path);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      String problem = cause instanceof HashException h ? h.problem() : String.valueOf(cause);
      why.add(what + " not hashed: " + path + " (" + problem + ")");
    } catch (CancellationException e) {
      why.add(what + " not hashed: " + path + " (cancelled)");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      why.add(what + " not hashed: " + path + " (interrupted)");
    }
    return null;
  }

  private List<BuildRecord.ProcessInfo> processInfos(Map<Proc, List<BuildRecord.Exec>> execsOf) {
    Map<Proc, List<String>> keys = new HashMap<>();
    for (Proc p : execsOf.keySet()) {
      keys.put(p, treeKey(p, execsOf));
    }
    List<Proc> order = new ArrayList<>(execsOf.keySet());
    order.sort(
        Comparator.<Proc, List<String>>comparing(keys::get, BuildRecorder::compareLists)
            .thenComparing(p -> p.startedAt)
            .thenComparingInt(p -> p.pid));
    List<BuildRecord.ProcessInfo> out = new ArrayList<>();
    for (Proc p : order) {
      out.add(new BuildRecord.ProcessInfo(
          p.pid, p.ppid, time(p.startedAt), time(p.endedAt), p.exitCode, p.signal, p.killedByAgent,
          execsOf.get(p)));
    }
    return out;
  }

  /**
   * A sort key that puts each process after its parent and orders siblings by what they ran, so
   * that the same build lists its processes in the same order whatever the pids and scheduling.
   */
  private static List<String> treeKey(Proc p, Map<Proc, List<BuildRecord.Exec>> execsOf) {
    List<String> key = new ArrayList<>();
    for (Proc q = p; q != null; q = q.parent) {
      key.add(0, signature(q, execsOf.getOrDefault(q, List.of())));
    }
    return key;
  }

  private static String signature(Proc p, List<BuildRecord.Exec> execs) {
    StringBuilder sb = new StringBuilder();
    for (BuildRecord.Exec e : execs) {
      sb.append(e.path()).append('\0').append(String.join("\0", e.argv())).append('\0').append(e.cwd()).append('\1');
    }
    sb.append('\2').append(p.exitCode).append('/').append(p.signal);
    return sb.toString();
  }

  private static int compareLists(List<String> a, List<String> b) {
    for (int i = 0; i < Math.min(a.size(), b.size()); i++) {
      int c = a.get(i).compareTo(b.get(i));
      if (c != 0) {
        return c;
      }
    }
    return Integer.compare(a.size(), b.size());
  }

  private List<BuildRecord.Destination> destinations() {
    List<BuildRecord.Destination> out = new ArrayList<>();
    network.forEach((k, a) -> out.add(new BuildRecord.Destination(
        k.family(), k.protocol(), k.address(), k.port(), k.hostname(), k.decision(),
        List.copyOf(a.kinds), List.copyOf(a.results), List.copyOf(a.processes), a.count)));
    out.sort(Comparator.comparing(BuildRecord.Destination::family, NULLS)
        .thenComparing(BuildRecord.Destination::protocol, NULLS)
        .thenComparing(BuildRecord.Destination::address, NULLS)
        .thenComparing(BuildRecord.Destination::port, Comparator.nullsFirst(Comparator.<Integer>naturalOrder()))
        .thenComparing(BuildRecord.Destination::hostname, NULLS)
        .thenComparing(BuildRecord.Destination::decision, NULLS));
    return out;
  }

  private List<BuildRecord.DnsQuery> dnsQueries() {
    record Key(String name, String type, String decision) {}
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
        .thenComparing(BuildRecord.DnsQuery::decision, NULLS));
    return out;
  }

  private List<BuildRecord.FileWrite> fileWrites(GitTrackedFiles tracked) {
    List<BuildRecord.FileWrite> out = new ArrayList<>();
    for (String path : new TreeSet<>(files.keySet())) {
      Seen a = files.get(path);
      if (transientFile(a) && !tracked.tracks(path)) {
        continue;
      }
      out.add(new BuildRecord.FileWrite(
          path, List.copyOf(a.kinds), tracked.tracks(path), List.copyOf(a.processes), a.count));
    }
    return out;
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

  private static void noteProcess(Set<String> processes, Proc p) {
    if (p.image != null) {
      processes.add(p.image);
    } else if (p.implicit) {
      p.awaitingImage.add(processes);
    }
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
