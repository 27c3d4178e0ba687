package dev.plumbline.trace.ptrace;

import static dev.plumbline.linux.Errno.*;
import static dev.plumbline.linux.Ptrace.*;

import dev.plumbline.linux.Linux;
import dev.plumbline.linux.NativeUnavailableException;
import dev.plumbline.linux.TracerCalls;
import dev.plumbline.trace.BuildUser;
import dev.plumbline.trace.TraceEvent;
import dev.plumbline.trace.TraceException;
import dev.plumbline.trace.Tracer;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The ptrace + seccomp tracer. One dedicated thread spawns the build, seizes it, injects the
 * seccomp filter and runs the wait loop until the last tracee is gone; nothing else ever calls
 * ptrace. See docs/tracer.md.
 */
public final class PtraceTracer implements Tracer {
  private static final Logger log = LoggerFactory.getLogger(PtraceTracer.class);

  static final int OPTIONS = PTRACE_O_TRACESYSGOOD | PTRACE_O_TRACEFORK | PTRACE_O_TRACEVFORK
      | PTRACE_O_TRACECLONE | PTRACE_O_TRACEEXEC | PTRACE_O_TRACESECCOMP | PTRACE_O_EXITKILL;

  /**
   * The shell enters the working directory (so PWD is right too), stops itself so it can be seized
   * before it runs anything of the build, then becomes the build.
   */
  static final String STOP_THEN_EXEC = "cd -- \"$1\" || exit 126; shift; kill -STOP $$; exec \"$@\"";

  private volatile Session session;
  /** A signal to forward that arrived before the build was running; delivered once it is. */
  private volatile int earlySignal;
  private ProcFs procFs;

  /**
   * What every run needs before its build can start and that depends on nothing of the run: libc
   * bound through JNA (JNA's classes, its native library, the bindings) and the seccomp filter's
   * program (assembled once and kept). A caller may do this on another thread ahead of the
   * run; a failure is left for the run to meet and report.
   */
  public static void prepare() {
    try {
      Linux.requireLibc();
    } catch (NativeUnavailableException e) {
      return; // said by the run
    }
    SeccompProgram.bytes();
  }

  @Override
  public synchronized Path procRoot() throws TraceException {
    if (procFs == null) {
      try {
        Linux.requireLibc();
      } catch (NativeUnavailableException e) {
        throw new TraceException(TraceException.Kind.FAILED, "tracing is not possible here: " + e.getMessage(), e);
      }
      // the build runs as our user: keep it out of the agent's memory (signing keys, tokens)
      int errno = Linux.makeUndumpable();
      if (errno != 0) {
        log.warn("cannot make the agent undumpable: {}", dev.plumbline.linux.Errno.name(errno));
      }
      procFs = ProcFs.locate();
    }
    return procFs.root();
  }

