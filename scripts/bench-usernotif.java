// A measuring prototype, not product code: what exec tracing costs with a seccomp user-notification
// listener instead of ptrace (docs/benchmarks.md, "The ptrace floor and the design past it").
//   java -cp agent/target/plumbline.jar scripts/bench-usernotif.java [--seize [--log FILE]] CMD [ARG...]
// One thread installs a filter that turns execve/execveat into SECCOMP_RET_USER_NOTIF (its own
// children inherit it; the thread itself never execs), a second thread receives each notification,
// reads the program's path from the stopped caller's memory and lets the call go on
// (SECCOMP_USER_NOTIF_FLAG_CONTINUE). That is one round trip per exec and none per fork or exit,
// against ptrace's five stops per process (fork event, first stop, exec event, libc's PROT_EXEC mmap,
// SIGCHLD). It records no process tree, no exit status, no argv and
// no network: it measures the floor of the mechanism, and prints "execs=N" on stderr.
//
// --seize: the same, plus a fact read after the exec, from the program that really runs. On each
// notification the listener PTRACE_SEIZEs the caller (PTRACE_O_TRACEEXEC | PTRACE_O_EXITKILL, no
// stop), answers CONTINUE, and at the PTRACE_EVENT_EXEC stop reads /proc/PID/exe and
// /proc/PID/cmdline, then PTRACE_DETACHes: one ptrace stop per exec, none per fork, exit, signal or
// library. A failed exec gives no event: the caller stays seized (its next exec notification is
// answered without a new seize, its exit is reaped) and a signal-delivery stop while seized means the
// exec failed, so the signal is handed back with the detach. An exec from a non-leader thread stops
// under the leader's pid with the old tid in PTRACE_GETEVENTMSG. The process is a child subreaper so
// that orphans stay its descendants (Yama ptrace_scope 1 lets an ancestor attach). A second thread
// waits (waitpid(-1, __WALL)) and hands each stop to the listener through an eventfd, because a
// failed exec would otherwise leave a blocking wait in the listener hanging while the caller's next
// notification waits for it. Prints the counts on stderr; --log FILE writes one line per exec event:
// "exec<TAB>old tid<TAB>pid<TAB>/proc/PID/exe<TAB>argv (NUL → space)", and one per notification:
// "notify<TAB>tid<TAB>path read before the exec".
import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Pointer;
import com.sun.jna.StringArray;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;

class BenchUserNotif {
  static {
    Native.register(BenchUserNotif.class, NativeLibrary.getInstance("c"));
  }

  static native long syscall(long nr, long a1, long a2, long a3, long a4, long a5, long a6);

  static native int prctl(int option, long a2, long a3, long a4, long a5);

  static native int posix_spawnp(int[] pid, String file, Pointer actions, Pointer attr, Pointer argv, Pointer envp);

  static native int waitpid(int pid, int[] status, int options);

  static native long process_vm_readv(int pid, Pointer local, long liovcnt, Pointer remote, long riovcnt, long flags);

  static native long ptrace(long request, int pid, long addr, long data);

  static native int eventfd(int initval, int flags);

  static native long read(int fd, Pointer buf, long count);

  static native long write(int fd, Pointer buf, long count);

  static native int open(String path, int flags);

  static native int close(int fd);

  static native long readlink(String path, Pointer buf, long size);

  static native int poll(Pointer fds, long nfds, int timeout);

  static final long SYS_IOCTL = 16;
  static final long SYS_SECCOMP = 317;
  static final int SECCOMP_SET_MODE_FILTER = 1;
  static final int SECCOMP_FILTER_FLAG_NEW_LISTENER = 1 << 3;
  static final long NOTIF_RECV = 0xc0502100L; // _IOWR('!', 0, struct seccomp_notif): 80 bytes
  static final long NOTIF_SEND = 0xc0182101L; // _IOWR('!', 1, struct seccomp_notif_resp): 24 bytes
  static final long NOTIF_ID_VALID = 0x40082102L; // _IOW('!', 2, __u64)
  static final int AUDIT_ARCH_X86_64 = 0xc000003e;
  static final long PTRACE_DETACH = 17;
  static final long PTRACE_GETEVENTMSG = 0x4201;
  static final long PTRACE_SEIZE = 0x4206;
  static final long PTRACE_O_TRACEEXEC = 0x10;
  static final long PTRACE_O_EXITKILL = 0x100000;
  static final int PTRACE_EVENT_EXEC = 4;
  static final int PTRACE_EVENT_STOP = 128;
  static final int WALL = 0x40000000;
  static final int SIGTRAP = 5;

