package dev.plumbline.trace.ptrace;

import static dev.plumbline.linux.Ptrace.AT_FDCWD;
import static dev.plumbline.linux.Ptrace.O_CREAT;
import static dev.plumbline.linux.Ptrace.O_RDWR;
import static dev.plumbline.linux.Ptrace.O_TRUNC;
import static dev.plumbline.linux.Ptrace.O_WRONLY;

import dev.plumbline.linux.PathHandles;
import dev.plumbline.linux.TracerCalls;
import dev.plumbline.trace.TraceEvent;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Instant;

/**
 * File changes under the working directory: the write-opens, creat, rename, unlink and truncate
 * stops. Renames, unlinks and truncates are attempts seen at syscall entry (a failed unlink is
 * still listed); opens are checked again at their exit stop against the descriptor they returned.
 */
final class FileStops {
  /** open(2) flags after which a file may have changed. */
  static final int WRITE_FLAGS = O_WRONLY | O_RDWR | O_CREAT | O_TRUNC;

  private final TracerCalls calls;
  private final String proc;
  private final Reporter out;
  private final Path workdir;
  /** The working directory by identity, for tasks that name it otherwise (TraceePaths.below). */
  private final PathHandles.FileStat workdirStat;
  private final TraceePaths paths;

  FileStops(TracerCalls calls, String proc, Reporter out, Path cwd) {
    this.calls = calls;
    this.proc = proc;
    this.out = out;
    this.paths = new TraceePaths(calls, proc);
    Path real;
    try {
      real = cwd.toRealPath();
    } catch (IOException e) {
      real = cwd.toAbsolutePath().normalize();
    }
    this.workdir = real;
    this.workdirStat = PathHandles.stat(real.toString());
  }

  /**
   * A write-open. The path is read at entry, but another thread may rewrite it before the kernel
   * copies it: so the event waits for the exit stop, where the descriptor the kernel returned says
   * which file was really opened (/proc/PID/fd/N). A failed open is recorded as the attempt seen.
   */
  boolean open(Call call, long dirfd, long pathPtr, long flagsArg) {
    int flags = (int) flagsArg;
    if ((flags & WRITE_FLAGS) == 0) {
      return false;
    }
    Path target = resolve(call, (int) dirfd, pathPtr);
    String op = null;
    if (target == null) {
      op = null;
    } else if ((flags & O_TRUNC) != 0 && Files.exists(target)) {
      op = "truncate";
    } else if ((flags & O_CREAT) != 0 && !Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
      op = "create";
    } else {
      op = "write";
    }
    String checkedOp = op;
    PendingExit pending = new PendingExit();
    pending.onExit = () -> opened(call, target, checkedOp, flags, pending);
    call.task().pendingExit = pending;
    return true;
  }

  private void opened(Call call, Path checked, String op, int flags, PendingExit pending) {
    if (!pending.isError && pending.rval >= 0) {
      String fd = proc + "/" + call.tgid() + "/fd/" + pending.rval;
      String link = calls.readlink(fd);
      Path real;
      if (paths.sharesAgentMounts(call.tid())) {
        // the kernel wrote the link as the agent names the file, whatever the task's root
        real = link != null && link.startsWith("/") ? inWorkdir(realPath(Path.of(link))) : null;
      } else {
        Placed placed = placeOpened(call, fd, link, checked);
        if (placed == null) {
          String image = out.image(call.tid());
          out.flagOnce("unplaced:" + image, call.tid(), image + " opened a file for writing in a mount namespace"
              + " of its own (or one the agent cannot read: an undumpable process) that could not be placed among"
              + " the sources or outside them: a change to the sources may be missing");
          if (checked != null) {
            out.emit(new TraceEvent.FileChanged(Instant.now(), call.tgid(), checked.toString(), op));
          }
          return;
        }
        real = placed.path();
        if (checked == null && real != null) {
          // a last component that is a symlink into the sources (not followed at entry): the file opened
          out.emit(new TraceEvent.FileChanged(Instant.now(), call.tgid(), real.toString(),
              (flags & O_TRUNC) != 0 ? "truncate" : "write"));
          return;
        }
      }
      if (!java.util.Objects.equals(real, checked)) {
        String image = out.image(call.tid());
        out.flagOnce("path-race:" + image, call.tid(), image + " opened another file than the path checked"
            + " at the call (another thread rewrote it): the record lists the file the kernel opened");
        if (real != null) {
          out.emit(new TraceEvent.FileChanged(Instant.now(), call.tgid(), real.toString(),
              (flags & O_TRUNC) != 0 ? "truncate" : "write"));
        }
        return;
      }
    }
    if (checked != null) {
      out.emit(new TraceEvent.FileChanged(Instant.now(), call.tgid(), checked.toString(), op));
    }
  }

