package dev.plumbline.record;

import dev.plumbline.trace.TraceEvent;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * The build's live process tree as the events tell it: processes by pid (threads folded into their
 * thread group), parents, images, execs and exits, tolerant of events that arrive before the
 * start of their task. A process that can get no more events (it exited, or its pid was started
 * anew) is handed to the {@link Ended} sink and forgotten here: the table holds the live processes
 * only. Not thread-safe: {@link BuildRecorder} calls it under its own lock.
 */
final class ProcessTable {
  /** Where a process goes once no event can change it any more. */
  interface Ended {
    /**
     * {@code p} and its execs are final; {@code listed} false: it turned out to be a thread, not
     * listed, though processes started under it still name it their parent.
     */
    void ended(Proc p, boolean listed);
  }

  static final class Proc {
    /** Its place in the order processes were first seen (from 0): the record's last tie-break. */
    final int id;
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

    Proc(int id, int pid, int ppid, Proc parent, Instant startedAt) {
      this.id = id;
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
   * One exec, kept while its process lives ({@link EndedProcesses} takes it from there): the
   * exec's path, argv and cwd as the tracer read them, when ({@link #nanos}), its digests, and
   * {@code seq}: its place among the recorder's events (what was written before it).
   */
  record ExecEntry(String path, List<String> argv, String cwd, long at, CompletableFuture<String> sha256,
      CompletableFuture<BuildRecord.Script> script, long seq) {}

  /** No time (a process that has not ended). */
  static final long NONE = Long.MIN_VALUE;

  private final Map<Integer, Proc> live = new HashMap<>();
  private final Map<Integer, Integer> threadGroup = new HashMap<>();
  private final Ended ended;
  private int ids;

  ProcessTable(Ended ended) {
    this.ended = ended;
  }

  /** How many processes were made so far: every {@link Proc#id} is below it. */
  int size() {
    return ids;
  }

  /** Hands every live process to the sink, in the order first seen: the trace is over. */
  void endAll() {
    List<Proc> rest = new ArrayList<>(live.values());
    rest.sort(Comparator.comparingInt(p -> p.id));
    live.clear();
    threadGroup.clear();
    rest.forEach(p -> ended.ended(p, true));
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
        live.remove(e.pid());
        threadGroup.put(e.pid(), tgid(e.ppid()));
        Proc group = live.get(tgid(e.ppid()));
        if (group != null && group.image != null) {
          old.awaitingAnImage().forEach(set -> set.add(group.image));
        }
        ended.ended(old, false);
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
    Proc p = new Proc(ids++, e.pid(), e.ppid(), parent, e.at());
    Proc replaced = live.put(e.pid(), p);
    if (replaced != null) {
      ended.ended(replaced, true); // its pid was started anew without its exit being seen
    }
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
    ended.ended(p, true);
  }

  private int tgid(int pid) {
    return threadGroup.getOrDefault(pid, pid);
  }

  /** The live process a pid or tid belongs to; one is made up if its start was not reported. */
  Proc process(int pid, Instant at) {
    int id = tgid(pid);
    Proc p = live.get(id);
    if (p == null) {
      p = new Proc(ids++, id, 0, null, at);
      p.implicit = true;
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

  /** An instant as epoch nanoseconds (exact from 1677 to 2262), {@link #NONE} for null. */
  static long nanos(Instant t) {
    return t == null ? NONE : Math.addExact(Math.multiplyExact(t.getEpochSecond(), 1_000_000_000L), t.getNano());
  }

  /** The record's text of a time kept by {@link #nanos}: what {@link Instant#toString} gives. */
  static String time(long nanos) {
    return nanos == NONE ? null : Instant.ofEpochSecond(Math.floorDiv(nanos, 1_000_000_000L), Math.floorMod(nanos, 1_000_000_000L)).toString();
  }
}
