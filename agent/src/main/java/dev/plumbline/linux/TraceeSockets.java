package dev.plumbline.linux;

import com.sun.jna.Memory;

/**
 * Calls the tracer makes on a tracee's socket, through a duplicate of its descriptor
 * (pidfd_getfd): naming the socket, and connecting or sending for the tracee with a destination
 * held in this process's memory (see docs/tracer.md, time-of-check races). Native buffers are
 * allocated once; like {@link TracerCalls}, one instance lives on the tracer thread. Failing calls
 * leave the errno in {@link #errno()}.
 */
public final class TraceeSockets {
  private static final long SYS_PIDFD_OPEN = 434;
  private static final long SYS_PIDFD_GETFD = 438;
  private static final int F_GETFL = 3;
  private static final int F_SETFL = 4;
  private static final int O_NONBLOCK = 04000;
  private static final int POLLOUT = 4;
  private static final int SOL_SOCKET = 1;
  private static final int SO_TYPE = 3;
  private static final int SO_PROTOCOL = 38;
  private static final int SO_DOMAIN = 39;
  private static final int SO_ACCEPTCONN = 30;
  private static final int SO_ATTACH_FILTER = 26;
  private static final int SO_LOCK_FILTER = 44;
  private static final int SHUT_RDWR = 2;

  private final Memory iovecs = new Memory(16);
  private final Memory sendBuffer = new Memory(256 * 1024);
  private final Memory remoteIovecs = new Memory(16 * 1024);
  private final Memory name = new Memory(128);
  private final Memory msghdr = new Memory(56);
  private final Memory controlBuffer = new Memory(4096);
  private final Memory pollFd = new Memory(8);
  private final Memory address = new Memory(128);
  private final Memory one = new Memory(4);
  private final int[] intOut = new int[1];
  private final int[] intLen = new int[1];
  private int errno;

  /** For the tracer thread, after {@link TracerCalls} has loaded libc. */
  public TraceeSockets() {}

  public int errno() {
    return errno;
  }

  private long check(long rc) {
    if (rc < 0) {
      errno = Linux.errno();
    }
    return rc;
  }

  /**
   * A duplicate, in this process, of descriptor {@code fd} of thread {@code tid} of thread group
   * {@code tgid} (pidfd_open + pidfd_getfd, kernel 5.6+): the same open file, so what is done on it
   * is done on the tracee's socket. -1 (errno set) when it cannot be had. Close it with
   * {@link #close(int)}.
   */
  public int duplicate(int tid, int tgid, int fd) {
    int pidfd = pidfdOf(tid, tgid);
    if (pidfd < 0) {
      return -1;
    }
    try {
      return (int) check(LibC.syscall(SYS_PIDFD_GETFD, pidfd, fd, 0, 0, 0, 0));
    } finally {
      LibC.close(pidfd);
    }
  }

  /**
   * A pidfd whose pidfd_getfd reaches the descriptor table of thread {@code tid}. pidfd_open
   * refuses a thread that is not its group's leader (EINVAL) — and curl's, node's, Go's resolvers
   * and every JVM thread are such threads. Kernels 6.9+ take PIDFD_THREAD for the thread itself
   * (right even for a thread with a descriptor table of its own); older kernels reject the flag,
   * and the thread group's leader is used: threads share its table unless made without
   * CLONE_FILES. -1 when neither works (the leader already exited, say).
   */
  private int pidfdOf(int tid, int tgid) {
    if (tid == tgid || tgid <= 0) {
      return (int) check(LibC.syscall(SYS_PIDFD_OPEN, tid, 0, 0, 0, 0, 0));
    }
    if (pidfdThread) {
      int fd = (int) check(LibC.syscall(SYS_PIDFD_OPEN, tid, PIDFD_THREAD, 0, 0, 0, 0));
      if (fd >= 0 || errno != Errno.EINVAL) {
        return fd;
      }
      pidfdThread = false; // the kernel predates PIDFD_THREAD: do not ask again
    }
    return (int) check(LibC.syscall(SYS_PIDFD_OPEN, tgid, 0, 0, 0, 0, 0));
  }

