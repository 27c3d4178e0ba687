package dev.plumbline.linux;

import com.sun.jna.Memory;
import com.sun.jna.Pointer;
import com.sun.jna.StringArray;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The system calls of one tracer thread, over native buffers allocated once. Not thread-safe by
 * design: ptrace requests are only valid from the thread that seized the tracee, so one instance
 * lives on that thread. Failing calls return -1 (or null) and leave the errno in {@link #errno()}.
 */
public final class TracerCalls {
  private static final int REGS_SIZE = new Structs.UserRegsX8664().size();
  private static final int INFO_SIZE = new Structs.PtraceSyscallInfo().size();
  private static final int INFO_OP = Structs.PtraceSyscallInfo.offsetOf("op");
  private static final int INFO_ARCH = Structs.PtraceSyscallInfo.offsetOf("arch");
  private static final int INFO_NR = Structs.PtraceSyscallInfo.offsetOf("nr");
  private static final int INFO_ARGS = Structs.PtraceSyscallInfo.offsetOf("args");

  private final Memory regs = new Memory(REGS_SIZE);
  private final Memory savedRegs = new Memory(REGS_SIZE);
  private final Memory info = new Memory(INFO_SIZE);
  private final Memory eventMsg = new Memory(8);
  private final Memory iovecs = new Memory(32);
  private final Memory buffer = new Memory(64 * 1024);
  /** A path argument, NUL-terminated (see {@link #path}). */
  private final Memory pathBuffer = new Memory(4096);
  private final Memory status = new Memory(4);
  private int lastStatus;
  private int errno;

  public TracerCalls() throws NativeUnavailableException {
    Linux.requireLibc();
  }

  public int errno() {
    return errno;
  }

  private boolean accessRefused;

  /**
   * Whether a read of a tracee's memory, or of its /proc files (readlink of fd/N, cwd, exe, ns/mnt;
   * maps), was refused (EPERM, EACCES) since the last call: the task is undumpable to this tracer
   * (one that is not root), so what its calls point at and the files they name cannot be seen.
   * Clears it. Only a failure sets it: nothing is added where the read succeeds.
   */
  public boolean takeAccessRefused() {
    boolean was = accessRefused;
    accessRefused = false;
    return was;
  }

  private void noteRefusal() {
    accessRefused |= errno == Errno.EPERM || errno == Errno.EACCES;
  }

  private long check(long rc) {
    if (rc < 0) {
      errno = Linux.errno();
    }
    return rc;
  }

  // ---- launching

  /**
   * posix_spawn with the thread's signal mask cleared (JVM threads block some signals) and every
   * descriptor above 2 but {@code keep} closed in the child: the JVM's jar, sockets and pipes (the
   * egress resolver, a signing key's FIFO) must not leak into the build, while the user's own
   * inherited descriptors (a make jobserver) pass through. Returns the pid, or -1 with the errno.
   */
  public int spawn(String path, List<String> argv, List<String> envp, List<Integer> keep) {
    try (Memory attr = new Memory(1024);
        Memory actions = new Memory(1024);
        Memory sigset = new Memory(128)) {
      attr.clear();
      actions.clear();
      sigset.clear();
      LibC.posix_spawnattr_init(attr);
      LibC.posix_spawnattr_setflags(attr, (short) Ptrace.POSIX_SPAWN_SETSIGMASK);
      LibC.posix_spawnattr_setsigmask(attr, sigset);
      LibC.posix_spawn_file_actions_init(actions);
      try {
        int rc = closeAllBut(actions, keep);
        if (rc != 0) {
          errno = rc;
          return -1;
        }
        StringArray args = new StringArray(argv.toArray(new String[0]), "UTF-8");
        StringArray env = new StringArray(envp.toArray(new String[0]), "UTF-8");
        int[] pid = new int[1];
        rc = LibC.posix_spawn(pid, path, actions, attr, args, env);
        if (rc != 0) {
          errno = rc;
          return -1;
        }
        return pid[0];
      } finally {
        LibC.posix_spawn_file_actions_destroy(actions);
        LibC.posix_spawnattr_destroy(attr);
      }
    }
  }

  /**
   * Closes every descriptor above 2 except {@code keep} in the child. With
   * posix_spawn_file_actions_addclosefrom_np (glibc 2.34+): one close per number from 3 up to the
   * highest kept one (glibc ignores closing a descriptor that is not open), then closefrom above
   * it — decided in the child, so a descriptor another JVM thread opens meanwhile cannot slip
   * through. Without it: one close per descriptor open now (from /proc/self/fd).
   */
  private static int closeAllBut(Pointer actions, List<Integer> keep) {
    java.util.Set<Integer> kept = new java.util.HashSet<>(keep);
    int highest = 2;
    for (int fd : kept) {
      highest = Math.max(highest, fd);
    }
    try {
      com.sun.jna.Function closefrom =
          NativeLibraries.get("c").getFunction("posix_spawn_file_actions_addclosefrom_np");
      for (int fd = 3; fd < highest; fd++) {
        if (!kept.contains(fd)) {
          LibC.posix_spawn_file_actions_addclose(actions, fd);
        }
      }
      return closefrom.invokeInt(new Object[] {actions, highest + 1});
    } catch (UnsatisfiedLinkError e) {
      java.io.File[] fds = new java.io.File("/proc/self/fd").listFiles();
      if (fds == null) {
        return Errno.ENOSYS; // no way to keep descriptors from leaking
      }
      for (java.io.File f : fds) {
        int fd = Integer.parseInt(f.getName());
        if (fd > 2 && !kept.contains(fd)) {
          LibC.posix_spawn_file_actions_addclose(actions, fd);
        }
      }
      return 0;
    }
  }


  // ---- waiting

  /** waitpid(pid, options); returns the pid or -1, the status in {@link #status()}. */
  public int waitpid(int pid, int options) {
    int rc = LibC.waitpid(pid, status, options);
    if (rc < 0) {
      errno = Linux.errno();
    }
    if (rc > 0) {
      lastStatus = status.getInt(0);
    }
    return rc;
  }

  public int status() {
    return lastStatus;
  }

  // ---- ptrace

  public long ptrace(int request, int pid, long addr, long data) {
    return check(LibC.ptrace(request, pid, addr, data));
  }

  public long seize(int pid, int options) {
    return ptrace(Ptrace.PTRACE_SEIZE, pid, 0, options);
  }

  public long cont(int pid, int signal) {
    return ptrace(Ptrace.PTRACE_CONT, pid, 0, signal);
  }

  public long syscall(int pid, int signal) {
    return ptrace(Ptrace.PTRACE_SYSCALL, pid, 0, signal);
  }

  public long listen(int pid) {
    return ptrace(Ptrace.PTRACE_LISTEN, pid, 0, 0);
  }

  /** PTRACE_GETEVENTMSG, or -1 on failure. */
  public long eventMessage(int pid) {
    if (ptrace(Ptrace.PTRACE_GETEVENTMSG, pid, 0, Pointer.nativeValue(eventMsg)) < 0) {
      return -1;
    }
    return eventMsg.getLong(0);
  }

  /** PTRACE_GET_SYSCALL_INFO into the internal buffer; returns the op or -1. */
  public int syscallInfo(int pid) {
    if (ptrace(Ptrace.PTRACE_GET_SYSCALL_INFO, pid, INFO_SIZE, Pointer.nativeValue(info)) < 0) {
      return -1;
    }
    return info.getByte(INFO_OP) & 0xff;
  }

  public int infoArch() {
    return info.getInt(INFO_ARCH);
  }

  public long infoNr() {
    return info.getLong(INFO_NR);
  }

  public long infoArg(int i) {
    return info.getLong(INFO_ARGS + 8L * i);
  }

  /** At an exit stop: the return value. */
  public long infoRval() {
    return info.getLong(INFO_NR);
  }

  /** At an exit stop: whether the return value is an error. */
  public boolean infoIsError() {
    return info.getByte(INFO_ARGS) != 0;
  }

  // ---- x86_64 registers

  public long getRegs(int pid) {
    return ptrace(Ptrace.PTRACE_GETREGS, pid, 0, Pointer.nativeValue(regs));
  }

  public long setRegs(int pid) {
    return ptrace(Ptrace.PTRACE_SETREGS, pid, 0, Pointer.nativeValue(regs));
  }

  public long reg(X8664Reg r) {
    return regs.getLong(r.offset);
  }

  public void setReg(X8664Reg r, long value) {
    regs.setLong(r.offset, value);
  }

  public void saveRegs() {
    savedRegs.write(0, regs.getByteArray(0, REGS_SIZE), 0, REGS_SIZE);
  }

  public void restoreRegs() {
    regs.write(0, savedRegs.getByteArray(0, REGS_SIZE), 0, REGS_SIZE);
  }

  /** Registers of x86_64 the tracer touches, at their offsets in user_regs_struct. */
  public enum X8664Reg {
    R8("r8"), R9("r9"), R10("r10"), RAX("rax"), RDX("rdx"), RSI("rsi"), RDI("rdi"),
    ORIG_RAX("orig_rax"), RIP("rip"), RSP("rsp");

    final int offset;

    X8664Reg(String field) {
      offset = Structs.UserRegsX8664.offsetOf(field);
    }
  }

  // ---- tracee memory

  /**
   * Reads up to {@code length} bytes at {@code address} of the tracee; may return fewer when the
   * range crosses into unmapped memory, null when nothing could be read.
   */
  public byte[] readMemory(int pid, long address, int length) {
    int n = Math.min(length, (int) buffer.size());
    if (n <= 0) {
      return new byte[0];
    }
    iovecs.setPointer(0, buffer);
    iovecs.setLong(8, n);
    iovecs.setLong(16, address);
    iovecs.setLong(24, n);
    long got = check(LibC.process_vm_readv(pid, iovecs, 1, iovecs.share(16), 1, 0));
    if (got < 0) {
      noteRefusal();
      return null;
    }
    return buffer.getByteArray(0, (int) got);
  }

  /**
   * Reads a NUL-terminated string (at most {@code max} bytes), page by page so a string ending
   * just before an unmapped page still reads. Null when unreadable.
   */
  public String readString(int pid, long address, int max) {
    if (address == 0) {
      return null;
    }
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    long at = address;
    while (out.size() < max) {
      int toPageEnd = (int) (4096 - (at & 4095));
      byte[] chunk = readMemory(pid, at, Math.min(toPageEnd, max - out.size()));
      if (chunk == null || chunk.length == 0) {
        return out.size() == 0 ? null : out.toString(StandardCharsets.UTF_8);
      }
      for (int i = 0; i < chunk.length; i++) {
        if (chunk[i] == 0) {
          out.write(chunk, 0, i);
          return out.toString(StandardCharsets.UTF_8);
        }
      }
      out.write(chunk, 0, chunk.length);
      at += chunk.length;
    }
    return out.toString(StandardCharsets.UTF_8);
  }

  /** Writes bytes into the tracee; returns the count written or -1. */
  public long writeMemory(int pid, long address, byte[] data) {
    buffer.write(0, data, 0, data.length);
    iovecs.setPointer(0, buffer);
    iovecs.setLong(8, data.length);
    iovecs.setLong(16, address);
    iovecs.setLong(24, data.length);
    return check(LibC.process_vm_writev(pid, iovecs, 1, iovecs.share(16), 1, 0));
  }

  // ---- /proc and descriptors

  /**
   * {@code path} encoded into {@link #pathBuffer}, or null when it does not fit (then the caller
   * passes the String and JNA converts it).
   */
  private Pointer path(String path) {
    byte[] bytes = path.getBytes(StandardCharsets.UTF_8);
    if (bytes.length >= pathBuffer.size()) {
      return null;
    }
    pathBuffer.write(0, bytes, 0, bytes.length);
    pathBuffer.setByte(bytes.length, (byte) 0);
    return pathBuffer;
  }

  /** readlink(2) of a path such as /proc/PID/exe; null when it fails. */
  public String readlink(String path) {
    Pointer p = path(path);
    long n = check(p != null ? LibC.readlink(p, buffer, buffer.size()) : LibC.readlink(path, buffer, buffer.size()));
    if (n < 0) {
      noteRefusal();
      return null;
    }
    return new String(buffer.getByteArray(0, (int) n), StandardCharsets.UTF_8);
  }

  /** The whole content of a small file such as /proc/PID/maps; null when unreadable. */
  public byte[] readSmallFile(String path) {
    return readFile(path, false);
  }

  /**
   * The whole content of a file whose read(2) returns less than asked only at its end, such as
   * /proc/PID/cmdline (the kernel copies the argument area until the count or the end): one read
   * instead of two when it fits the buffer. Not for seq_file files (maps, status), whose reads end
   * at the kernel's page-sized buffer. Null when unreadable.
   */
  public byte[] readShortEnded(String path) {
    return readFile(path, true);
  }

  /** Reads into the native buffer (one copy out at the end); past 64 KiB it grows a Java array. */
  private byte[] readFile(String path, boolean shortReadEnds) {
    Pointer p = path(path);
    int fd = p != null ? LibC.open(p, 0x80000 /* O_CLOEXEC */, 0) : LibC.open(path, 0x80000, 0);
    if (fd < 0) {
      errno = Linux.errno();
      noteRefusal();
      return null;
    }
    try {
      long size = buffer.size();
      long have = 0;
      while (have < size) {
        long n = check(LibC.read(fd, buffer.share(have), size - have));
        if (n < 0) {
          return null;
        }
        have += n;
        if (n == 0 || (shortReadEnds && have < size)) {
          return buffer.getByteArray(0, (int) have);
        }
      }
      java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
      out.write(buffer.getByteArray(0, (int) have), 0, (int) have);
      while (true) {
        long n = check(LibC.read(fd, buffer, size));
        if (n < 0) {
          return null;
        }
        if (n == 0) {
          return out.toByteArray();
        }
        out.write(buffer.getByteArray(0, (int) n), 0, (int) n);
      }
    } finally {
      LibC.close(fd);
    }
  }


}
