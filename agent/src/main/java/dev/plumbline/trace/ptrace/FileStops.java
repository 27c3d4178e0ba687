package dev.plumbline.trace.ptrace;

import static dev.plumbline.linux.Ptrace.AT_FDCWD;
import static dev.plumbline.linux.Ptrace.O_CREAT;
import static dev.plumbline.linux.Ptrace.O_RDWR;
import static dev.plumbline.linux.Ptrace.O_TRUNC;
import static dev.plumbline.linux.Ptrace.O_WRONLY;

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
 * stops. These are attempts seen at syscall entry (a failed unlink is still listed). Every handler
 * returns false: no exit stop is needed.
 */
final class FileStops {
  /** open(2) flags after which a file may have changed. */
  static final int WRITE_FLAGS = O_WRONLY | O_RDWR | O_CREAT | O_TRUNC;

  private final TracerCalls calls;
  private final String proc;
  private final Reporter out;
  private final Path workdir;

  FileStops(TracerCalls calls, String proc, Reporter out, Path cwd) {
    this.calls = calls;
    this.proc = proc;
    this.out = out;
    Path real;
    try {
      real = cwd.toRealPath();
    } catch (IOException e) {
      real = cwd.toAbsolutePath().normalize();
    }
    this.workdir = real;
  }

  boolean open(Call call, long dirfd, long pathPtr, long flagsArg) {
    int flags = (int) flagsArg;
    if ((flags & WRITE_FLAGS) == 0) {
      return false;
    }
    Path target = resolve(call, (int) dirfd, pathPtr);
    if (target == null) {
      return false;
    }
    String op;
    if ((flags & O_TRUNC) != 0 && Files.exists(target)) {
      op = "truncate";
    } else if ((flags & O_CREAT) != 0 && !Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
      op = "create";
    } else {
      op = "write";
    }
    out.emit(new TraceEvent.FileChanged(Instant.now(), call.tgid(), target.toString(), op));
    return false;
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
   */
  private Path resolve(Call call, int dirfd, long pathPtr) {
    String p = calls.readString(call.tid(), pathPtr, 4096);
    if (p == null || p.isEmpty()) {
      return null;
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
    path = path.normalize();
    Path real = realPath(path);
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