  @Override
  public Result run(Request request) throws TraceException {
    String executable = CommandResolver.resolve(request.argv().get(0), request.cwd(), request.env());
    String proc = procRoot().toString();
    CompletableFuture<Result> result = new CompletableFuture<>();
    Thread thread = new Thread(() -> {
      try {
        Session s = new Session(request, new TracerCalls(), proc, () -> earlySignal);
        session = s;
        result.complete(s.trace(executable));
      } catch (NativeUnavailableException e) {
        result.completeExceptionally(new TraceException(TraceException.Kind.FAILED, e.getMessage(), e));
      } catch (Throwable t) {
        result.completeExceptionally(t);
      }
    }, "plumbline-tracer");
    // the thread must outlive the build: PTRACE_O_EXITKILL and every ptrace request are tied to it
    thread.setDaemon(false);
    thread.start();
    try {
      return result.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new TraceException(TraceException.Kind.FAILED, "interrupted while tracing");
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof TraceException te) {
        throw te;
      }
      throw new TraceException(TraceException.Kind.FAILED, "tracer failed: " + cause, cause);
    } finally {
      closeProcFs();
    }
  }

  private synchronized void closeProcFs() {
    if (procFs != null) {
      procFs.close();
      procFs = null;
    }
  }

  @Override
  public void forwardSignal(int signal) {
    Session s = session;
    if (s == null || !s.forward(signal)) {
      earlySignal = signal;
    }
  }

  /** Everything about one traced build; its methods run on the tracer thread unless noted. */
  static final class Session {
    private final Request request;
    private final TracerCalls calls;
    private final SyscallStops syscalls;
    private final String proc;
    private final Map<Integer, Task> tasks = new HashMap<>();
    /** Tasks whose first stop came before their creator's fork/clone event. */
    private final java.util.Set<Integer> adoptedEarly = new java.util.HashSet<>();
    /**
     * Thread groups that may have more than one thread since their last exec: a clone event came
     * from one of their tasks (threads are only ever made by clone; fork and vfork events never
     * make one), or a thread of theirs stopped first. Only there can an exec come from a thread
     * other than the leader, which PTRACE_GETEVENTMSG must then name.
     */
    private final java.util.Set<Integer> mayHaveThreads = new java.util.HashSet<>();
    /** A task stopped first whose thread group /proc could not tell: ask at every exec. */
    private boolean threadsUnknown;
    /** Live thread-group ids, read by the grace timer and signal forwarding on other threads. */
    private final Map<Integer, Boolean> liveProcesses = new ConcurrentHashMap<>();
    private final Map<Integer, Boolean> killedByAgent = new ConcurrentHashMap<>();
    private final int self = Linux.getpid();
    private volatile int rootPid = -1;
    private volatile boolean rootExited;
    private Integer rootCode;
    private Integer rootSignal;
    private Thread graceTimer;

    private final java.util.function.IntSupplier earlySignal;

    Session(Request request, TracerCalls calls, String proc, java.util.function.IntSupplier earlySignal) {
      this.request = request;
      this.calls = calls;
      this.proc = proc;
      this.earlySignal = earlySignal;
      this.syscalls = new SyscallStops(calls, proc, request, this::emit);
    }

    void emit(TraceEvent event) {
      if (event instanceof TraceEvent.ProcessStarted started) {
        if (started.thread()) {
          threads++;
        } else {
          processes++;
        }
      }
      try {
        request.listener().accept(event);
      } catch (RuntimeException e) {
        // a listener that fails must not stop the tracer (the tree would die with it): the
        // record says events were lost
        lostEvents++;
        log.warn("listener failed on {}: {}", event.getClass().getSimpleName(), e.toString());
      }
    }

    private int lostEvents;
    /** What the run cost in ptrace-stops (docs/benchmarks.md counts stops per process). */
    private long stops;
    private int processes;
    private int threads;

    Result trace(String executable) throws TraceException {
      Instant startedAt = Instant.now();
      int pid = launch(executable);
      rootPid = pid;
      int early = earlySignal.getAsInt();
      if (early != 0) {
        Linux.kill(pid, early); // asked to stop while the build was starting
      }
      loop();
      if (log.isDebugEnabled()) {
        byte[] status = calls.readSmallFile(proc + "/self/status");
        log.debug("{} stops for {} processes and {} threads; agent peak RSS {} kB", stops, processes, threads,
            status == null ? -1 : ProcStatus.peakRssKib(new String(status, java.nio.charset.StandardCharsets.UTF_8)));
      }
      if (lostEvents > 0) {
        emit(new TraceEvent.Incomplete(Instant.now(), pid, lostEvents + " events could not be recorded"));
      }
      Instant finishedAt = Instant.now();
      if (graceTimer != null) {
        graceTimer.interrupt();
      }
      int code = rootSignal != null ? 128 + rootSignal : rootCode != null ? rootCode : 1;
      return new Result(code, rootSignal, startedAt, finishedAt, pid);
    }

    // ---- launch

    private int launch(String executable) throws TraceException {
      List<String> argv = new ArrayList<>();
      argv.add("/bin/sh");
      argv.add("-c");
      argv.add(STOP_THEN_EXEC);
      argv.add("sh");
      Path cwd = request.cwd() != null ? request.cwd() : Path.of("").toAbsolutePath();
      argv.add(cwd.toString());
      argv.add(executable);
      argv.addAll(request.argv().subList(1, request.argv().size()));
      List<String> envp = new ArrayList<>();
      request.env().forEach((k, v) -> envp.add(k + "=" + v));
      // the sockets the build would inherit, judged as connections it made at its start
      List<Integer> inheritedFds = new ArrayList<>(List.of(0, 1, 2));
      inheritedFds.addAll(request.passFds());
      List<InheritedSockets.Judged> inherited = new InheritedSockets(syscalls.network).judge(inheritedFds);
      List<Integer> pass = new ArrayList<>(request.passFds());
      for (InheritedSockets.Judged j : inherited) {
        if (j.refusal() != null && j.fd() <= 2) {
          throw new TraceException(TraceException.Kind.REFUSED, InheritedSockets.name(j.fd()) + " is " + j.describe()
              + ", which block mode refuses (" + j.refusal() + "): the build was not started");
        }
        if (j.refusal() != null) {
          pass.remove(Integer.valueOf(j.fd()));
        }
      }
      int pid = calls.spawn("/bin/sh", argv, envp, pass);
      if (pid < 0) {
        throw new TraceException(TraceException.Kind.FAILED,
            "cannot start /bin/sh for the build: " + Linux.strerror(calls.errno()));
      }
      if (calls.waitpid(pid, WUNTRACED) != pid || !stopped(calls.status())) {
        throw new TraceException(TraceException.Kind.FAILED,
            "the build's shell ended before it could be traced (status " + calls.status() + ")");
      }
      if (calls.seize(pid, OPTIONS) < 0) {
        int errno = calls.errno();
        Linux.kill(pid, SIGKILL);
        calls.waitpid(pid, 0);
        throw new TraceException(TraceException.Kind.NOT_PERMITTED, Permissions.explainSeizeFailure(errno));
      }
      liveProcesses.put(pid, true);
      Task root = new Task(pid, pid);
      tasks.put(pid, root);
      emit(new TraceEvent.ProcessStarted(Instant.now(), pid, self, false));
      for (InheritedSockets.Judged j : inherited) {
        emit(j.event(pid));
        if (j.incomplete() != null) {
          emit(new TraceEvent.Incomplete(Instant.now(), pid, j.incomplete()));
        }
        if (j.refusal() != null) {
          emit(new TraceEvent.Note(Instant.now(), pid, "egress-refused", InheritedSockets.name(j.fd()) + ", "
              + j.describe() + ", was not passed to the build in block mode (" + j.refusal() + ")"));
        }
      }
      // the seize of a stopped task reports a group-stop at once: that is where the filter goes in
      if (calls.waitpid(pid, WALL) != pid || event(calls.status()) != PTRACE_EVENT_STOP) {
        Linux.kill(pid, SIGKILL);
        drain();
        throw new TraceException(TraceException.Kind.FAILED,
            "unexpected first stop of the build's shell (status 0x" + Integer.toHexString(calls.status()) + ")");
      }
      // a root agent running the build as another user installs the filter without NO_NEW_PRIVS, so
      // setuid programs (sudo) work as without plumbline; a build that is root anyway keeps it
      boolean privileged = request.user() != null && Linux.geteuid() == 0;
      FilterInjector injector = new FilterInjector(calls);
      String failure = injector.inject(pid, privileged);
      if (failure == null && request.user() != null) {
        BuildUser user = request.user();
        String switchFailure = privileged ? injector.becomeUser(pid, user.uid(), user.gid(), user.groups())
            : "the agent is not root";
        if (switchFailure != null) {
          Linux.kill(pid, SIGKILL);
          drain();
          throw new TraceException(TraceException.Kind.FAILED,
              "cannot run the build as uid " + user.uid() + ": " + switchFailure);
        }
      }
      syscalls.noNewPrivs(failure != null || injector.noNewPrivs());
      if (failure == null && privileged && injector.noNewPrivs()) {
        emit(new TraceEvent.Note(Instant.now(), pid, "privilege",
            "NO_NEW_PRIVS is set (the agent lacks CAP_SYS_ADMIN): setuid programs of the build cannot gain privileges"));
      }
      if (failure != null) {
        if (failure.startsWith(FilterInjector.NOT_PERMITTED)) {
          Linux.kill(pid, SIGKILL);
          drain();
          throw new TraceException(TraceException.Kind.NOT_PERMITTED, failure.substring(FilterInjector.NOT_PERMITTED.length()));
        }
        emit(new TraceEvent.Incomplete(Instant.now(), pid,
            "the seccomp filter could not be installed (" + failure + "): network and file changes were not traced"));
      }
      calls.cont(pid, 0);
      Linux.kill(pid, SIGCONT);
      return pid;
    }

    /** After a failed start: reap the killed shell so no zombie or stopped tracee stays behind. */
    private void drain() {
      while (calls.waitpid(-1, WALL | WNOTHREAD) > 0) {
        // nothing to record
      }
    }

    // ---- the wait loop

    private void loop() {
      while (true) {
        int tid = calls.waitpid(-1, WALL | WNOTHREAD);
        if (tid < 0) {
          if (calls.errno() == EINTR) {
            continue;
          }
          if (calls.errno() != ECHILD) {
            log.warn("waitpid failed: {}", Linux.strerror(calls.errno()));
          }
          return;
        }
        int status = calls.status();
        if (exited(status) || signaled(status)) {
          taskEnded(tid, status);
          continue;
        }
        if (!stopped(status)) {
          continue;
        }
        stops++;
        Task task = tasks.get(tid);
        try {
          if (task == null) {
            task = adoptUnknown(tid);
          }
          stop(task, status);
        } catch (RuntimeException e) {
          // never leave a tracee stopped because of our own bug; say the trace may have a gap
          log.warn("internal error at a stop of {}: {}", tid, e.toString(), e);
          emit(new TraceEvent.Incomplete(Instant.now(), tid, "internal tracer error: " + e.getClass().getSimpleName()));
          calls.cont(tid, 0);
        }
      }
    }

    /** One ptrace-stop of {@code task}: record what it means, then let the task go on. */
    private void stop(Task task, int status) {
      int tid = task.tid;
      int sig = stopSignal(status);
      int ev = event(status);
      if (sig == (SIGTRAP | 0x80)) {
        syscalls.exitStop(task);
        resume(task, 0);
      } else if (ev == PTRACE_EVENT_STOP) {
        if (sig == SIGSTOP || sig == SIGTSTP || sig == SIGTTIN || sig == SIGTTOU) {
          calls.listen(tid); // a group-stop: stay stopped, but let us hear of SIGCONT
        } else {
          resume(task, 0); // a new task's first stop, or the end of a group-stop
        }
      } else if (sig == SIGTRAP && ev != 0) {
        switch (ev) {
          case PTRACE_EVENT_FORK, PTRACE_EVENT_VFORK, PTRACE_EVENT_CLONE -> newTask(task, ev);
          case PTRACE_EVENT_EXEC -> exec(task);
          case PTRACE_EVENT_SECCOMP -> {
            if (syscalls.seccompStop(task)) {
              calls.syscall(tid, 0); // a network call: its exit stop gives the result
              return;
            }
          }
          default -> { }
        }
        resume(task, 0);
      } else {
        resume(task, sig); // signal-delivery-stop: the signal goes through
      }
    }

    private void resume(Task task, int signal) {
      if (calls.cont(task.tid, signal) < 0 && calls.errno() != ESRCH) {
        log.debug("PTRACE_CONT {} failed: {}", task.tid, Linux.strerror(calls.errno()));
      }
    }

    /** A stop from a task we have not heard of yet: its creator's fork event is still to come. */
    private Task adoptUnknown(int tid) {
      int[] ids = ProcStatus.tgidAndPpid(calls, proc, tid);
      int tgid = ids[0] > 0 ? ids[0] : tid;
      Task task = new Task(tid, tgid);
      tasks.put(tid, task);
      adoptedEarly.add(tid);
      if (ids[0] <= 0) {
        threadsUnknown = true;
      } else if (tgid != tid) {
        mayHaveThreads.add(tgid);
      }
      if (tgid == tid) {
        liveProcesses.put(tid, true);
        emit(new TraceEvent.ProcessStarted(Instant.now(), tid, ids[1], false));
      } else {
        emit(new TraceEvent.ProcessStarted(Instant.now(), tid, tgid, true));
      }
      return task;
    }

    private void newTask(Task parent, int event) {
      if (event == PTRACE_EVENT_CLONE) {
        mayHaveThreads.add(parent.tgid); // before anything can fail: the exec check relies on it
      }
      long msg = calls.eventMessage(parent.tid);
      if (msg <= 0) {
        return;
      }
      int child = (int) msg;
      if (adoptedEarly.remove(child)) {
        return; // its first stop came first and adopted it (it may even be gone already)
      }
      boolean thread = event == PTRACE_EVENT_CLONE && CloneFlags.isThread(calls, proc, parent.tid, child);
      Task task = new Task(child, thread ? parent.tgid : child);
      tasks.put(child, task);
      if (thread) {
        emit(new TraceEvent.ProcessStarted(Instant.now(), child, parent.tgid, true));
      } else {
        liveProcesses.put(child, true);
        emit(new TraceEvent.ProcessStarted(Instant.now(), child, parent.tgid, false));
      }
    }

    private void exec(Task task) {
      // a single-threaded process exec'd from its only thread: the former tid is its own pid
      boolean single = !threadsUnknown && task.tid == task.tgid && !mayHaveThreads.contains(task.tgid);
      long former = single ? task.tid : calls.eventMessage(task.tid);
      mayHaveThreads.remove(task.tid); // the exec ended every other thread of the group
      if (former > 0 && former != task.tid) {
        // a non-leader thread exec'd: it took over the leader's pid, its old tid is gone
        Task old = tasks.remove((int) former);
        if (old != null) {
          syscalls.taskGone(old);
        }
        syscalls.taskGone(task); // the old leader, whose pid the exec'ing thread now has, is gone
      }
      task.tgid = task.tid;
      syscalls.exec(task);
      if (request.user() != null) {
        privilegeCheck(task.tid);
      }
    }

    /**
     * Separate-user mode: after an exec, whether the process now holds more than the build user
     * (a setuid/setgid binary, file capabilities, or root): the record says which and when.
     */
    private void privilegeCheck(int pid) {
      byte[] raw = calls.readSmallFile(proc + "/" + pid + "/status");
      ProcStatus.Credentials creds = raw == null ? null
          : ProcStatus.credentials(new String(raw, java.nio.charset.StandardCharsets.UTF_8));
      if (creds == null) {
        emit(new TraceEvent.Note(Instant.now(), pid, "privilege", "credentials unreadable after an exec"));
        return;
      }
      String gained = creds.gainedOver(request.user().uid(), request.user().gid());
      if (gained != null) {
        String exe = calls.readlink(proc + "/" + pid + "/exe");
        emit(new TraceEvent.Note(Instant.now(), pid, "privilege", (exe == null ? "a process" : exe) + " " + gained));
      }
    }

    private void taskEnded(int tid, int status) {
      Task task = tasks.remove(tid);
      if (task != null) {
        syscalls.taskGone(task);
      }
      boolean leader = task == null || task.tgid == tid;
      if (!leader) {
        return;
      }
      liveProcesses.remove(tid);
      mayHaveThreads.remove(tid);
      Integer code = exited(status) ? exitCode(status) : null;
      Integer signal = signaled(status) ? termSignal(status) : null;
      emit(new TraceEvent.ProcessExited(Instant.now(), tid, code, signal, killedByAgent.containsKey(tid)));
      if (tid == rootPid) {
        rootCode = code;
        rootSignal = signal;
        rootExited = true;
        if (!liveProcesses.isEmpty()) {
          startGraceTimer();
        }
      }
    }

    private void startGraceTimer() {
      long millis = request.grace() == null ? 5000 : request.grace().toMillis();
      graceTimer = new Thread(() -> {
        try {
          TimeUnit.MILLISECONDS.sleep(millis);
        } catch (InterruptedException e) {
          return;
        }
        killRemaining();
      }, "plumbline-grace");
      graceTimer.setDaemon(true);
      graceTimer.start();
    }

    /** Ends what outlived the build. kill(2) needs no ptrace, so any thread may do it. */
    void killRemaining() {
      for (Integer pid : liveProcesses.keySet()) {
        killedByAgent.put(pid, true);
        Linux.kill(pid, SIGKILL);
      }
    }

    /**
     * Any thread: pass a signal sent to plumbline on to the build (or end leftovers after it).
     * False when the build is not running yet.
     */
    boolean forward(int signal) {
      int pid = rootPid;
      if (pid <= 0) {
        return false;
      }
      if (!rootExited) {
        Linux.kill(pid, signal);
      } else {
        killRemaining();
      }
      return true;
    }
  }

  /** One traced thread. */
  static final class Task {
    final int tid;
    int tgid;
    /** A call of this task waiting for its exit stop, or null. */
    PendingExit pendingExit;

    Task(int tid, int tgid) {
      this.tid = tid;
      this.tgid = tgid;
    }
  }

}
