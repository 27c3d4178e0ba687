package dev.plumbline.record;

import dev.plumbline.linux.Linux;
import dev.plumbline.redact.Redaction;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * The build's processes, taken from the {@link ProcessTable} as each one ends and spooled then,
 * so that what the record needs of a process is not held in memory until the build is over: the
 * heap keeps nothing per process, only a few shared tables (distinct signatures, digests, tools,
 * the tree of distinct signature chains). Each process's facts for the record's order (its parent,
 * its sort signature's id, start time, pid) are spooled before its entry.
 *
 * <p>What is spooled is the process's record entry, redacted as {@link RecordRedaction} redacts
 * it ({@link Entry}), without what may not be known yet: the digests (which are never redacted)
 * and the interpreter script (redacted on its own when the record is made; the walk looks at
 * field names only, so a part redacted alone comes out as it would in the whole). The redaction
 * rules are fixed before the first process ends ({@link BuildRecorder#redacting}), so a process
 * redacted when it ends is redacted as it would be at the end. Nothing unredacted reaches the
 * spool; the digests, scripts and failure reasons stay here in memory, one copy per distinct
 * outcome, and the spool holds their ids. The spool is a {@link Scratch}: an unnamed file only
 * while the agent is undumpable, else in memory.
 *
 * <p>A process whose digests are still being computed when it ends waits here until they are
 * done (looked at again with each batch) or the record is made. {@link #inOrder} lists the
 * processes in the record's order (see there) and fills in what was left out; the order is made
 * in the same scratch, after the spool (the facts by id, each process's node, an {@link
 * ExternalSort} of the listed ones), so it too costs the heap nothing per process.
 *
 * <p>Not thread-safe: {@link BuildRecorder} calls it from one task at a time, on its spooling
 * thread while the build runs and from {@code finish} after the last task.
 */
final class EndedProcesses {
  /** No digest future at all (an executable), or no script. */
  static final int ABSENT = -1;
  /** A process that turned out to be a thread: in the tree, not in the record. */
  private static final int UNLISTED = -1;

  /**
   * One spooled process: its record entry, redacted, with no digest and no script in its execs;
   * per exec, the id of its executable's and script's outcome ({@link Interned}) and its place
   * among the recorder's events (for what the build wrote before it ran).
   */
  record Entry(BuildRecord.ProcessInfo process, int[] sha256, int[] script, long[] seq) {}

  /** What the build wrote (the recorder's files), as the record's entries need it; any thread. */
  interface Writes {
    /** The workspace path of a file the build wrote before the exec numbered {@code seq} ran it, or null. */
    String writtenBefore(String path, long seq);
  }

  private final Redaction rules;
  private final Writes writes;
  private final Path spoolDir;
  private final boolean undumpableOnly;
  private final int sortRun; // processes per run of the order's external sort

  /**
   * Opened with the first process (the tracer has made the agent undumpable by then). Per process,
   * in the order they end: its id, parent id + 1 (0: none), signature id, pid, start time, and
   * the length of its {@link Entry}'s JSON ({@link #UNLISTED}: none), then that JSON.
   */
  private Scratch spool;
  private Scratch.Out spooled;
  private int known; // ids below it were spooled

  private final Interned<String> signatures = new Interned<>();
  private final Interned<DigestOutcome.Outcome<String>> digests = new Interned<>();
  private final Interned<DigestOutcome.Outcome<BuildRecord.Script>> scripts = new Interned<>();
  private final Map<ToolKey, ToolUse> tools = new HashMap<>();
  private final Set<ToolKey> scriptProblems = new HashSet<>(); // (executable, script outcome) that failed
  private final List<ProcessTable.Proc> waiting = new ArrayList<>();
  private final Map<List<String>, List<String>> masked = new HashMap<>(); // argv as recorded, for the last distinct ones
  private int unseen;

  /** An executable path and the id of an outcome (its digest's, or its script's). */
  private record ToolKey(String path, int outcome) {
    // equals and hashCode written out, with the values the record's own would give (so the maps
    // iterate in the same order): the JDK makes those at their first call by spinning method
    // handles (java.lang.runtime.ObjectMethods, ~20 ms of CPU the first time in a run), which for
    // a short build came after its end, on the way to the record (docs/benchmarks.md)
    @Override
    public boolean equals(Object o) {
      return o instanceof ToolKey other && outcome == other.outcome && Objects.equals(path, other.path);
    }

    @Override
    public int hashCode() {
      return 31 * Objects.hashCode(path) + Integer.hashCode(outcome);
    }
  }

  private static final class ToolUse {
    int count;
    String output; // the workspace path it was written to before each exec, "" once one exec of it was not

    void add(String writtenBefore) {
      count++;
      String o = writtenBefore == null ? "" : writtenBefore;
      output = output == null || output.equals(o) ? o : "";
    }
  }

  EndedProcesses(Redaction rules, Writes writes, Path spoolDir, boolean undumpableOnly, int sortRun) {
    this.sortRun = sortRun;
    this.rules = rules;
    this.writes = writes;
    this.spoolDir = spoolDir;
    this.undumpableOnly = undumpableOnly;
  }

  /** A process no event can change any more (see {@link ProcessTable.Ended}). */
  void add(ProcessTable.Proc p, boolean listed) {
    if (listed && !digestsDone(p)) {
      waiting.add(p);
      return;
    }
    write(p, listed, System.nanoTime());
  }

  /** Spools the waiting processes whose digests arrived since. */
  void retryWaiting() {
    for (Iterator<ProcessTable.Proc> i = waiting.iterator(); i.hasNext(); ) {
      ProcessTable.Proc p = i.next();
      if (digestsDone(p)) {
        i.remove();
        write(p, true, System.nanoTime());
      }
    }
  }

  /** After the last {@link #add}: the processes still waiting get their digests, waited for until {@code deadline} (nanoTime). */
  void endWaiting(long deadline) {
    List<ProcessTable.Proc> rest = new ArrayList<>(waiting);
    waiting.clear();
    rest.sort(Comparator.comparingInt(p -> p.id));
    for (ProcessTable.Proc p : rest) {
      write(p, true, deadline);
    }
  }

  private static boolean digestsDone(ProcessTable.Proc p) {
    for (ProcessTable.ExecEntry x : p.execs) {
      if ((x.sha256() != null && !x.sha256().isDone()) || (x.script() != null && !x.script().isDone())) {
        return false;
      }
    }
    return true;
  }

  private void write(ProcessTable.Proc p, boolean listed, long deadline) {
    if (!listed) {
      // ran nothing: it was a thread
      remember(p, signatures.id(endSignature(new StringBuilder(), p)), null);
      return;
    }
    if (!p.exitSeen) {
      unseen++;
    }
    int n = p.execs.size();
    int[] sha = new int[n];
    int[] script = new int[n];
    long[] seq = new long[n];
    List<BuildRecord.Exec> execs = new ArrayList<>(n);
    StringBuilder sig = new StringBuilder();
    for (int i = 0; i < n; i++) {
      ProcessTable.ExecEntry x = p.execs.get(i);
      List<String> argv = masked(x.argv());
      appendSignature(sig, x.path(), argv, x.cwd());
      sha[i] = x.sha256() == null ? ABSENT : digests.id(DigestOutcome.of(x.sha256(), deadline));
      script[i] = x.script() == null ? ABSENT : scripts.id(DigestOutcome.of(x.script(), deadline));
      if (script[i] != ABSENT && scripts.get(script[i]).failed()) {
        scriptProblems.add(new ToolKey(x.path(), script[i]));
      }
      seq[i] = x.seq();
      tools.computeIfAbsent(new ToolKey(x.path(), sha[i]), k -> new ToolUse()).add(writes.writtenBefore(x.path(), x.seq()));
      execs.add(new BuildRecord.Exec(x.path(), null, argv, x.cwd(), ProcessTable.time(x.at()), null));
    }
    int signature = signatures.id(endSignature(sig, p));
    BuildRecord.ProcessInfo entry = RecordRedaction.process(new BuildRecord.ProcessInfo(p.pid, p.ppid,
        ProcessTable.time(p.startedAt), ProcessTable.time(p.endedAt), p.exitCode, p.signal, p.killedByAgent, execs), rules);
    remember(p, signature, ProcessSpool.bytes(new Entry(entry, sha, script, seq)));
    p.execs.clear(); // a child still naming it its parent keeps the object, not its execs
    p.awaitingImage = null;
  }

  /** The argv as the record has it; the last few thousand distinct ones are remembered (a loop runs the same one). */
  private List<String> masked(List<String> argv) {
    if (argv == null) {
      return List.of();
    }
    List<String> known = masked.get(argv);
    if (known == null) {
      known = TempNames.mask(rules.argv(argv));
      if (masked.size() >= 4096) {
        masked.clear();
      }
      masked.put(argv, known);
    }
    return known;
  }

  /** Adds one exec to a signature: its path, argv (as recorded) and cwd. */
  private static void appendSignature(StringBuilder sb, String path, List<String> argv, String cwd) {
    sb.append(path).append('\0').append(String.join("\0", argv)).append('\0').append(cwd).append('\1');
  }

  /** The signature of a process whose execs were appended to {@code sb}: they and how it ended. */
  private static String endSignature(StringBuilder sb, ProcessTable.Proc p) {
    return sb.append('\2').append(p.exitCode).append('/').append(p.signal).toString();
  }

  /** Spools a process's facts for the record's order, then its entry's JSON (null: not listed). */
  private void remember(ProcessTable.Proc p, int signature, byte[] entry) {
    if (spool == null) {
      spool = Scratch.open(spoolDir, undumpableOnly && Linux.isDumpable());
      spooled = new Scratch.Out(spool, 0, 16 * 1024);
    }
    spooled.writeInt(p.id);
    spooled.writeInt(p.parent == null ? 0 : p.parent.id + 1);
    spooled.writeInt(signature);
    spooled.writeInt(p.pid);
    spooled.writeLong(p.startedAt);
    spooled.writeInt(entry == null ? UNLISTED : entry.length);
    if (entry != null) {
      spooled.write(entry, entry.length);
    }
    spooled.flush(); // on disk as it ends: the buffer is not a second copy of a build's processes
    known = Math.max(known, p.id + 1);
  }

  /** Lets go of the spool, for a record that could not be made ({@link #inOrder} does it itself). */
  void close() {
    if (spool != null) {
      spool.close();
    }
  }

  /** Processes listed whose exit was not seen. */
  int unseen() {
    return unseen;
  }

  /** Why the record is incomplete, as far as the processes' digests go. */
  void addReasons(Set<String> why) {
    tools.keySet().forEach(k -> {
      if (k.outcome() == ABSENT) {
        why.add("executable not hashed: " + k.path() + " (no digest reported)");
      } else {
        DigestOutcome.Outcome<String> o = digests.get(k.outcome());
        if (o.failed()) {
          why.add(o.reason("executable", k.path()));
        }
      }
    });
    scriptProblems.forEach(k -> why.add(scripts.get(k.outcome()).reason("interpreter script", k.path())));
  }

  /** Every (executable path, digest): how many execs ran it and where the build wrote it before ("" not always, or never). */
  void toolUses(ToolUseSink out) {
    tools.forEach((k, use) -> out.accept(k.path(), k.outcome() == ABSENT ? null : digests.get(k.outcome()).value(), use.count, use.output));
  }

  interface ToolUseSink {
    void accept(String path, String sha256, int count, String writtenBefore);
  }

  /**
   * Hands {@code out} the processes in the record's order, each entry complete: each process after
   * its parent, siblings ordered by what they ran (their signatures from the root down, compared
   * in turn, a shorter chain that is a prefix first), then by start time, pid and the order they
   * were first seen; so the same build lists its processes in the same order whatever the pids and
   * scheduling. Equal chains are one node of a tree of signatures, so the order is that tree's,
   * walked depth first with each node's children in signature order. {@code outputOf} gives a
   * script the build wrote its writers. The spool is let go of afterwards, whatever happens.
   *
   * <p>What this needs per process is in the spool's scratch, after the spool: the facts by id
   * ({@link #FACTS} longs each), each process's node, and the listed processes' sort records
   * ({@link #KEY} longs each: node rank, start time, pid and id, where its entry is and its length),
   * sorted there by an {@link ExternalSort}.
   */
  void inOrder(Function<String, BuildRecord.BuildOutput> outputOf, Consumer<BuildRecord.ProcessInfo> out) {
    if (spool == null) {
      return; // no process ended
    }
    try {
      spooled.flush();
      long end = spooled.position();
      int n = known;
      long factsAt = aligned(end);
      long nodesAt = factsAt + aligned(8L * FACTS * n);
      long keysAt = nodesAt + aligned(8L * n);
      ScratchLongs facts = byId(end, factsAt);
      ScratchLongs node = new ScratchLongs(spool, nodesAt); // node + 1 (0: none yet, -1: on the way)
      nodes(n, facts, node);
      int[] rank = ranks();
      Scratch.Out keys = new Scratch.Out(spool, keysAt, 32 * 1024);
      long listed = 0;
      for (int id = 0; id < n; id++) {
        long where = facts.get(FACTS * id + 2);
        int length = (int) where - 1;
        if (length != UNLISTED) {
          keys.writeLong(rank[(int) node.get(id) - 1]);
          keys.writeLong(facts.get(FACTS * id + 1));
          keys.writeLong((where & ~0xffffffffL) | id); // pid, then id
          keys.writeLong(facts.get(FACTS * id + 3));
          keys.writeLong(length);
          listed++;
        }
      }
      keys.flush();
      long sorted = ExternalSort.sort(spool, keysAt, listed, KEY, 3, keysAt + aligned(8L * KEY * listed), sortRun);
      Scratch.In in = new Scratch.In(spool, sorted, 32 * 1024);
      byte[] json = new byte[4096];
      for (long k = 0; k < listed; k++) {
        in.skip(3 * 8);
        long at = in.readLong();
        int length = (int) in.readLong();
        if (length > json.length) {
          json = new byte[Math.max(length, 2 * json.length)];
        }
        spool.read(at, json, length);
        out.accept(complete(ProcessSpool.parse(json, length, Entry.class), outputOf));
      }
    } finally {
      spool.close();
    }
  }

  /** Longs per process in the facts by id: parent id + 1 and signature; start time; pid and entry length + 1; entry offset. */
  private static final long FACTS = 4;
  /** Longs per listed process in the sort. */
  private static final int KEY = 5;

  /** A region's size rounded up to {@link ScratchLongs}' pages, which are written whole. */
  private static long aligned(long bytes) {
    return (bytes + 4095) & ~4095L;
  }

  /** The spool's facts, read through once and placed by id at {@code at}. */
  private ScratchLongs byId(long end, long at) {
    ScratchLongs facts = new ScratchLongs(spool, at);
    Scratch.In in = new Scratch.In(spool, 0, 64 * 1024);
    while (in.position() < end) {
      long id = in.readInt();
      long parent = in.readInt();
      int signature = in.readInt();
      long pid = in.readInt();
      long startedAt = in.readLong();
      int length = in.readInt();
      facts.set(FACTS * id, (parent << 32) | (signature & 0xffffffffL));
      facts.set(FACTS * id + 1, startedAt);
      facts.set(FACTS * id + 2, (pid << 32) | ((length + 1) & 0xffffffffL));
      facts.set(FACTS * id + 3, in.position());
      if (length != UNLISTED) {
        in.skip(length);
      }
    }
    return facts;
  }

  /** A spooled entry with its digests and script, the script redacted as the rest of the entry was. */
  private BuildRecord.ProcessInfo complete(Entry e, Function<String, BuildRecord.BuildOutput> outputOf) {
    List<BuildRecord.Exec> execs = new ArrayList<>(e.process().execs().size());
    for (int i = 0; i < e.process().execs().size(); i++) {
      BuildRecord.Exec x = e.process().execs().get(i);
      String sha = e.sha256()[i] == ABSENT ? null : digests.get(e.sha256()[i]).value();
      BuildRecord.Script script = e.script()[i] == ABSENT ? null : scripts.get(e.script()[i]).value();
      if (script != null) {
        script = RecordRedaction.script(
            script.withBuildOutput(outputOf.apply(writes.writtenBefore(script.path(), e.seq()[i]))), rules);
      }
      execs.add(new BuildRecord.Exec(x.path(), sha, x.argv(), x.cwd(), x.at(), script));
    }
    BuildRecord.ProcessInfo p = e.process();
    return new BuildRecord.ProcessInfo(p.pid(), p.ppid(), p.startedAt(), p.endedAt(), p.exitCode(), p.signal(),
        p.outlivedBuild(), execs);
  }

  // the tree of signature chains: node = (parent node, signature), one per distinct chain
  private final List<int[]> treeNodes = new ArrayList<>(); // {parent node or -1, signature id}

  /**
   * Each process's node in the tree of signature chains, kept as node + 1 in {@code node} (a cycle
   * of parents, which pids reused could make, is cut).
   */
  private void nodes(int n, ScratchLongs facts, ScratchLongs node) {
    Map<Long, Integer> ids = new HashMap<>();
    int[] path = new int[16];
    for (int id = 0; id < n; id++) {
      int depth = 0;
      // up to the first ancestor with a node (or the root), then down again
      for (int q = id; q >= 0 && q < n && node.get(q) == 0; q = parent(facts, q)) {
        if (depth == path.length) {
          path = Arrays.copyOf(path, depth * 2);
        }
        node.set(q, -1); // on the way: met again, it is a cycle
        path[depth++] = q;
      }
      for (int i = depth - 1; i >= 0; i--) {
        int q = path[i];
        int p = parent(facts, q);
        long up = p >= 0 && p < n && node.get(p) > 0 ? node.get(p) - 1 : -1;
        int signature = (int) facts.get(FACTS * q);
        long key = (up << 32) | (signature & 0xffffffffL);
        Integer known = ids.get(key);
        if (known == null) {
          treeNodes.add(new int[] {(int) up, signature});
          known = treeNodes.size() - 1;
          ids.put(key, known);
        }
        node.set(q, known + 1);
      }
    }
  }

  private static int parent(ScratchLongs facts, int id) {
    return (int) (facts.get(FACTS * id) >>> 32) - 1;
  }

  /** Each tree node's place in a depth-first walk, children in signature order. */
  private int[] ranks() {
    int m = treeNodes.size();
    Integer[] bySignature = new Integer[signatures.size()];
    Arrays.setAll(bySignature, i -> i);
    Arrays.sort(bySignature, (a, b) -> signatures.get(a).compareTo(signatures.get(b)));
    int[] sigRank = new int[signatures.size()];
    for (int i = 0; i < bySignature.length; i++) {
      sigRank[bySignature[i]] = i;
    }
    int[] sorted = new int[m];
    Arrays.setAll(sorted, i -> i);
    ExternalSort.sort(sorted, (a, b) -> Integer.compare(sigRank[treeNodes.get(a)[1]], sigRank[treeNodes.get(b)[1]]));
    // children of each node (roots under m), in signature order
    int[] first = new int[m + 1];
    int[] next = new int[m];
    Arrays.fill(first, -1);
    for (int i = m - 1; i >= 0; i--) {
      int child = sorted[i];
      int up = treeNodes.get(child)[0];
      int at = up < 0 ? m : up;
      next[child] = first[at];
      first[at] = child;
    }
    int[] rank = new int[m];
    int[] stack = new int[m + 1];
    int top = 0;
    int r = 0;
    for (int c = first[m]; c >= 0; c = next[c]) {
      stack[top++] = c;
    }
    reverse(stack, 0, top);
    while (top > 0) {
      int v = stack[--top];
      rank[v] = r++;
      int from = top;
      for (int c = first[v]; c >= 0; c = next[c]) {
        stack[top++] = c;
      }
      reverse(stack, from, top); // the first child on top
    }
    return rank;
  }

  private static void reverse(int[] a, int from, int to) {
    for (int i = from, j = to - 1; i < j; i++, j--) {
      int t = a[i];
      a[i] = a[j];
      a[j] = t;
    }
  }

  /** Each distinct value once, numbered in the order first seen: a process or an exec holds an int. */
  static final class Interned<E> {
    private final Map<E, Integer> ids = new HashMap<>();
    private final List<E> all = new ArrayList<>();

    int id(E e) {
      Integer known = ids.get(e);
      if (known != null) {
        return known;
      }
      all.add(e);
      ids.put(e, all.size() - 1);
      return all.size() - 1;
    }

    E get(int id) {
      return all.get(id);
    }

    int size() {
      return all.size();
    }
  }
}
