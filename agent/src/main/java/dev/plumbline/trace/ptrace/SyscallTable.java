package dev.plumbline.trace.ptrace;

import static dev.plumbline.linux.Errno.EINVAL;
import static dev.plumbline.linux.Errno.ENOSYS;
import static dev.plumbline.linux.Errno.EPERM;
import static dev.plumbline.linux.Ptrace.AT_FDCWD;
import static dev.plumbline.linux.Ptrace.CLONE_UNTRACED;
import static dev.plumbline.linux.Ptrace.MSG_FASTOPEN;
import static dev.plumbline.linux.Ptrace.O_CREAT;
import static dev.plumbline.linux.Ptrace.O_TRUNC;
import static dev.plumbline.linux.Ptrace.O_WRONLY;
import static dev.plumbline.linux.Ptrace.PERSONALITY_QUERY;
import static dev.plumbline.linux.Ptrace.PR_SET_DUMPABLE;
import static dev.plumbline.linux.Ptrace.PR_SET_SECCOMP;
import static dev.plumbline.linux.Ptrace.READ_IMPLIES_EXEC;
import static dev.plumbline.linux.Ptrace.SECCOMP_FILTER_FLAG_NEW_LISTENER;
import static dev.plumbline.trace.ptrace.FilterRule.always;
import static dev.plumbline.trace.ptrace.FilterRule.anyBit;
import static dev.plumbline.trace.ptrace.FilterRule.argIn;
import static dev.plumbline.trace.ptrace.FilterRule.both;
import static dev.plumbline.trace.ptrace.FilterRule.either;
import static dev.plumbline.trace.ptrace.FilterRule.nonNull;
import static dev.plumbline.trace.ptrace.FilterRule.not;
import static dev.plumbline.trace.ptrace.FilterRule.refuse;

