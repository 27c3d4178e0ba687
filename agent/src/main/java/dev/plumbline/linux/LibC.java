package dev.plumbline.linux;

import com.sun.jna.Native;
import com.sun.jna.Pointer;

/**
 * The libc functions the tracer needs, bound with JNA direct mapping: on the tracer's hot path a
 * direct call costs well under a microsecond, against several for an interface proxy. Errno is
 * read with {@link Native#getLastError()} right after a call, on the same thread.
 *
 * <p>Only reach this class through {@link Linux#libc()}, which turns a missing library or symbol into
 * a {@link NativeUnavailableException} with one line to show.
 */
final class LibC {
  static {
    Native.register(LibC.class, NativeLibraries.get("c"));
  }

  private LibC() {}

  static void load() {}

  // process creation and waiting
  static native int posix_spawn(int[] pid, String path, Pointer fileActions, Pointer attr, Pointer argv, Pointer envp);

  static native int posix_spawnattr_init(Pointer attr);

  static native int posix_spawnattr_destroy(Pointer attr);

  static native int posix_spawnattr_setflags(Pointer attr, short flags);

  static native int posix_spawnattr_setsigmask(Pointer attr, Pointer sigset);

  static native int posix_spawn_file_actions_init(Pointer actions);

  static native int posix_spawn_file_actions_destroy(Pointer actions);

  static native int posix_spawn_file_actions_addclose(Pointer actions, int fd);

  static native int waitpid(int pid, int[] status, int options);

  /** The tracer's loop: the status into its own native buffer (an int[] is copied in and out, malloc'd, per call). */
  static native int waitpid(int pid, Pointer status, int options);

  // ptrace is variadic in glibc; on x86_64 and aarch64 Linux integer varargs travel like fixed ones
  static native long ptrace(long request, int pid, long addr, long data);

  static native long process_vm_readv(int pid, Pointer localIov, long liovcnt, Pointer remoteIov, long riovcnt, long flags);

  static native long process_vm_writev(int pid, Pointer localIov, long liovcnt, Pointer remoteIov, long riovcnt, long flags);

  // signals
  static native int kill(int pid, int sig);

  // raw syscalls without a glibc wrapper (pidfd_open, pidfd_getfd); variadic, see ptrace
  static native long syscall(long number, long a1, long a2, long a3, long a4, long a5, long a6);

  // files and sockets
  static native int open(String path, int flags, int mode);

  static native long read(int fd, Pointer buf, long count);

  static native long pread(int fd, byte[] buf, long count, long offset);

  static native long pwrite(int fd, byte[] buf, long count, long offset);

  static native int close(int fd);

  static native int openat(int dirfd, String path, int flags, int mode);

  static native long readlinkat(int dirfd, String path, Pointer buf, long size);

  static native int fstatfs(int fd, Pointer buf);

  // a file mapped in the agent's own memory, only to see how /proc/self/maps names it (PathHandles)
  static native long mmap(long addr, long length, int prot, int flags, int fd, long offset);

  static native int munmap(long addr, long length);

  static native long readlink(String path, Pointer buf, long size);

  // the tracer's per-stop calls take paths it encoded into its own native buffer: a String argument
  // costs an up-call from native code into String.getBytes, a malloc and a free per call
  static native int open(Pointer path, int flags, int mode);

  static native long readlink(Pointer path, Pointer buf, long size);

  static native int getsockopt(int fd, int level, int optname, int[] optval, int[] optlen);

  static native int getsockopt(int fd, int level, int optname, Pointer optval, int[] optlen);

  static native int shutdown(int fd, int how);

  static native int setsockopt(int fd, int level, int optname, Pointer optval, int optlen);

  static native int getsockname(int fd, Pointer addr, int[] addrlen);

  static native int getpeername(int fd, Pointer addr, int[] addrlen);

  static native int connect(int fd, Pointer addr, int addrlen);

  static native long sendmsg(int fd, Pointer msghdr, int flags);

  // fcntl is variadic; F_GETFL/F_SETFL take an int, which travels like a fixed argument here
  static native int fcntl(int fd, int cmd, long arg);

  static native int poll(Pointer fds, long nfds, int timeout);

  static native int prctl(int option, long arg2, long arg3, long arg4, long arg5);

  static native int getpid();

  static native int setpriority(int which, int who, int prio);

  static native int geteuid();

  static native int getpgrp();

  static native int mount(String source, String target, String fstype, long flags, Pointer data);

  static native int umount2(String target, int flags);

  static native int isatty(int fd);

  static native int tcgetpgrp(int fd);

  static native Pointer strerror(int errnum);
}