  public static void main(String[] argv) throws Exception {
    boolean seize = false;
    String log = null;
    int first = 0;
    while (first < argv.length && argv[first].startsWith("--")) {
      if (argv[first].equals("--seize")) {
        seize = true;
        first++;
      } else if (argv[first].equals("--log") && first + 1 < argv.length) {
        log = argv[first + 1];
        first += 2;
      } else if (argv[first].equals("--")) {
        first++;
        break;
      } else {
        throw new IllegalArgumentException("unknown option " + argv[first]);
      }
    }
    String[] args = Arrays.copyOfRange(argv, first, argv.length);
    if (seize) {
      Seize.main(args, log);
      return;
    }
    AtomicLong execs = new AtomicLong();
    Spawner spawner = new Spawner(args);
    Thread answering = new Thread(() -> answer(spawner.listener(), execs), "answer");
    answering.setDaemon(true);
    answering.start();
    int child = spawner.spawn();
    int[] status = new int[1];
    waitpid(child, status, 0);
    System.err.println("execs=" + execs.get());
    System.exit((status[0] >> 8) & 0xff);
  }

  /**
   * The thread that carries the filter: it installs it and hands its listener back, then, at
   * {@link #spawn}, starts the command under it. posix_spawnp returns once the child has exec'd, so
   * whoever answers the listener must run before spawn is called.
   */
  static final class Spawner {
    private final Object lock = new Object();
    private final Thread thread;
    private int listener = -1;
    private boolean go;
    private int child = -1;
    private Exception failure;

    Spawner(String[] args) throws Exception {
      thread = new Thread(() -> run(args), "spawner");
      thread.setDaemon(true);
      synchronized (lock) {
        thread.start();
        while (listener < 0 && failure == null) {
          lock.wait(100);
        }
        if (failure != null) {
          throw failure;
        }
      }
    }

    int listener() {
      return listener;
    }

    /** Lets the thread spawn the command; its pid. */
    int spawn() throws Exception {
      synchronized (lock) {
        go = true;
        lock.notifyAll();
      }
      thread.join();
      if (failure != null) {
        throw failure;
      }
      return child;
    }

    private void run(String[] args) {
      try {
        int fd = installFilter();
        synchronized (lock) {
          listener = fd;
          lock.notifyAll();
          while (!go) {
            lock.wait();
          }
        }
        List<String> env = new ArrayList<>();
        System.getenv().forEach((k, v) -> env.add(k + "=" + v));
        int[] pid = new int[1];
        int rc = posix_spawnp(pid, args[0], null, null, new StringArray(args), new StringArray(env.toArray(new String[0])));
        if (rc != 0) {
          throw new IllegalStateException("posix_spawnp: " + rc);
        }
        child = pid[0];
      } catch (Exception e) {
        synchronized (lock) {
          failure = e;
          lock.notifyAll();
        }
      }
    }
  }