import dev.plumbline.trace.decode.Abi;
import dev.plumbline.trace.decode.DecodeException;
import dev.plumbline.trace.decode.SocketCall;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The system calls the tracer stops on, one row each: the numbers per ABI (-1: the ABI has no such
 * call; from the kernel's syscall_64.tbl, syscall_32.tbl and the generic unistd.h of aarch64), the
 * seccomp filter's rule ({@link SeccompProgram} is generated from these rows), and the handler that
 * runs at the stop. Adding a traced call is one row here and one handler method.
 */
public enum SyscallTable {
  //        x86_64 i386 aarch64  when the filter stops        handler at the stop
  // sockets whose destinations are not all a sockaddr of the calls below (Protocols): refused in
  // block mode, flagged in audit mode; the usual ones (unix, netlink, TCP, UDP, ...) never stop
  SOCKET(41, 359, 198, not(either(argIn(0, Protocols.FOLLOWED_FAMILIES),
      both(argIn(0, Protocols.IP_FAMILIES), argIn(2, Protocols.FOLLOWED_IP_PROTOCOLS)))),
      (h, c) -> h.network.socket(c)),
  // options that send packets elsewhere than the sockaddr says (RouteOptions)
  SETSOCKOPT(54, 366, 208, RouteOptions.FILTER, (h, c) -> h.network.setsockopt(c)),
  // inbound: a listener other hosts can reach gets a locked socket filter in block mode; accepted
  // peers from outside the host are recorded (InboundFilter, NetworkStops#listen)
  LISTEN(50, 363, 201, always(), (h, c) -> h.network.listen(c)),
  ACCEPT(43, -1, 202, always(), (h, c) -> h.network.accept(c)),
  ACCEPT4(288, 364, 242, always(), (h, c) -> h.network.accept(c)),
  CONNECT(42, 362, 203, always(), (h, c) -> h.network.connect(c)),
  SENDTO(44, 369, 206, either(nonNull(4), anyBit(3, MSG_FASTOPEN)), (h, c) -> h.network.sendto(c)),
  SENDMSG(46, 370, 211, always(), (h, c) -> h.network.sendmsg(c)),
  SENDMMSG(307, 345, 269, always(), (h, c) -> h.network.sendmmsg(c)),
  SOCKETCALL(-1, 102, -1,
      argIn(0, SocketCall.SYS_SOCKET, SocketCall.SYS_SETSOCKOPT, SocketCall.SYS_LISTEN, SocketCall.SYS_ACCEPT,
          SocketCall.SYS_ACCEPT4, SocketCall.SYS_CONNECT, SocketCall.SYS_SENDTO,
          SocketCall.SYS_SENDMSG, SocketCall.SYS_SENDMMSG),
      (h, c) -> h.socketcall(c)),
  OPEN(2, 5, -1, anyBit(1, FileStops.WRITE_FLAGS), (h, c) -> h.files.open(c, AT_FDCWD, c.arg(0), c.arg(1))),
  CREAT(85, 8, -1, always(), (h, c) -> h.files.open(c, AT_FDCWD, c.arg(0), O_CREAT | O_TRUNC | O_WRONLY)),
  OPENAT(257, 295, 56, anyBit(2, FileStops.WRITE_FLAGS), (h, c) -> h.files.open(c, c.arg(0), c.arg(1), c.arg(2))),
  OPENAT2(437, 437, 437, always(), (h, c) -> h.files.openat2(c)), // flags are in a struct
  RENAME(82, 38, -1, always(), (h, c) -> h.files.rename(c, AT_FDCWD, c.arg(0), AT_FDCWD, c.arg(1))),
  RENAMEAT(264, 302, 38, always(), (h, c) -> h.files.rename(c, c.arg(0), c.arg(1), c.arg(2), c.arg(3))),
  RENAMEAT2(316, 353, 276, always(), (h, c) -> h.files.rename(c, c.arg(0), c.arg(1), c.arg(2), c.arg(3))),
  UNLINK(87, 10, -1, always(), (h, c) -> h.files.change(c, AT_FDCWD, c.arg(0), "unlink")),
  UNLINKAT(263, 301, 35, always(), (h, c) -> h.files.change(c, c.arg(0), c.arg(1), "unlink")),
  TRUNCATE(76, 92, 45, always(), (h, c) -> h.files.change(c, AT_FDCWD, c.arg(0), "truncate")),
  TRUNCATE64(-1, 193, -1, always(), (h, c) -> h.files.change(c, AT_FDCWD, c.arg(0), "truncate")),
  IO_URING_SETUP(425, 425, 425, always(), (h, c) -> h.process.ioUringSetup(c)),
  IO_URING_ENTER(426, 426, 426, always(), (h, c) -> h.process.ioUring(c)),
  IO_URING_REGISTER(427, 427, 427, always(), (h, c) -> h.process.ioUring(c)),
  PTRACE(101, 26, 117, always(), (h, c) -> h.process.ptraceAttempt(c)),
  // the build's own filter may return SECCOMP_RET_USER_NOTIF, which outranks our SECCOMP_RET_TRACE:
  // with a listener of its own answering "continue", its calls would run without our stop. The
  // listener flag is in a register: refused by the filter itself with EINVAL, as a kernel without
  // listeners (before 5.0) does. Every other filter stops, for the note.
  SECCOMP(317, 354, 277, refuse(EINVAL, anyBit(1, SECCOMP_FILTER_FLAG_NEW_LISTENER), always()),
      (h, c) -> h.process.ownFilter(c, "operation " + c.arg(0))),
  // an undumpable process closes its memory to a tracer that is not root: every pointer argument
  // would be unreadable. prctl(PR_SET_DUMPABLE, 0) is refused (EPERM) on registers; ssh and
  // ssh-agent go on without it. Other ways to become undumpable are caught at the stop (Reporter)
  PRCTL(157, 172, 167, refuse(EPERM, both(argIn(0, PR_SET_DUMPABLE), not(argIn(1, 1))), argIn(0, PR_SET_SECCOMP)),
      (h, c) -> h.process.ownFilter(c, "prctl PR_SET_SECCOMP mode " + c.arg(1))),
  // a child made with CLONE_UNTRACED escapes the fork options: refused by the filter itself, on
  // the flags register (no stop, nothing another thread can change)
  CLONE(56, 120, 220, refuse(EPERM, anyBit(0, CLONE_UNTRACED)), SyscallTable::neverStops),
  // clone3's flags are in memory, which another thread can rewrite after any check: ENOSYS, as in
  // Docker's default profile; glibc falls back to clone (musl and Go never use clone3)
  CLONE3(435, 435, 435, refuse(ENOSYS, always()), SyscallTable::neverStops),
  // code that runs without an exec: a file mapped executable (ld.so loading a library, dlopen, a
  // program given to ld.so, LD_PRELOAD/LD_AUDIT objects), or a file mapping made executable later.
  // Anonymous memory (JIT code) never stops. i386's old mmap (90) has its arguments in memory: it
  // always stops.
  MMAP(9, 90, 222, both(anyBit(2, LibraryStops.PROT_EXEC), not(anyBit(3, LibraryStops.MAP_ANONYMOUS))),
      (h, c) -> h.libraries.mmap(c)) {
    @Override
    FilterRule rule(Abi abi) {
      return abi == Abi.I386 ? always() : rule;
    }
  },
  MMAP2(-1, 192, -1, both(anyBit(2, LibraryStops.PROT_EXEC), not(anyBit(3, LibraryStops.MAP_ANONYMOUS))),
      (h, c) -> h.libraries.mmap(c)),
  MPROTECT(10, 125, 226, anyBit(2, LibraryStops.PROT_EXEC), (h, c) -> h.libraries.mprotect(c)),
  PKEY_MPROTECT(329, 380, 288, anyBit(2, LibraryStops.PROT_EXEC), (h, c) -> h.libraries.mprotect(c)),
  // under READ_IMPLIES_EXEC a file mapped PROT_READ is executable, out of the PROT_EXEC tests
  // above: refused by the filter itself, on the register (a query, 0xffffffff, sets nothing)
  PERSONALITY(135, 136, 92, refuse(EPERM, both(anyBit(0, READ_IMPLIES_EXEC), not(argIn(0, PERSONALITY_QUERY)))),
      SyscallTable::neverStops);

  /** What runs at a stop of one row's call; true when the tracer must see the call's exit stop too. */
  @FunctionalInterface
  interface Handler {
    boolean handle(SyscallStops stops, Call call) throws DecodeException;
  }

  /** The handler of a row the filter refuses by itself: such calls never stop. */
  private static boolean neverStops(SyscallStops stops, Call call) {
    return false;
  }

  private final int[] numbers;
  /** When the filter stops this call (in every ABI unless {@link #rule(Abi)} says otherwise). */
  final FilterRule rule;
  final Handler handler;

  SyscallTable(int x8664, int i386, int aarch64, FilterRule rule, Handler handler) {
    this.numbers = new int[] {x8664, i386, aarch64};
    this.rule = rule;
    this.handler = handler;
  }

  /** When the filter stops this call in {@code abi}. */
  FilterRule rule(Abi abi) {
    return rule;
  }

  /** This call's number in {@code abi}, or -1 when the ABI lacks it. */
  public int number(Abi abi) {
    return switch (abi) {
      case X86_64 -> numbers[0];
      case I386 -> numbers[1];
      case AARCH64 -> numbers[2];
    };
  }

  private static final Map<Long, SyscallTable> BY_NUMBER = new HashMap<>();

  static {
    for (SyscallTable s : values()) {
      for (Abi abi : Abi.values()) {
        int nr = s.number(abi);
        if (nr >= 0 && BY_NUMBER.put(key(abi, nr), s) != null) {
          throw new IllegalStateException("duplicate syscall number " + nr + " in " + abi);
        }
      }
    }
  }

  private static long key(Abi abi, long nr) {
    return ((long) abi.ordinal() << 32) | (nr & 0xffffffffL);
  }

  /** The call with number {@code nr} in {@code abi}, or null when it is not one of ours. */
  public static SyscallTable lookup(Abi abi, long nr) {
    return BY_NUMBER.get(key(abi, nr));
  }

  /** The row of a call by its name ("connect"), or null. */
  static SyscallTable named(String name) {
    for (SyscallTable s : values()) {
      if (s.syscallName().equals(name)) {
        return s;
      }
    }
    return null;
  }

  public String syscallName() {
    return name().toLowerCase(Locale.ROOT);
  }
}
