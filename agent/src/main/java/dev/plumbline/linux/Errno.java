package dev.plumbline.linux;

import java.util.Map;

/**
 * errno numbers (the same on x86_64, i386 and aarch64 Linux) and their names, in one place: the
 * tracer refuses calls with them, the egress gate chooses them, the record shows the names
 * ("ECONNREFUSED").
 */
public final class Errno {
  private Errno() {}

  public static final int EPERM = 1;
  public static final int ENOENT = 2;
  public static final int ESRCH = 3;
  public static final int EINTR = 4;
  public static final int ECHILD = 10;
  public static final int EAGAIN = 11;
  public static final int EACCES = 13;
  public static final int EINVAL = 22;
  public static final int EFAULT = 14;
  public static final int EPIPE = 32;
  public static final int ENOTDIR = 20;
  public static final int ENOSYS = 38;
  public static final int ELOOP = 40;
  public static final int EMSGSIZE = 90;
  public static final int EPROTONOSUPPORT = 93;
  public static final int EAFNOSUPPORT = 97;
  public static final int ENETUNREACH = 101;
  public static final int ENOBUFS = 105;
  public static final int ECONNREFUSED = 111;
  public static final int EINPROGRESS = 115;

  private static final Map<Integer, String> NAMES = Map.ofEntries(
      Map.entry(EPERM, "EPERM"), Map.entry(ENOENT, "ENOENT"), Map.entry(ESRCH, "ESRCH"), Map.entry(EINTR, "EINTR"),
      Map.entry(9, "EBADF"), Map.entry(ECHILD, "ECHILD"), Map.entry(EAGAIN, "EAGAIN"), Map.entry(12, "ENOMEM"),
      Map.entry(EACCES, "EACCES"), Map.entry(EFAULT, "EFAULT"), Map.entry(EINVAL, "EINVAL"), Map.entry(24, "EMFILE"),
      Map.entry(EPIPE, "EPIPE"), Map.entry(ENOSYS, "ENOSYS"), Map.entry(ELOOP, "ELOOP"), Map.entry(ENOTDIR, "ENOTDIR"), Map.entry(88, "ENOTSOCK"),
      Map.entry(89, "EDESTADDRREQ"), Map.entry(EMSGSIZE, "EMSGSIZE"), Map.entry(91, "EPROTOTYPE"),
      Map.entry(EPROTONOSUPPORT, "EPROTONOSUPPORT"), Map.entry(95, "EOPNOTSUPP"), Map.entry(EAFNOSUPPORT, "EAFNOSUPPORT"),
      Map.entry(98, "EADDRINUSE"), Map.entry(99, "EADDRNOTAVAIL"), Map.entry(100, "ENETDOWN"),
      Map.entry(ENETUNREACH, "ENETUNREACH"), Map.entry(103, "ECONNABORTED"), Map.entry(104, "ECONNRESET"),
      Map.entry(ENOBUFS, "ENOBUFS"), Map.entry(106, "EISCONN"), Map.entry(107, "ENOTCONN"),
      Map.entry(110, "ETIMEDOUT"), Map.entry(ECONNREFUSED, "ECONNREFUSED"), Map.entry(113, "EHOSTUNREACH"),
      Map.entry(114, "EALREADY"), Map.entry(EINPROGRESS, "EINPROGRESS"), Map.entry(512, "ERESTARTSYS"),
      Map.entry(513, "ERESTARTNOINTR"), Map.entry(514, "ERESTARTNOHAND"), Map.entry(516, "ERESTART_RESTARTBLOCK"));

  /** The symbolic name ("EPERM"), or "errno N" for one without a name here. */
  public static String name(int errno) {
    String n = NAMES.get(errno);
    return n != null ? n : "errno " + errno;
  }
}
