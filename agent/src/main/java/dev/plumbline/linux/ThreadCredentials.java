package dev.plumbline.linux;

import com.sun.jna.Memory;
import com.sun.jna.Pointer;

/**
 * The credentials of the calling thread only, for a root agent's tracer thread that must act as a
 * build process for one call (a unix connect it makes for the tracee: the kernel checks the socket's
 * permissions and records the peer's SO_PEERCRED with the caller's ids). Raw system calls change
 * one thread (glibc's wrappers would change every thread of the JVM); the real and saved ids stay
 * root's, so {@link #restore} can take the effective ids back.
 *
 * <p>A change of effective ids resets the process's dumpable flag to {@code fs.suid_dumpable}:
 * {@link #restore} makes the agent undumpable again.
 */
public final class ThreadCredentials {
  private static final boolean X86_64 = Linux.isX8664();
  private static final long SETGROUPS = X86_64 ? 116 : 159;
  private static final long GETGROUPS = X86_64 ? 115 : 158;
  private static final long SETRESUID = X86_64 ? 117 : 147;
  private static final long SETRESGID = X86_64 ? 119 : 149;
  private static final long GETEGID = X86_64 ? 108 : 177;
  private static final long GETEUID = X86_64 ? 107 : 175;
  private static final int MAX_GROUPS = 65536;

  private final Memory groups = new Memory(4L * MAX_GROUPS);
  private final int ownEuid;
  private final int ownEgid;
  private final int[] ownGroups;

  /** Remembers this thread's own ids (call it on the thread that will switch). */
  public ThreadCredentials() {
    ownEuid = (int) LibC.syscall(GETEUID, 0, 0, 0, 0, 0, 0);
    ownEgid = (int) LibC.syscall(GETEGID, 0, 0, 0, 0, 0, 0);
    int n = (int) LibC.syscall(GETGROUPS, MAX_GROUPS, Pointer.nativeValue(groups), 0, 0, 0, 0);
    ownGroups = n < 0 ? new int[0] : groups.getIntArray(0, n);
  }

  /** Whether this thread may act as another user (its effective uid is root). */
  public boolean canSwitch() {
    return ownEuid == 0;
  }

  /**
   * Takes effective (and file system) ids {@code uid}/{@code gid} and supplementary groups {@code
   * groups} on this thread. False, with the thread's own ids back, when the kernel refuses.
   */
  public boolean become(int uid, int gid, int[] groups) {
    if (setGroups(groups) != 0) {
      return false;
    }
    if (LibC.syscall(SETRESGID, -1, gid, -1, 0, 0, 0) != 0) {
      restore();
      return false;
    }
    if (LibC.syscall(SETRESUID, -1, uid, -1, 0, 0, 0) != 0) {
      restore();
      return false;
    }
    return true;
  }

  /**
   * Back to this thread's own ids; the agent is made undumpable again. Throws when the kernel
   * refuses (the tracer thread must not go on with a build user's ids).
   */
  public void restore() {
    boolean ok = LibC.syscall(SETRESUID, -1, ownEuid, -1, 0, 0, 0) == 0
        & LibC.syscall(SETRESGID, -1, ownEgid, -1, 0, 0, 0) == 0
        & setGroups(ownGroups) == 0;
    Linux.makeUndumpable();
    if (!ok) {
      throw new IllegalStateException("cannot take the tracer thread's own credentials back (" + Linux.strerror(Linux.errno()) + ")");
    }
  }

  private long setGroups(int[] list) {
    int n = Math.min(list.length, MAX_GROUPS);
    if (n > 0) {
      groups.write(0, list, 0, n);
    }
    return LibC.syscall(SETGROUPS, n, Pointer.nativeValue(groups), 0, 0, 0, 0);
  }
}
