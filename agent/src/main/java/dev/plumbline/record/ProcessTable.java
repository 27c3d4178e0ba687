package dev.plumbline.record;

import dev.plumbline.trace.TraceEvent;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * The build's process tree as the events tell it: processes by pid (threads folded into their
 * thread group), parents, images, execs and exits, tolerant of events that arrive before the
 * start of their task. Not thread-safe: {@link BuildRecorder} calls it under its own lock.
 */
final class ProcessTable {
  static final class Proc {
    final int pid;
    int ppid;
    Proc parent;
    /** Epoch nanoseconds ({@link #nanos}): an Instant is 24 bytes more per time, per process. */
    long startedAt;
    /** Made up for an event whose task had not been reported yet (events can arrive out of order). */
    boolean implicit;
    /** Process sets of destinations/files it used while its image was unknown; filled in once known (null: none). */
    List<Set<String>> awaitingImage;
    final List<ExecEntry> execs = new ArrayList<>(1); // most processes exec once, if at all
    String image; // path of the program image it runs now (inherited over fork)
    long endedAt = NONE;
    Integer exitCode;
    Integer signal;
    boolean killedByAgent;
    boolean exitSeen;
    /** What it ran and how it ended ({@link #endSignature}), set when the record is made: its place among its siblings. */
    String signature;

    Proc(int pid, int ppid, Proc parent, Instant startedAt) {
      this.pid = pid;
      this.ppid = ppid;
      this.parent = parent;
      this.startedAt = nanos(startedAt);
      this.image = parent == null ? null : parent.image;
    }

    List<Set<String>> awaitingAnImage() {
      return awaitingImage == null ? List.of() : awaitingImage;
    }
  }

  /**
   * One exec, kept until the record is made: the exec's path, argv and cwd (shared with equal
   * ones), when ({@link #nanos}), its digests, and {@code seq}: its place among the recorder's
   * events (what was written before it). Flat, since 100,000 of them may be held.
   */
  record ExecEntry(String path, List<String> argv, String cwd, long at, CompletableFuture<String> sha256,
      CompletableFuture<BuildRecord.Script> script, long seq) {}

  /** No time (a process that has not ended). */
  static final long NONE = Long.MIN_VALUE;

  private final List<Proc> processes = new ArrayList<>();
  private final Map<Integer, Proc> live = new HashMap<>();
  private final Map<Integer, Integer> threadGroup = new HashMap<>();

  /** Every process seen, in the order first seen. */
  List<Proc> all() {
    return processes;
  }

  void exec(int pid, Instant at, String path, List<String> argv, String cwd, CompletableFuture<String> sha256,
      CompletableFuture<BuildRecord.Script> script, long seq) {
    Proc p = process(pid, at);
    p.execs.add(new ExecEntry(path, argv, cwd, nanos(at), sha256, script, seq));
    p.image = path;
  }