  /** BPF: execve/execveat of x86-64 → notify, everything else → allow. */
  static int installFilter() {
    int[][] prog = {
        {0x20, 0, 0, 4}, // ld arch
        {0x15, 0, 4, AUDIT_ARCH_X86_64}, // jeq x86-64, else allow
        {0x20, 0, 0, 0}, // ld nr
        {0x15, 1, 0, 59}, // execve → notify
        {0x15, 0, 1, 322}, // execveat → notify, else allow
        {0x06, 0, 0, 0x7fc00000}, // SECCOMP_RET_USER_NOTIF
        {0x06, 0, 0, 0x7fff0000}, // SECCOMP_RET_ALLOW
    };
    Memory filter = new Memory(prog.length * 8L);
    for (int i = 0; i < prog.length; i++) {
      filter.setShort(i * 8L, (short) prog[i][0]);
      filter.setByte(i * 8L + 2, (byte) prog[i][1]);
      filter.setByte(i * 8L + 3, (byte) prog[i][2]);
      filter.setInt(i * 8L + 4, prog[i][3]);
    }
    Memory fprog = new Memory(16);
    fprog.setShort(0, (short) prog.length);
    fprog.setPointer(8, filter);
    if (prctl(38 /* PR_SET_NO_NEW_PRIVS */, 1, 0, 0, 0) != 0) {
      throw new IllegalStateException("PR_SET_NO_NEW_PRIVS: errno " + Native.getLastError());
    }
    long fd = syscall(SYS_SECCOMP, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_NEW_LISTENER, Pointer.nativeValue(fprog), 0, 0, 0);
    if (fd < 0) {
      throw new IllegalStateException("seccomp: errno " + Native.getLastError());
    }
    return (int) fd;
  }

  static void answer(int listener, AtomicLong execs) {
    Memory notif = new Memory(80);
    Memory resp = new Memory(24);
    Memory path = new Memory(4096);
    Memory local = new Memory(16);
    Memory remote = new Memory(16);
    local.setPointer(0, path);
    local.setLong(8, 4096);
    while (true) {
      notif.clear();
      if (syscall(SYS_IOCTL, listener, NOTIF_RECV, Pointer.nativeValue(notif), 0, 0, 0) < 0) {
        int errno = Native.getLastError();
        if (errno == 4 /* EINTR */ || errno == 2 /* ENOENT: the caller died */) {
          continue;
        }
        return;
      }
      long id = notif.getLong(0);
      int pid = notif.getInt(8);
      int nr = notif.getInt(16);
      // seccomp_data: nr(4) arch(4) ip(8) args[6] at offset 16+16
      long pathArg = notif.getLong(16 + 16 + (nr == 322 ? 8 : 0));
      remote.setLong(0, pathArg);
      remote.setLong(8, 4096);
      if (process_vm_readv(pid, local, 1, remote, 1, 0) > 0) {
        execs.incrementAndGet(); // the prototype reads the path as the tracer would, and drops it
      }
      resp.setLong(0, id);
      resp.setLong(8, 0);
      resp.setInt(16, 0);
      resp.setInt(20, 1); // SECCOMP_USER_NOTIF_FLAG_CONTINUE
      syscall(SYS_IOCTL, listener, NOTIF_SEND, Pointer.nativeValue(resp), 0, 0, 0);
    }
  }

  /** The --seize mode: a listener that is also the tracer, one ptrace stop per exec. */
  static final class Seize {
    final int listener;
    final int wake = eventfd(0, 0x80000 /* EFD_CLOEXEC */);
    final ConcurrentLinkedQueue<int[]> stops = new ConcurrentLinkedQueue<>();
    final Set<Integer> seized = new HashSet<>(); // the listener thread's only
    final Map<Integer, Integer> exits = new HashMap<>(); // exits reaped before the root's pid was known
    final OutputStream log;
    volatile int root = -1;
    volatile int rootStatus = -1;
    final CountDownLatch rootDone = new CountDownLatch(1);
    // counts, written by the listener thread, read at the end
    long notifications, seizes, seizeFailures, execEvents, nonLeaderExecs, signalStops, groupStops,
        exitsWhileSeized, withdrawn, exeUnread;

    Seize(int listener, OutputStream log) {
      this.listener = listener;
      this.log = log;
    }