  /** pidfd_open flag (kernel 6.9+): a pidfd for the thread itself, not its group's leader; = O_EXCL. */
  private static final int PIDFD_THREAD = 0200;
  /** Cleared after the kernel rejected PIDFD_THREAD once (a test property forces the fallback). */
  private boolean pidfdThread = !Boolean.getBoolean("plumbline.noPidfdThread");

  public void close(int fd) {
    LibC.close(fd);
  }

  /** Domain, type and protocol (SO_DOMAIN, SO_TYPE, SO_PROTOCOL) of a socket of ours. */
  public int[] socketKind(int fd) {
    return new int[] {sockopt(fd, SO_DOMAIN), sockopt(fd, SO_TYPE), sockopt(fd, SO_PROTOCOL)};
  }

  /** Whether socket {@code fd} is already listening (SO_ACCEPTCONN). */
  public boolean listening(int fd) {
    return sockopt(fd, SO_ACCEPTCONN) == 1;
  }

  /** The address socket {@code fd} is bound to (getsockname), or null (errno set). */
  public byte[] localAddress(int fd) {
    intLen[0] = (int) address.size();
    if (LibC.getsockname(fd, address, intLen) != 0) {
      errno = Linux.errno();
      return null;
    }
    return address.getByteArray(0, Math.min(intLen[0], (int) address.size()));
  }

  /** The address of socket {@code fd}'s peer (getpeername), or null (errno set). */
  public byte[] peerAddress(int fd) {
    intLen[0] = (int) address.size();
    if (LibC.getpeername(fd, address, intLen) != 0) {
      errno = Linux.errno();
      return null;
    }
    return address.getByteArray(0, Math.min(intLen[0], (int) address.size()));
  }