  void started(TraceEvent.ProcessStarted e) {
    Proc old = live.get(e.pid());
    if (old != null && old.implicit && !old.exitSeen) {
      // its events came before its start: now we know what it is
      if (e.thread() && old.execs.isEmpty()) {
        processes.remove(old);
        live.remove(e.pid());
        threadGroup.put(e.pid(), tgid(e.ppid()));
        Proc group = live.get(tgid(e.ppid()));
        if (group != null && group.image != null) {
          old.awaitingAnImage().forEach(set -> set.add(group.image));
        }
        return;
      }
      if (!e.thread()) {
        old.implicit = false;
        old.ppid = e.ppid();
        old.parent = live.get(tgid(e.ppid()));
        old.startedAt = Math.min(nanos(e.at()), old.startedAt);
        if (old.image == null && old.parent != null) {
          old.image = old.parent.image;
        }
        if (old.image != null) {
          String image = old.image;
          old.awaitingAnImage().forEach(set -> set.add(image));
          old.awaitingImage = null;
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

  void exited(TraceEvent.ProcessExited e) {
    if (threadGroup.remove(e.pid()) != null) {
      return; // a thread, not a process
    }
    Proc p = process(e.pid(), e.at());
    p.endedAt = nanos(e.at());
    p.exitCode = e.exitCode();
    p.signal = e.signal();
    p.killedByAgent = e.killedByAgent();
    p.exitSeen = true;
    live.remove(e.pid());
  }

  private int tgid(int pid) {
    return threadGroup.getOrDefault(pid, pid);
  }

  /** The live process a pid or tid belongs to; one is made up if its start was not reported. */
  Proc process(int pid, Instant at) {
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

  static void noteProcess(Set<String> processes, Proc p) {
    if (p.image != null) {
      processes.add(p.image);
    } else if (p.implicit) {
      if (p.awaitingImage == null) {
        p.awaitingImage = new ArrayList<>(1);
      }
      p.awaitingImage.add(processes);
    }
  }

  /**
   * Hands {@code out} the processes of {@code table} in the record's order, each with its execs
   * as {@code execsOf} makes them (every process's {@link Proc#signature} set), and lets go of
   * each process's execs once it is handed on: one process's entry exists at a time.
   */
  static void processInfos(ProcessTable table, Function<Proc, List<BuildRecord.Exec>> execsOf,
      Consumer<BuildRecord.ProcessInfo> out) {
    List<Proc> order = new ArrayList<>(table.all());
    order.sort(new TreeOrder().thenComparingLong(p -> p.startedAt).thenComparingInt(p -> p.pid));
    for (int i = 0; i < order.size(); i++) {
      Proc p = order.set(i, null);
      out.accept(new BuildRecord.ProcessInfo(
          p.pid, p.ppid, time(p.startedAt), time(p.endedAt), p.exitCode, p.signal, p.killedByAgent, execsOf.apply(p)));
      p.execs.clear();
      p.awaitingImage = null;
    }
  }

  /** Adds one exec to a signature: its path, argv (as recorded) and cwd. */
  static void appendSignature(StringBuilder sb, String path, List<String> argv, String cwd) {
    sb.append(path).append('\0').append(String.join("\0", argv)).append('\0').append(cwd).append('\1');
  }

  /** The signature of a process whose execs were appended to {@code sb}: they and how it ended. */
  static String endSignature(StringBuilder sb, Proc p) {
    return sb.append('\2').append(p.exitCode).append('/').append(p.signal).toString();
  }

  /**
   * Each process after its parent, siblings ordered by what they ran: the signatures from the
   * root down, compared in turn (a shorter chain that is a prefix comes first), so that the same
   * build lists its processes in the same order whatever the pids and scheduling. Walks the
   * parent links at each comparison rather than holding a key per process.
   */
  private static final class TreeOrder implements Comparator<Proc> {
    private final List<String> a = new ArrayList<>();
    private final List<String> b = new ArrayList<>();

    @Override
    public int compare(Proc x, Proc y) {
      chain(x, a);
      chain(y, b);
      for (int i = 0; i < Math.min(a.size(), b.size()); i++) {
        int c = a.get(i).compareTo(b.get(i));
        if (c != 0) {
          return c;
        }
      }
      return Integer.compare(a.size(), b.size());
    }

    private static void chain(Proc p, List<String> out) {
      out.clear();
      for (Proc q = p; q != null; q = q.parent) {
        out.add(q.signature != null ? q.signature : endSignature(new StringBuilder(), q)); // a parent not listed: ran nothing here
      }
      Collections.reverse(out);
    }
  }

  /** An instant as epoch nanoseconds (exact from 1677 to 2262), {@link #NONE} for null. */
  static long nanos(Instant t) {
    return t == null ? NONE : Math.addExact(Math.multiplyExact(t.getEpochSecond(), 1_000_000_000L), t.getNano());
  }

  /** The record's text of a time kept by {@link #nanos}: what {@link Instant#toString} gives. */
  static String time(long nanos) {
    return nanos == NONE ? null : Instant.ofEpochSecond(Math.floorDiv(nanos, 1_000_000_000L), Math.floorMod(nanos, 1_000_000_000L)).toString();
  }
}