    static void main(String[] args, String logFile) throws Exception {
      if (prctl(36 /* PR_SET_CHILD_SUBREAPER */, 1, 0, 0, 0) != 0) {
        throw new IllegalStateException("PR_SET_CHILD_SUBREAPER: errno " + Native.getLastError());
      }
      OutputStream log = logFile == null ? null : new FileOutputStream(logFile);
      Spawner spawner = new Spawner(args);
      Seize s = new Seize(spawner.listener(), log);
      Thread tracer = new Thread(s::listen, "listener-tracer");
      tracer.setDaemon(true);
      tracer.start();
      Thread waiter = new Thread(s::reap, "waiter");
      waiter.setDaemon(true);
      waiter.start();
      s.rooted(spawner.spawn()); // an exit before this is kept until the root is known
      s.rootDone.await();
      // let the listener handle what the waiter handed it last; the counts are the listener's own
      synchronized (s) {
        System.err.printf("execs=%d notifications=%d seizes=%d seize-failures=%d exec-events=%d non-leader-execs=%d"
            + " failed-or-withdrawn=%d signal-stops=%d group-stops=%d exits-while-seized=%d exe-unread=%d%n",
            s.execEvents, s.notifications, s.seizes, s.seizeFailures, s.execEvents, s.nonLeaderExecs,
            s.notifications - s.execEvents, s.signalStops, s.groupStops, s.exitsWhileSeized, s.exeUnread);
        if (log != null) {
          log.close();
        }
      }
      int st = s.rootStatus;
      System.exit((st & 0x7f) == 0 ? (st >> 8) & 0xff : 128 + (st & 0x7f));
    }

    /** The waiter: every stop and exit of a tracee or child, handed to the listener thread. */
    void reap() {
      int[] status = new int[1];
      Memory one = new Memory(8);
      one.setLong(0, 1);
      while (true) {
        int pid = waitpid(-1, status, WALL);
        if (pid < 0) {
          int errno = Native.getLastError();
          if (errno == 10 /* ECHILD */) {
            try {
              Thread.sleep(1); // before the spawn, or between orphans
            } catch (InterruptedException e) {
              return;
            }
          }
          continue;
        }
        stops.add(new int[] {pid, status[0]});
        write(wake, one, 8);
      }
    }

    /** The listener and tracer: notifications and the waiter's stops, on one thread. */
    void listen() {
      Memory notif = new Memory(80);
      Memory resp = new Memory(24);
      Memory path = new Memory(4096);
      Memory local = new Memory(16);
      Memory remote = new Memory(16);
      Memory idBuf = new Memory(8);
      Memory counter = new Memory(8);
      Memory fds = new Memory(16);
      Memory exe = new Memory(4096);
      Memory cmd = new Memory(4096);
      Memory msg = new Memory(8);
      local.setPointer(0, path);
      local.setLong(8, 4096);
      fds.setInt(0, listener);
      fds.setShort(4, (short) 1 /* POLLIN */);
      fds.setInt(8, wake);
      fds.setShort(12, (short) 1);
      while (true) {
        fds.setShort(6, (short) 0);
        fds.setShort(14, (short) 0);
        if (poll(fds, 2, -1) < 0) {
          continue; // EINTR
        }
        if (fds.getShort(14) != 0) {
          read(wake, counter, 8);
          int[] stop;
          while ((stop = stops.poll()) != null) {
            synchronized (this) {
              stopped(stop[0], stop[1], exe, cmd, msg);
            }
          }
        }
        short ev = fds.getShort(6);
        if ((ev & 1) == 0) {
          continue;
        }
        notif.clear();
        if (syscall(SYS_IOCTL, listener, NOTIF_RECV, Pointer.nativeValue(notif), 0, 0, 0) < 0) {
          continue; // EINTR, or ENOENT: the caller died before we read it
        }
        synchronized (this) {
          notified(notif, resp, local, remote, idBuf);
        }
      }
    }