  /**
   * Attaches a classic BPF socket filter ({@code program}: 8 bytes per instruction, native order)
   * to socket {@code fd} and locks it (SO_LOCK_FILTER): no one, the tracee included, can then
   * detach or replace it. False (errno set) when either step fails.
   */
  public boolean attachLockedFilter(int fd, byte[] program) {
    try (Memory code = new Memory(program.length); Memory fprog = new Memory(16)) {
      code.write(0, program, 0, program.length);
      fprog.clear();
      fprog.setShort(0, (short) (program.length / 8));
      fprog.setPointer(8, code);
      if (LibC.setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, fprog, 16) != 0) {
        errno = Linux.errno();
        return false;
      }
      one.setInt(0, 1);
      if (LibC.setsockopt(fd, SOL_SOCKET, SO_LOCK_FILTER, one, 4) != 0) {
        errno = Linux.errno();
        return false;
      }
      return true;
    }
  }

  /**
   * Whether socket {@code fd} already carries {@code program} as a locked filter (SO_LOCK_FILTER
   * reads 1 and SO_GET_FILTER reads back the same instructions): then no one can change it, and
   * attaching it again is neither possible nor needed.
   */
  public boolean hasLockedFilter(int fd, byte[] program) {
    if (sockopt(fd, SO_LOCK_FILTER) != 1) {
      return false;
    }
    int count = program.length / 8;
    try (Memory code = new Memory(Math.max(8, program.length))) {
      intLen[0] = count; // SO_GET_FILTER counts instructions, and refuses a shorter buffer than the filter
      if (LibC.getsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, code, intLen) != 0) {
        errno = Linux.errno();
        return false;
      }
      return intLen[0] == count && java.util.Arrays.equals(code.getByteArray(0, program.length), program);
    }
  }

  /** shutdown(SHUT_RDWR) of socket {@code fd}: the same socket for every descriptor of it. */
  public boolean shutdown(int fd) {
    if (LibC.shutdown(fd, SHUT_RDWR) != 0) {
      errno = Linux.errno();
      return false;
    }
    return true;
  }

  /** Whether the open file has O_NONBLOCK (shared with every duplicate, the tracee's included). */
  public boolean nonBlocking(int fd) {
    int flags = LibC.fcntl(fd, F_GETFL, 0);
    return flags >= 0 && (flags & O_NONBLOCK) != 0;
  }

  /**
   * connect(2) of socket {@code fd} to the address {@code sockaddr} (bytes in this process's
   * memory), without blocking: a blocking socket is made non-blocking for the call and restored
   * (a TCP connect then answers EINPROGRESS and goes on in the kernel). Returns 0 or -errno.
   */
  public int connect(int fd, byte[] sockaddr) {
    int flags = LibC.fcntl(fd, F_GETFL, 0);
    boolean toggle = flags >= 0 && (flags & O_NONBLOCK) == 0;
    if (toggle) {
      LibC.fcntl(fd, F_SETFL, flags | O_NONBLOCK);
    }
    name.write(0, sockaddr, 0, sockaddr.length);
    int rc = LibC.connect(fd, name, sockaddr.length);
    int err = rc < 0 ? Linux.errno() : 0;
    if (toggle) {
      LibC.fcntl(fd, F_SETFL, flags);
    }
    errno = err;
    return rc < 0 ? -err : 0;
  }

  /**
   * Gathers the tracee's buffers ({@code bases[i]}, {@code lengths[i]}) into the send buffer with
   * one process_vm_readv; returns the byte count, or -errno (-EFAULT when a buffer is unreadable,
   * -EMSGSIZE past {@link #SEND_BUFFER_SIZE}).
   */
  public long gather(int pid, long[] bases, long[] lengths) {
    long total = 0;
    int n = Math.min(bases.length, 1024);
    for (int i = 0; i < n; i++) {
      if (lengths[i] < 0 || (total += lengths[i]) > SEND_BUFFER_SIZE) {
        return -Errno.EMSGSIZE;
      }
      remoteIovecs.setLong(16L * i, bases[i]);
      remoteIovecs.setLong(16L * i + 8, lengths[i]);
    }
    if (total == 0) {
      return 0;
    }
    iovecs.setPointer(0, sendBuffer);
    iovecs.setLong(8, total);
    long got = check(LibC.process_vm_readv(pid, iovecs, 1, remoteIovecs, n, 0));
    return got == total ? total : -Errno.EFAULT;
  }

  /**
   * sendmsg(2) on socket {@code fd} of the first {@code length} bytes of the send buffer to {@code
   * sockaddr} (null: the socket's peer), with ancillary data {@code control} (may be null) and {@code flags} | MSG_NOSIGNAL |
   * MSG_DONTWAIT (never block the tracer thread; a broken pipe is the caller's to signal). Returns
   * the count sent or -errno.
   */
  public long sendmsg(int fd, byte[] sockaddr, long length, byte[] control, int flags) {
    iovecs.setPointer(0, sendBuffer);
    iovecs.setLong(8, length);
    msghdr.clear();
    if (sockaddr != null) {
      name.write(0, sockaddr, 0, sockaddr.length);
      msghdr.setPointer(0, name);
      msghdr.setInt(8, sockaddr.length);
    }
    msghdr.setPointer(16, iovecs);
    msghdr.setLong(24, 1);
    if (control != null && control.length > 0) {
      controlBuffer.write(0, control, 0, Math.min(control.length, (int) controlBuffer.size()));
      msghdr.setPointer(32, controlBuffer);
      msghdr.setLong(40, Math.min(control.length, (int) controlBuffer.size()));
    }
    long rc = LibC.sendmsg(fd, msghdr, flags | Ptrace.MSG_NOSIGNAL | Ptrace.MSG_DONTWAIT);
    if (rc < 0) {
      errno = Linux.errno();
      return -errno;
    }
    return rc;
  }

  /** Waits up to {@code millis} for socket {@code fd} to take more data (poll POLLOUT). */
  public boolean waitWritable(int fd, int millis) {
    pollFd.setInt(0, fd);
    pollFd.setShort(4, (short) POLLOUT);
    pollFd.setShort(6, (short) 0);
    return LibC.poll(pollFd, 1, millis) > 0;
  }

  /** The largest payload {@link #gather} takes: more than any datagram the kernel accepts by default. */
  public static final int SEND_BUFFER_SIZE = 256 * 1024;

  private int sockopt(int fd, int option) {
    intLen[0] = 4;
    intOut[0] = -1;
    if (LibC.getsockopt(fd, SOL_SOCKET, option, intOut, intLen) != 0) {
      errno = Linux.errno();
      return -1;
    }
    return intOut[0];
  }
}