  /** Where an opened file lies: {@code path} under the working directory, or null outside it. */
  private record Placed(Path path) {}

  /**
   * Where the file a task in another mount namespace opened (descriptor {@code fd}, which {@code
   * link} names in that namespace, from its top) lies; null when that cannot be told. The file
   * placed at entry ({@code checked}) when it is the very file opened (device and inode); else the
   * link read in the task's view and then in the agent's, a reading counting only when it reaches
   * the file opened (a task chroot'ed inside its namespace, or a file renamed meanwhile, fails
   * both). A file on another device than the working directory is not among the sources.
   */
  private Placed placeOpened(Call call, String fd, String link, Path checked) {
    PathHandles.FileStat opened = PathHandles.stat(fd);
    if (opened == null || workdirStat == null) {
      return null;
    }
    if (checked != null && opened.sameFile(PathHandles.stat(checked.toString()))) {
      return new Placed(checked);
    }
    if (link != null && link.startsWith("/")) {
      TraceePaths.Pinned own = paths.pin(call.tid(), call.tgid(), link);
      PathHandles.close(own.fd());
      if (opened.sameFile(own.stat())) {
        TraceePaths.Below below = paths.below(call.tid(), call.tgid(), AT_FDCWD, link, workdirStat);
        if (!below.noView()) {
          return new Placed(below.rel() == null ? null : workdir.resolve(below.rel()));
        }
      }
      if (opened.sameFile(PathHandles.stat(link))) {
        return new Placed(inWorkdir(realPath(Path.of(link))));
      }
    }
    return opened.dev() != workdirStat.dev() ? new Placed(null) : null;
  }

  /** openat2(dirfd, path, struct open_how *how, size): the flags are the struct's first u64. */
  boolean openat2(Call call) {
    byte[] how = calls.readMemory(call.tid(), call.arg(2), 8);
    if (how == null || how.length < 8) {
      return false;
    }
    long flags = ByteBuffer.wrap(how).order(ByteOrder.LITTLE_ENDIAN).getLong();
    return open(call, call.arg(0), call.arg(1), flags);
  }

  boolean rename(Call call, long fromDir, long from, long toDir, long to) {
    change(call, fromDir, from, "rename-from");
    change(call, toDir, to, "rename-to");
    return false;
  }

  boolean change(Call call, long dirfd, long pathPtr, String op) {
    Path target = resolve(call, (int) dirfd, pathPtr);
    if (target != null) {
      out.emit(new TraceEvent.FileChanged(Instant.now(), call.tgid(), target.toString(), op));
    }
    return false;
  }

  /**
   * The absolute, symlink-resolved path a call names, when it lies under the working directory;
   * null otherwise. Resolution follows symlinks so a link from /tmp into the sources is caught.
   * A task in a mount namespace of its own or under another root names files in its own view (the
   * sources bind-mounted elsewhere, a chroot into their parent, a pivot_root): its path is resolved
   * there only, never read in the agent's view (where it may name another file of the sources),
   * and placed by the working directory's device and inode.
   */
  private Path resolve(Call call, int dirfd, long pathPtr) {
    String p = calls.readString(call.tid(), pathPtr, 4096);
    if (p == null || p.isEmpty()) {
      return null;
    }
    if (!paths.sharesAgentView(call.tid())) {
      if (workdirStat == null) {
        return null;
      }
      TraceePaths.Below below = paths.below(call.tid(), call.tgid(), dirfd, p, workdirStat);
      if (below.noView()) {
        String image = out.image(call.tid());
        out.flagOnce("no-view:" + image, call.tid(), image + " changed files in a view the agent cannot open"
            + " (/proc/PID/root: a root or mount namespace of its own, or an undumpable process): changes to the"
            + " sources may be missing");
      }
      return below.rel() == null ? null : workdir.resolve(below.rel());
    }
    Path path;
    if (p.startsWith("/")) {
      path = Path.of(p);
    } else {
      String base = dirfd == AT_FDCWD
          ? calls.readlink(proc + "/" + call.tid() + "/cwd")
          : calls.readlink(proc + "/" + call.tid() + "/fd/" + dirfd);
      if (base == null || !base.startsWith("/")) {
        return null;
      }
      path = Path.of(base).resolve(p);
    }
    return inWorkdir(realPath(path.normalize()));
  }

  /** {@code real} when it lies under the working directory, else null. */
  private Path inWorkdir(Path real) {
    return real.startsWith(workdir) ? real : null;
  }

  private static Path realPath(Path path) {
    try {
      return path.toRealPath();
    } catch (IOException | RuntimeException e) {
      Path parent = path.getParent();
      if (parent == null || path.getFileName() == null) {
        return path;
      }
      try {
        return parent.toRealPath().resolve(path.getFileName());
      } catch (IOException | RuntimeException e2) {
        return path;
      }
    }
  }
}
