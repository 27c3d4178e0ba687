package dev.plumbline.linux;

import com.sun.jna.Native;
import com.sun.jna.Platform;

/** Entry point to the bindings: checks once that they can work here, with a one-line reason when not. */
public final class Linux {
  private static volatile boolean loaded;
  /** The first failure, said again to every later caller (a second attempt would fail with less). */
  private static NativeUnavailableException failed;

  private Linux() {}

  /**
   * Loads libc through JNA; a missing library, symbol or JNA dispatch becomes one readable line.
   * Callers on other threads wait for the first one (a run starts it ahead of its set-up:
   * PtraceTracer.prepare), and a failure is reported to each caller with the first one's reason.
   */
  public static void requireLibc() throws NativeUnavailableException {
    if (loaded) {
      return;
    }
    synchronized (Linux.class) {
      if (loaded) {
        return;
      }
      if (failed != null) {
        throw new NativeUnavailableException(failed.getMessage(), failed.getCause());
      }
      try {
        load();
        loaded = true;
      } catch (NativeUnavailableException e) {
        failed = e;
        throw e;
      }
    }
  }

  private static void load() throws NativeUnavailableException {
    if (!Platform.isLinux()) {
      throw new NativeUnavailableException("tracing needs Linux, this is " + System.getProperty("os.name"), null);
    }
    if (!Platform.isIntel() && !Platform.isARM() || !Platform.is64Bit()) {
      throw new NativeUnavailableException(
          "tracing supports x86_64 (and aarch64 syscall tables), not " + System.getProperty("os.arch"), null);
    }
    try {
      LibC.load();
    } catch (UnsatisfiedLinkError | NoClassDefFoundError | ExceptionInInitializerError e) {
      Throwable cause = e instanceof ExceptionInInitializerError && e.getCause() != null ? e.getCause() : e;
      throw new NativeUnavailableException(
          "cannot call libc through JNA (" + firstLine(cause.getMessage()) + ")", e);
    }
  }

  public static boolean isX8664() {
    return X86_64;
  }

  /** Once: JNA's Platform.is64Bit() reads system properties at each call, and this is asked per stop. */
  private static final boolean X86_64 = Platform.isIntel() && Platform.is64Bit();

  /** The errno of the last native call made on this thread. */
  public static int errno() {
    return Native.getLastError();
  }

  public static String strerror(int errno) {
    return LibC.strerror(errno).getString(0);
  }

  public static int getpid() {
    return LibC.getpid();
  }

  /** The effective uid of this process (0: the agent is root and may run the build as another user). */
  public static int geteuid() {
    return LibC.geteuid();
  }

  /**
   * Whether this process is in the foreground process group of its terminal: then a Ctrl-C
   * reaches the build directly (same group) and must not be forwarded a second time.
   */
  public static boolean inTerminalForeground() {
    for (int fd = 0; fd <= 2; fd++) {
      if (LibC.isatty(fd) == 1) {
        return LibC.tcgetpgrp(fd) == LibC.getpgrp();
      }
    }
    return false;
  }

  /** mount(2) of a fresh procfs at {@code target} (nosuid, nodev, noexec); returns 0 or the errno. */
  public static int mountProc(String target) {
    long flags = 2 /* MS_NOSUID */ | 4 /* MS_NODEV */ | 8 /* MS_NOEXEC */;
    return LibC.mount("proc", target, "proc", flags, null) == 0 ? 0 : errno();
  }

  /** umount2(target, MNT_DETACH); returns 0 or the errno. */
  public static int unmountLazily(String target) {
    return LibC.umount2(target, 2) == 0 ? 0 : errno();
  }

  /**
   * prctl(PR_SET_DUMPABLE, 0): other processes of the same user (the build) can no longer ptrace
   * this one, read its memory (process_vm_readv, /proc/PID/mem) or its environment. Children are
   * not affected: exec makes a process dumpable again. Returns 0 or the errno.
   */
  public static int makeUndumpable() {
    return LibC.prctl(4 /* PR_SET_DUMPABLE */, 0, 0, 0, 0) == 0 ? 0 : errno();
  }

  /**
   * prctl(PR_GET_DUMPABLE): whether other processes of our user may still ptrace this one or open
   * its /proc/PID/fd entries (true too when libc cannot be called: nothing is known).
   */
  public static boolean isDumpable() {
    try {
      requireLibc();
    } catch (NativeUnavailableException e) {
      return true;
    }
    return LibC.prctl(3 /* PR_GET_DUMPABLE */, 0, 0, 0, 0) != 0;
  }

  /**
   * prctl(PR_SET_CHILD_SUBREAPER): while set, orphaned descendants are re-parented to this process
   * instead of init, so none can slip away by double-forking. Returns 0 or the errno.
   */
  public static int setChildSubreaper(boolean on) {
    return LibC.prctl(36 /* PR_SET_CHILD_SUBREAPER */, on ? 1 : 0, 0, 0, 0) == 0 ? 0 : errno();
  }

  /**
   * setpriority(PRIO_PROCESS, gettid(), 19) for the calling thread only (Linux keeps a nice value
   * per thread; Java's thread priorities are ignored there): work that may wait, such as hashing
   * beside the build, then gets only the CPU the build leaves. Returns 0 or the errno.
   */
  public static int lowerThisThreadPriority() {
    long tid = LibC.syscall(isX8664() ? 186 : 178 /* gettid */, 0, 0, 0, 0, 0, 0);
    return LibC.setpriority(0 /* PRIO_PROCESS */, (int) tid, 19) == 0 ? 0 : errno();
  }

  /**
   * waitpid(pid, WNOHANG): collects a child that has ended (an adopted orphan the JVM does not
   * know). True when it was collected.
   */
  public static boolean reap(int pid) {
    return LibC.waitpid(pid, new int[1], 1 /* WNOHANG */) == pid;
  }

  /**
   * Reads up to {@code max} bytes from descriptor {@code fd} of this process with read(2), to its
   * end. Not through /dev/fd/N: that re-opens the file and checks its permissions again (a file
   * root opened for an unprivileged agent cannot be re-opened by it). Null with the errno in
   * {@code errnoOut[0]} on failure.
   */
  public static byte[] readDescriptor(int fd, int max, int[] errnoOut) {
    try (com.sun.jna.Memory buf = new com.sun.jna.Memory(8192)) {
      java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
      while (out.size() <= max) {
        long n = LibC.read(fd, buf, buf.size());
        if (n < 0) {
          int e = errno();
          if (e == 4 /* EINTR */) {
            continue;
          }
          errnoOut[0] = e;
          return null;
        }
        if (n == 0) {
          break;
        }
        out.write(buf.getByteArray(0, (int) n), 0, (int) n);
      }
      return out.toByteArray();
    }
  }

  /** kill(2); returns 0 or the errno. */
  public static int kill(int pid, int signal) {
    return LibC.kill(pid, signal) == 0 ? 0 : errno();
  }

  private static String firstLine(String s) {
    if (s == null) {
      return "no detail";
    }
    int nl = s.indexOf('\n');
    return nl < 0 ? s : s.substring(0, nl);
  }
}