    void notified(Memory notif, Memory resp, Memory local, Memory remote, Memory idBuf) {
      long id = notif.getLong(0);
      int tid = notif.getInt(8);
      int nr = notif.getInt(16);
      notifications++;
      long pathArg = notif.getLong(16 + 16 + (nr == 322 ? 8 : 0));
      remote.setLong(0, pathArg);
      remote.setLong(8, 4096);
      long got = process_vm_readv(tid, local, 1, remote, 1, 0); // the path as the tracer would read it
      if (log != null) {
        Pointer p = local.getPointer(0);
        String asked = got > 0 ? p.getString(0, "UTF-8") : "?";
        try {
          log.write(("notify\t" + tid + "\t" + asked + "\n").getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
          throw new IllegalStateException(e);
        }
      }
      if (!seized.contains(tid)) {
        // no stop: the caller sleeps in the notification until the answer below
        if (ptrace(PTRACE_SEIZE, tid, 0, PTRACE_O_TRACEEXEC | PTRACE_O_EXITKILL) == 0) {
          seized.add(tid);
          seizes++;
        } else {
          seizeFailures++; // a real tracer would fail closed here (answer EPERM and say so)
        }
      }
      // the tid still names the caller of this notification (not a reused pid)
      idBuf.setLong(0, id);
      boolean valid = syscall(SYS_IOCTL, listener, NOTIF_ID_VALID, Pointer.nativeValue(idBuf), 0, 0, 0) == 0;
      resp.setLong(0, id);
      resp.setLong(8, 0);
      resp.setInt(16, 0);
      resp.setInt(20, 1); // SECCOMP_USER_NOTIF_FLAG_CONTINUE
      if (!valid || syscall(SYS_IOCTL, listener, NOTIF_SEND, Pointer.nativeValue(resp), 0, 0, 0) < 0) {
        // withdrawn (a signal interrupted the wait: the call restarts and notifies again) or dead;
        // the tracee stays seized until its next notification, signal stop or exit
        withdrawn++;
      }
    }

    /** The root's pid, known once posix_spawnp returns: a quick root may have exited before. */
    synchronized void rooted(int pid) {
      root = pid;
      Integer status = exits.get(pid);
      if (status != null) {
        rootStatus = status;
        rootDone.countDown();
      }
    }

    void stopped(int pid, int status, Memory exe, Memory cmd, Memory msg) {
      if ((status & 0xff) != 0x7f) { // exited or killed
        if (seized.remove(pid)) {
          exitsWhileSeized++;
        }
        if (pid == root) {
          rootStatus = status;
          rootDone.countDown();
        } else if (root < 0) {
          exits.put(pid, status);
        }
        return;
      }
      int sig = (status >> 8) & 0xff;
      int event = (status >> 16) & 0xff;
      if (sig == SIGTRAP && event == PTRACE_EVENT_EXEC) {
        ptrace(PTRACE_GETEVENTMSG, pid, 0, Pointer.nativeValue(msg));
        int oldTid = (int) msg.getLong(0);
        seized.remove(oldTid);
        seized.remove(pid);
        execEvents++;
        if (oldTid != pid) {
          nonLeaderExecs++;
        }
        // the tracee is stopped after the exec: /proc/PID/exe is the file that runs
        long n = readlink("/proc/" + pid + "/exe", exe, 4096);
        String exePath = n > 0 ? new String(exe.getByteArray(0, (int) n), StandardCharsets.UTF_8) : null;
        if (exePath == null) {
          exeUnread++;
        }
        int fd = open("/proc/" + pid + "/cmdline", 0x80000 /* O_RDONLY|O_CLOEXEC */);
        long len = fd >= 0 ? read(fd, cmd, 4096) : -1;
        if (fd >= 0) {
          close(fd);
        }
        if (log != null) {
          String argv = len > 0 ? new String(cmd.getByteArray(0, (int) len), StandardCharsets.UTF_8).replace('\0', ' ').trim() : "";
          try {
            log.write(("exec\t" + oldTid + "\t" + pid + "\t" + exePath + "\t" + argv + "\n").getBytes(StandardCharsets.UTF_8));
          } catch (IOException e) {
            throw new IllegalStateException(e);
          }
        }
        ptrace(PTRACE_DETACH, pid, 0, 0);
      } else if (event == PTRACE_EVENT_STOP) {
        // a group stop (or a stop we never asked for): leave it to job control, untraced
        groupStops++;
        seized.remove(pid);
        ptrace(PTRACE_DETACH, pid, 0, 0);
      } else {
        // a signal-delivery stop: the exec failed and the caller is back in user space;
        // the signal is handed back with the detach
        signalStops++;
        seized.remove(pid);
        ptrace(PTRACE_DETACH, pid, 0, sig);
      }
    }
  }
}
