// A measuring prototype, not product code: what exec tracing costs with a seccomp user-notification
// listener instead of ptrace (docs/benchmarks.md, "The ptrace floor and the design past it").
//   java -cp agent/target/plumbline.jar scripts/bench-usernotif.java CMD [ARG...]
// One thread installs a filter that turns execve/execveat into SECCOMP_RET_USER_NOTIF (its own
// children inherit it; the thread itself never execs), a second thread receives each notification,
// reads the program's path from the stopped caller's memory and lets the call go on
// (SECCOMP_USER_NOTIF_FLAG_CONTINUE). That is one round trip per exec and none per fork or exit,
// against ptrace's four stops per process. It records no process tree, no exit status, no argv and
// no network: it measures the floor of the mechanism, and prints "execs=N" on stderr.
import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Pointer;
import com.sun.jna.StringArray;
import java.util.ArrayList;
import java.util.List;
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

  static final long SYS_IOCTL = 16;
  static final long SYS_SECCOMP = 317;
  static final int SECCOMP_SET_MODE_FILTER = 1;
  static final int SECCOMP_FILTER_FLAG_NEW_LISTENER = 1 << 3;
  static final long NOTIF_RECV = 0xc0502100L; // _IOWR('!', 0, struct seccomp_notif): 80 bytes
  static final long NOTIF_SEND = 0xc0182101L; // _IOWR('!', 1, struct seccomp_notif_resp): 24 bytes
  static final int AUDIT_ARCH_X86_64 = 0xc000003e;

  public static void main(String[] args) throws Exception {
    int[] listener = {-1};
    int[] child = {-1};
    Exception[] failure = {null};
    AtomicLong execs = new AtomicLong();
    // the spawning thread carries the filter; the main thread answers
    Thread spawner = new Thread(() -> {
      try {
        listener[0] = installFilter();
        synchronized (listener) {
          listener.notifyAll();
        }
        List<String> env = new ArrayList<>();
        System.getenv().forEach((k, v) -> env.add(k + "=" + v));
        int[] pid = new int[1];
        int rc = posix_spawnp(pid, args[0], null, null, new StringArray(args), new StringArray(env.toArray(new String[0])));
        if (rc != 0) {
          throw new IllegalStateException("posix_spawnp: " + rc);
        }
        child[0] = pid[0];
      } catch (Exception e) {
        failure[0] = e;
      }
    }, "spawner");
    spawner.setDaemon(true);
    synchronized (listener) {
      spawner.start();
      while (listener[0] < 0 && failure[0] == null) {
        listener.wait(100);
      }
    }
    if (failure[0] != null) {
      throw failure[0];
    }
    Thread answering = new Thread(() -> answer(listener[0], execs), "answer");
    answering.setDaemon(true);
    answering.start();
    spawner.join();
    if (failure[0] != null) {
      throw failure[0];
    }
    int[] status = new int[1];
    waitpid(child[0], status, 0);
    System.err.println("execs=" + execs.get());
    System.exit((status[0] >> 8) & 0xff);
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
}
