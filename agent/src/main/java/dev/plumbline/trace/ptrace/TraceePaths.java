package dev.plumbline.trace.ptrace;

import static dev.plumbline.linux.Errno.ELOOP;
import static dev.plumbline.linux.Errno.ENOENT;
import static dev.plumbline.linux.Errno.ENOTDIR;
import static dev.plumbline.linux.Ptrace.AT_FDCWD;

import dev.plumbline.linux.PathHandles;
import dev.plumbline.linux.PathHandles.FileStat;
import dev.plumbline.linux.TracerCalls;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * Resolves a path the way a tracee's own call would, and pins the result as an O_PATH descriptor
 * in the agent: from the task's root ({@code /proc/TID/root}, which is also its mount namespace)
 * or its working directory ({@code /proc/TID/cwd}), one component at a time, symlinks read and
 * spliced in (an absolute target restarts at the task's root, {@code ..} stops there), procfs's
 * {@code self}/{@code thread-self} read as the task itself and its magic links ({@code
 * /proc/N/cwd}, {@code fd/N}) followed by the kernel. Only descriptors are walked, so a directory
 * renamed meanwhile cannot send the walk into the agent's own view.
 *
 * <p>What the kernel then reaches through {@code /proc/self/fd/N} of the result is the file that
 * was checked, whatever the path names by then (docs/tracer.md, "--deny-unix by identity").
 */
final class TraceePaths {
  private static final int MAX_LINKS = 40; // the kernel's limit (ELOOP)

  private final TracerCalls calls;
  private final String proc;
  private FileStat procStat;
  /** The agent's own mount namespace and root: it never changes them, so read once. */
  private String agentMountNs;
  private FileStat agentRoot;

  TraceePaths(TracerCalls calls, String proc) {
    this.calls = calls;
    this.proc = proc;
  }

  /**
   * A pinned file: close {@code fd} with {@link PathHandles#close}. {@code noView}: the task's root
   * or working directory could not be opened (a process that made itself undumpable refuses a
   * non-root agent /proc/TID/root), so nothing is known of what the path names for it.
   */
  record Pinned(int fd, FileStat stat, boolean noView) {
    Pinned(int fd, FileStat stat) {
      this(fd, stat, false);
    }
  }

  /** The file {@code path} names for task {@code tid}, or {@code -errno} in {@code fd} (stat null). */
  Pinned pin(int tid, int tgid, String path) {
    return pin(tid, tgid, AT_FDCWD, path);
  }

  /**
   * The file {@code path} names for task {@code tid} in a call taking directory descriptor {@code
   * dirfd} (openat's): a relative path starts at that directory ({@code /proc/TID/fd/N}, followed
   * by the kernel, so a directory opened before a chroot or in another mount namespace is the one
   * the task holds), or at its working directory for {@code AT_FDCWD}.
   */
  Pinned pin(int tid, int tgid, int dirfd, String path) {
    if (path.isEmpty()) {
      return new Pinned(-ENOENT, null);
    }
    int root = PathHandles.open(proc + "/" + tid + "/root");
    if (root < 0) {
      return new Pinned(root, null, true);
    }
    try {
      FileStat rootStat = PathHandles.stat(root);
      int cur = path.startsWith("/") ? PathHandles.openAt(root, ".", false)
          : PathHandles.open(proc + "/" + tid + (dirfd == AT_FDCWD ? "/cwd" : "/fd/" + dirfd));
      if (cur < 0) {
        // no such descriptor: the call fails (EBADF); only the task's own cwd or fd table unreadable is no view
        boolean noView = dirfd == AT_FDCWD || path.startsWith("/") || cur != -ENOENT;
        return new Pinned(cur, null, noView);
      }
      Deque<String> parts = new ArrayDeque<>();
      push(parts, path);
      int links = 0;
      while (!parts.isEmpty()) {
        String c = parts.pop();
        if (c.isEmpty() || c.equals(".")) {
          continue;
        }
        if (c.equals("..")) {
          FileStat here = PathHandles.stat(cur);
          if (here != null && here.samePlace(rootStat)) {
            continue; // ".." of the task's root is its root
          }
          cur = step(cur, PathHandles.openAt(cur, "..", false));
          if (cur < 0) {
            return new Pinned(cur, null);
          }
          continue;
        }
        int next = PathHandles.openAt(cur, c, false);
        if (next < 0) {
          PathHandles.close(cur);
          return new Pinned(next, null);
        }
        FileStat st = PathHandles.stat(next);
        if (st == null || !st.isSymlink()) {
          cur = step(cur, next);
          continue;
        }
        if (++links > MAX_LINKS) {
          PathHandles.close(next);
          PathHandles.close(cur);
          return new Pinned(-ELOOP, null);
        }
        if (PathHandles.onProcfs(cur)) {
          PathHandles.close(next);
          boolean selfLink = c.equals("self") || c.equals("thread-self");
          if (selfLink) {
            // read as the agent, "self" would be the agent: the task's own ids instead
            String self = ownPid(cur, tid, c.equals("thread-self"));
            if (self == null) {
              PathHandles.close(cur);
              return new Pinned(-ENOENT, null);
            }
            push(parts, self);
          } else {
            // a magic link (/proc/N/cwd, root, fd/N, exe): the kernel jumps to the object itself
            cur = step(cur, PathHandles.openAt(cur, c, true));
            if (cur < 0) {
              return new Pinned(cur, null);
            }
          }
          continue;
        }
        String target = PathHandles.readLink(next);
        PathHandles.close(next);
        if (target == null || target.isEmpty()) {
          PathHandles.close(cur);
          return new Pinned(-ENOENT, null);
        }
        if (target.startsWith("/")) {
          cur = step(cur, PathHandles.openAt(root, ".", false));
          if (cur < 0) {
            return new Pinned(cur, null);
          }
        }
        push(parts, target);
      }
      FileStat st = PathHandles.stat(cur);
      if (st == null || (path.endsWith("/") && !st.isDirectory())) {
        PathHandles.close(cur);
        return new Pinned(st == null ? -ENOENT : -ENOTDIR, null);
      }
      return new Pinned(cur, st);
    } finally {
      PathHandles.close(root);
    }
  }

  /**
   * Whether task {@code tid} names files as the agent does: same mount namespace, same root. A
   * task that made a mount namespace of its own (unshare -m, a bind mount of the sources
   * elsewhere), chroot'ed or pivot_root'ed does not: its paths must be resolved in its view
   * ({@link #below}), never read in the agent's (in a chroot, the agent's reading of a path may name
   * another file of the sources). False when its namespace or root cannot be read.
   */
  boolean sharesAgentView(int tid) {
    if (!sharesAgentMounts(tid)) {
      return false;
    }
    FileStat root = PathHandles.stat(proc + "/" + tid + "/root");
    return root != null && agentRoot != null && root.samePlace(agentRoot);
  }

  /**
   * Whether task {@code tid} is in the agent's mount namespace: then the paths /proc/TID/fd/N,
   * cwd and exe say are the agent's names for those files, whatever the task's root (the kernel
   * writes them as seen from the reader's root); in another namespace they are names in that
   * namespace, from its top and not the task's root. False when it cannot be read.
   */
  boolean sharesAgentMounts(int tid) {
    if (agentMountNs == null) {
      agentMountNs = calls.readlink(proc + "/self/ns/mnt");
      agentRoot = PathHandles.stat("/");
    }
    String its = calls.readlink(proc + "/" + tid + "/ns/mnt");
    return agentMountNs != null && agentMountNs.equals(its);
  }

  /**
   * Where a path lies below a directory ({@link #below}): {@code rel}, the path relative to it (""
   * for the directory itself), or null when it does not lie below it or does not resolve; {@code
   * noView} when the task's root or working directory could not be opened, so nothing is known.
   */
  record Below(String rel, boolean noView) {
    static final Below NOT = new Below(null, false);
  }

  /**
   * Where {@code path}, as task {@code tid} names it in a call with directory descriptor {@code
   * dirfd} ({@code AT_FDCWD} for its working directory), lies below directory {@code dir}, which is
   * known by device and inode: so whatever name the task's mount namespace or root gives that
   * directory (a bind mount of it elsewhere, a chroot into it or into its parent). The parent is
   * resolved in the task's view and walked up by ".." (what the kernel's own walk does, across the
   * task's mounts) until {@code dir} or the top; the last component is not followed.
   */
  Below below(int tid, int tgid, int dirfd, String path, FileStat dir) {
    String trimmed = path.replaceAll("/+$", "");
    int slash = trimmed.lastIndexOf('/');
    String parent = slash < 0 ? "." : slash == 0 ? "/" : trimmed.substring(0, slash);
    String name = trimmed.substring(slash + 1);
    if (name.equals("..") || name.equals(".")) {
      parent = trimmed.isEmpty() ? "/" : trimmed;
      name = "";
    }
    Pinned start = pin(tid, tgid, dirfd, parent);
    if (start.stat() == null) {
      return start.noView() ? new Below(null, true) : Below.NOT;
    }
    int cur = start.fd();
    try {
      // the names of the ancestors, as the kernel's d_path walks the same chain ".." climbs
      String where = calls.readlink(proc + "/self/fd/" + cur);
      if (where == null || !where.startsWith("/")) {
        return Below.NOT;
      }
      String[] names = where.equals("/") ? new String[0] : where.substring(1).split("/");
      FileStat st = start.stat();
      for (int up = 0; up <= names.length; up++) {
        if (st.sameFile(dir)) {
          StringBuilder rel = new StringBuilder();
          for (int i = names.length - up; i < names.length; i++) {
            rel.append(names[i]).append('/');
          }
          return new Below(rel.append(name).toString().replaceAll("/+$", ""), false);
        }
        int next = PathHandles.openAt(cur, "..", false);
        FileStat ns = next >= 0 ? PathHandles.stat(next) : null;
        if (ns == null || ns.samePlace(st)) {
          PathHandles.close(next);
          return Below.NOT; // the top of the task's tree
        }
        cur = step(cur, next);
        st = ns;
      }
      return Below.NOT;
    } finally {
      PathHandles.close(cur);
    }
  }

  /** Replaces descriptor {@code cur} by {@code next} (closing it); a failed {@code next} is returned as is. */
  private static int step(int cur, int next) {
    PathHandles.close(cur);
    return next;
  }

  /** Puts the components of {@code path} in front of those still to walk. */
  private static void push(Deque<String> parts, String path) {
    String[] p = path.split("/", -1);
    for (int i = p.length - 1; i >= 0; i--) {
      parts.push(p[i]);
    }
  }

  /**
   * What procfs's "self" (or "thread-self": "PID/task/TID") is for the task: its ids in the pid
   * namespace of that procfs: ours when it is the agent's procfs, else the innermost (a build that
   * made a pid namespace mounts a procfs for it).
   */
  private String ownPid(int procDir, int tid, boolean thread) {
    String[] ns = namespacedIds(tid);
    if (ns == null) {
      return null;
    }
    FileStat here = PathHandles.stat(procDir);
    if (procStat == null) {
      int fd = PathHandles.open(proc);
      procStat = fd >= 0 ? PathHandles.stat(fd) : null;
      PathHandles.close(fd);
    }
    boolean ours = here != null && procStat != null && here.dev() == procStat.dev();
    String[] tgids = ns[0].split("\\s+");
    String[] tids = ns[1].split("\\s+");
    String g = ours ? tgids[0] : tgids[tgids.length - 1];
    String t = ours ? tids[0] : tids[tids.length - 1];
    return thread ? g + "/task/" + t : g;
  }

  /** The NStgid and NSpid lines of /proc/TID/status (outermost first); null when unreadable. */
  private String[] namespacedIds(int tid) {
    byte[] raw = calls.readSmallFile(proc + "/" + tid + "/status");
    if (raw == null) {
      return null;
    }
    String tgid = null;
    String pid = null;
    for (String line : new String(raw, StandardCharsets.UTF_8).split("\n")) {
      if (line.startsWith("NStgid:")) {
        tgid = line.substring(7).strip();
      } else if (line.startsWith("NSpid:")) {
        pid = line.substring(6).strip();
      }
    }
    return tgid == null || pid == null ? null : new String[] {tgid, pid};
  }
}
