package dev.plumbline.trace.ptrace;

import static dev.plumbline.linux.Ptrace.READ_IMPLIES_EXEC;

import dev.plumbline.linux.PathHandles;
import dev.plumbline.linux.TracerCalls;
import dev.plumbline.trace.TraceEvent;
import dev.plumbline.trace.decode.Abi;
import dev.plumbline.trace.decode.ProcMaps;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Code a process runs without an exec: every file it maps executable. The filter stops an
 * {@code mmap} only when it asks for PROT_EXEC and is not anonymous (JIT memory never stops), and
 * an {@code mprotect} only when it adds PROT_EXEC; at an exec the kernel has mapped the ELF
 * interpreter itself, which the process's maps show. Each becomes a {@link TraceEvent.Mapped}
 * naming how to reach the very file, so the listener can pin it while the task is stopped. See
 * docs/tracer.md, "Libraries and other code mapped executable".
 */
final class LibraryStops {
  static final int PROT_EXEC = 0x4;
  static final int MAP_ANONYMOUS = 0x20;

  private final TracerCalls calls;
  private final String proc;
  private final Reporter out;
  private final TraceePaths paths;
  /**
   * When a 64-bit program's exec can have READ_IMPLIES_EXEC: at the first exec (the build's first
   * process inherits the agent's personality) and from the first process found with it on (aarch64
   * keeps it across a 64-bit exec, so that process's children can inherit it).
   */
  private boolean execSeen;
  private boolean readImpliesExecSeen;

  LibraryStops(TracerCalls calls, String proc, Reporter out) {
    this.calls = calls;
    this.proc = proc;
    this.out = out;
    this.paths = new TraceePaths(calls, proc);
  }

  /**
   * An executable file mapping about to be made: the descriptor is read now (its path for the
   * record; the listener opens {@code /proc/TID/fd/N} for the inode). An mmap the kernel then
   * refuses is still listed (an attempt, like a failed unlink).
   */
  boolean mmap(Call call) {
    long prot = call.arg(2);
    long flags = call.arg(3);
    long fd = call.arg(4);
    if (call.abi() == Abi.I386 && call.syscall() == SyscallTable.MMAP) {
      // old_mmap(struct mmap_arg_struct *): six 32-bit words in memory
      byte[] words = calls.readMemory(call.tid(), call.arg(0), 24);
      if (words == null || words.length < 24) {
        out.flagOnce("old_mmap:" + out.image(call.tid()), call.tid(), out.image(call.tid())
            + " made an i386 mmap whose arguments could not be read: a file it mapped executable may be missing");
        return false;
      }
      ByteBuffer b = ByteBuffer.wrap(words).order(ByteOrder.LITTLE_ENDIAN);
      prot = b.getInt(8) & 0xffffffffL;
      flags = b.getInt(12) & 0xffffffffL;
      fd = b.getInt(16);
    }
    if ((prot & PROT_EXEC) == 0 || (flags & MAP_ANONYMOUS) != 0 || (int) fd < 0) {
      return false;
    }
    int n = (int) fd;
    String path = calls.readlink(proc + "/" + call.tid() + "/fd/" + n);
    if (path == null) {
      return false; // no such descriptor: the kernel fails the call with EBADF
    }
    out.emit(new TraceEvent.Mapped(Instant.now(), call.tid(), path, "mmap", n, 0));
    return false;
  }

  /**
   * PROT_EXEC added to existing memory: the file mappings in the range that were not executable
   * yet (those that were are known from when they became so; anonymous memory is JIT code).
   */
  boolean mprotect(Call call) {
    long from = call.arg(0);
    long to = from + call.arg(1);
    byte[] maps = calls.readSmallFile(proc + "/" + call.tid() + "/maps");
    if (maps == null) {
      String image = out.image(call.tid());
      out.flagOnce("maps:" + image, call.tid(), image + " made memory executable and its mappings could not be"
          + " read: a file it ran may be missing");
      return false;
    }
    Set<String> seen = new HashSet<>();
    Boolean ownView = null; // asked once, and only when a file mapping is made executable
    for (ProcMaps.Mapping m : ProcMaps.parse(maps)) {
      if (m.fileBacked() && !m.executable() && m.overlaps(from, to) && seen.add(m.inode() + m.path())) {
        if (ownView == null) {
          ownView = !paths.sharesAgentView(call.tid());
        }
        out.emit(new TraceEvent.Mapped(Instant.now(), call.tid(), m.path(), "mprotect", -1, m.inode(), device(m),
            ownView));
      }
    }
    return false;
  }

  /**
   * The filter refuses READ_IMPLIES_EXEC, but a process can still have it after an exec: the kernel
   * sets it for an ia32 program without PT_GNU_STACK, and keeps one inherited from before the
   * trace except where an exec drops it (x86_64 does, for a 64-bit program). Its files mapped
   * readable are then executable without a stop: the record cannot list them.
   */
  private boolean readImpliesExec(int pid, String exe) {
    byte[] raw = calls.readShortEnded(proc + "/" + pid + "/personality");
    int persona;
    try {
      persona = raw == null ? 0 : Integer.parseUnsignedInt(new String(raw, StandardCharsets.US_ASCII).strip(), 16);
    } catch (NumberFormatException e) {
      persona = 0;
    }
    if ((persona & READ_IMPLIES_EXEC) != 0) {
      out.flagOnce("read-implies-exec:" + exe, pid, exe + " runs with the READ_IMPLIES_EXEC personality: code it"
          + " runs from files it maps readable is not in the record");
      return true;
    }
    return false;
  }

  /**
   * A 32-bit program (ia32, x32, aarch32) has nothing mapped at or above 4 GiB; a 64-bit one has
   * its stack there. Only a 32-bit program's exec can give it READ_IMPLIES_EXEC, and x86_64's exec
   * of a 64-bit program drops the flag, so the per-exec read of /proc/PID/personality is needed
   * for these alone (docs/tracer.md).
   */
  static boolean addressSpaceIs32Bit(List<ProcMaps.Mapping> mappings) {
    for (ProcMaps.Mapping m : mappings) {
      if (Long.compareUnsigned(m.end(), 1L << 32) > 0) {
        return false;
      }
    }
    return true;
  }

  /** The mapping's device as stat's st_dev encodes it: the hasher compares it with the file it opens by name. */
  private static long device(ProcMaps.Mapping m) {
    return PathHandles.makedev(m.major(), m.minor());
  }

  /**
   * After an exec: the executable file mappings the kernel made besides the program itself (the
   * ELF interpreter, {@code ld-linux-x86-64.so.2}); the program is the exec's own digest.
   */
  void exec(int pid, String exe, boolean ownView) {
    byte[] maps = calls.readSmallFile(proc + "/" + pid + "/maps");
    if (maps == null) {
      return; // the process is gone (killed at its exec stop): nothing ran
    }
    List<ProcMaps.Mapping> mappings = ProcMaps.parse(maps);
    if (!execSeen || readImpliesExecSeen || addressSpaceIs32Bit(mappings)) {
      readImpliesExecSeen |= readImpliesExec(pid, exe);
    }
    execSeen = true;
    Set<String> seen = new HashSet<>();
    for (ProcMaps.Mapping m : mappings) {
      if (m.fileBacked() && m.executable() && !m.path().equals(exe) && seen.add(m.inode() + m.path())) {
        out.emit(new TraceEvent.Mapped(Instant.now(), pid, m.path(), "interpreter", -1, m.inode(), device(m), ownView));
      }
    }
  }
}
