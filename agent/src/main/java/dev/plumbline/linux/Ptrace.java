package dev.plumbline.linux;

/**
 * Constants of ptrace(2), wait(2), seccomp(2), prctl(2), signals, and the file, clone and socket
 * flags the tracer and its filter test (x86_64 and aarch64 values; errno numbers are in {@link
 * Errno}).
 */
public final class Ptrace {
  private Ptrace() {}

  public static final int PTRACE_TRACEME = 0;
  public static final int PTRACE_CONT = 7;
  public static final int PTRACE_GETREGS = 12;
  public static final int PTRACE_SETREGS = 13;
  public static final int PTRACE_ATTACH = 16;
  public static final int PTRACE_SYSCALL = 24;
  public static final int PTRACE_SETOPTIONS = 0x4200;
  public static final int PTRACE_GETEVENTMSG = 0x4201;
  public static final int PTRACE_SEIZE = 0x4206;
  public static final int PTRACE_LISTEN = 0x4208;
  public static final int PTRACE_GET_SYSCALL_INFO = 0x420e;

  public static final int PTRACE_O_TRACESYSGOOD = 1;
  public static final int PTRACE_O_TRACEFORK = 1 << 1;
  public static final int PTRACE_O_TRACEVFORK = 1 << 2;
  public static final int PTRACE_O_TRACECLONE = 1 << 3;
  public static final int PTRACE_O_TRACEEXEC = 1 << 4;
  public static final int PTRACE_O_TRACESECCOMP = 1 << 7;
  public static final int PTRACE_O_EXITKILL = 1 << 20;

  public static final int PTRACE_EVENT_FORK = 1;
  public static final int PTRACE_EVENT_VFORK = 2;
  public static final int PTRACE_EVENT_CLONE = 3;
  public static final int PTRACE_EVENT_EXEC = 4;
  public static final int PTRACE_EVENT_SECCOMP = 7;
  public static final int PTRACE_EVENT_STOP = 128;

  public static final int PTRACE_SYSCALL_INFO_EXIT = 2;
  public static final int PTRACE_SYSCALL_INFO_SECCOMP = 3;

  public static final int WUNTRACED = 2;
  public static final int WNOTHREAD = 0x20000000;
  public static final int WALL = 0x40000000;

  public static final int SIGKILL = 9;
  public static final int SIGCHLD = 17;
  public static final int SIGCONT = 18;
  public static final int SIGSTOP = 19;
  public static final int SIGTSTP = 20;
  public static final int SIGTTIN = 21;
  public static final int SIGTTOU = 22;
  public static final int SIGTRAP = 5;

  public static final int PR_SET_NO_NEW_PRIVS = 38;
  public static final int PR_SET_SECCOMP = 22;
  /** prctl(2): 0 makes the process undumpable, which closes its memory and /proc files to a tracer without CAP_SYS_PTRACE. */
  public static final int PR_SET_DUMPABLE = 4;
  public static final int SECCOMP_SET_MODE_FILTER = 1;
  /** seccomp(2) flag: the new filter gets a listener descriptor for its SECCOMP_RET_USER_NOTIF. */
  public static final int SECCOMP_FILTER_FLAG_NEW_LISTENER = 1 << 3;

  public static final int AT_FDCWD = -100;

  /** open(2) flags that mean the file may change. */
  public static final int O_WRONLY = 01;
  public static final int O_RDWR = 02;
  public static final int O_CREAT = 0100;
  public static final int O_TRUNC = 01000;

  public static final int CLONE_THREAD = 0x00010000;
  public static final int CLONE_UNTRACED = 0x00800000;
  /** personality(2) flag: a mapping made PROT_READ is executable too. */
  public static final int READ_IMPLIES_EXEC = 0x0400000;
  /** personality(2)'s argument that only asks for the current personality. */
  public static final int PERSONALITY_QUERY = 0xffffffff;

  public static final int MSG_DONTWAIT = 0x40;
  public static final int MSG_NOSIGNAL = 0x4000;
  public static final int MSG_FASTOPEN = 0x20000000;

  public static final int POSIX_SPAWN_SETSIGMASK = 0x08;

  public static boolean exited(int status) {
    return (status & 0x7f) == 0;
  }

  public static int exitCode(int status) {
    return (status >> 8) & 0xff;
  }

  public static boolean signaled(int status) {
    return ((status & 0x7f) + 1) >> 1 > 0 && !stopped(status) && !exited(status);
  }

  public static int termSignal(int status) {
    return status & 0x7f;
  }

  public static boolean stopped(int status) {
    return (status & 0xff) == 0x7f;
  }

  public static int stopSignal(int status) {
    return (status >> 8) & 0xff;
  }

  /** The PTRACE_EVENT_* of a stop, 0 for a plain signal stop. */
  public static int event(int status) {
    return (status >> 16) & 0xff;
  }
}
