package dev.plumbline.trace.ptrace;

import java.util.Map;

/** errno names for the results of network calls, as the record shows them ("ECONNREFUSED"). */
final class Errnos {
  private Errnos() {}

  private static final Map<Integer, String> NAMES = Map.ofEntries(
      Map.entry(1, "EPERM"), Map.entry(2, "ENOENT"), Map.entry(4, "EINTR"), Map.entry(9, "EBADF"),
      Map.entry(11, "EAGAIN"), Map.entry(12, "ENOMEM"), Map.entry(13, "EACCES"), Map.entry(14, "EFAULT"),
      Map.entry(22, "EINVAL"), Map.entry(24, "EMFILE"), Map.entry(32, "EPIPE"), Map.entry(38, "ENOSYS"),
      Map.entry(88, "ENOTSOCK"), Map.entry(89, "EDESTADDRREQ"), Map.entry(90, "EMSGSIZE"),
      Map.entry(91, "EPROTOTYPE"), Map.entry(93, "EPROTONOSUPPORT"), Map.entry(95, "EOPNOTSUPP"),
      Map.entry(97, "EAFNOSUPPORT"), Map.entry(98, "EADDRINUSE"), Map.entry(99, "EADDRNOTAVAIL"),
      Map.entry(100, "ENETDOWN"), Map.entry(101, "ENETUNREACH"), Map.entry(103, "ECONNABORTED"),
      Map.entry(104, "ECONNRESET"), Map.entry(105, "ENOBUFS"), Map.entry(106, "EISCONN"),
      Map.entry(107, "ENOTCONN"), Map.entry(110, "ETIMEDOUT"), Map.entry(111, "ECONNREFUSED"),
      Map.entry(113, "EHOSTUNREACH"), Map.entry(114, "EALREADY"), Map.entry(115, "EINPROGRESS"),
      Map.entry(512, "ERESTARTSYS"), Map.entry(513, "ERESTARTNOINTR"), Map.entry(514, "ERESTARTNOHAND"),
      Map.entry(516, "ERESTART_RESTARTBLOCK"));

  static String name(int errno) {
    String n = NAMES.get(errno);
    return n != null ? n : "errno " + errno;
  }

  static int number(String name) {
    for (Map.Entry<Integer, String> e : NAMES.entrySet()) {
      if (e.getValue().equals(name)) {
        return e.getKey();
      }
    }
    return -1;
  }
}
