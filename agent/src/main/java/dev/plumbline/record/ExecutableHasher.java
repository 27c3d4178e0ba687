package dev.plumbline.record;

import dev.plumbline.linux.PathHandles;
import dev.plumbline.linux.PinnedFile;
import dev.plumbline.linux.Sha256Files;
import dev.plumbline.packages.FileDigests;
import dev.plumbline.trace.decode.ProcMaps;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;

/**
 * SHA-256 of what a process executes, read through {@code /proc/PID/exe} so that deleted,
 * replaced and fileless (memfd) binaries are hashed as they ran.
 *
 * <p>Call {@link #hashExecutable(int)} (or {@link #onExec}) on the tracer thread at the exec stop,
 * while the tracee is stopped: it reads the executable's identity there and then, and opens it
 * ({@code O_PATH}) when that identity was not hashed before, so a binary replaced or a process gone
 * a moment later cannot change the answer. The digest itself is computed on worker threads; the
 * returned future completes with the hex digest or exceptionally with a {@link HashException}.
 * Results are cached by (device, inode, size, mtime, ctime), so 2000 runs of {@code /bin/true} hash
 * it once and cost one statx each at the stop (no descriptor, no worker woken).
 *
 * <p>Scripts: for {@code #!} scripts /proc/PID/exe is the interpreter. {@link #hashScript} looks
 * at argv[1], or argv[2] when argv[1] is an option or not a script, resolves it against the
 * process's cwd and, when it is a regular file starting with {@code #!} and argv[0] is an
 * interpreter (a shell, python, perl, node, env, … or the program the {@code #!} line names),
 * hashes it too. That work
 * is all done on a worker (opening an argument named on the command line could block on a FIFO,
 * which must never stall the tracer thread).
 *
 * <p>Other digests: given the algorithms the package databases hold ({@code
 * DigestMatch.digestsToTake}: MD5 for dpkg), every file is digested in those too, in the same read,
 * and {@link #digestsTaken} offers them after the build while the file is unchanged, so that the
 * package digest check does not read every packaged file again (230 MB and ~1.1 s after the
 * xz-utils build on a loaded 2-core host). They are never part of the record.
 *
 * <p>Thread-safe. {@link #close()} stops the workers; futures still pending then fail.
 */
public final class ExecutableHasher implements AutoCloseable {

  /** Both digests for one exec, as {@link BuildRecorder#exec} takes them. */
  public record ExecHashes(CompletableFuture<String> sha256, CompletableFuture<BuildRecord.Script> script) {}


  private final Path procRoot;
  /** {@code procRoot} as a string ending in '/': the stop path builds "/proc/PID/exe" without Path objects. */
  private final String procPrefix;
  private final ExecutorService workers;
  private final boolean ownsWorkers;
  private final Map<PinnedFile.Identity, CompletableFuture<String>> cache = new ConcurrentHashMap<>();
  private final AtomicInteger hashed = new AtomicInteger();
  /** How the maps name a file of this identity mapped here ({@link #mapsShow}), once looked at. */
  private final Map<PinnedFile.Identity, MapsName> mapsName = new ConcurrentHashMap<>();
  /** Whether a process of the build may run as root (build-root): it can then re-point any name. */
  private volatile boolean buildMayBeRoot = true;
  /** The algorithms taken beside SHA-256, and sha256 itself; empty when there are none besides it. */
  private final Set<String> alsoTaking;
  /** Every digest taken of a file (SHA-256 included) by the identity it had while read; only when {@link #alsoTaking}. */
  private final Map<PinnedFile.Identity, Map<String, String>> taken = new ConcurrentHashMap<>();

  /** Hashes on two daemon worker threads of its own, reading {@code /proc}. */
  public ExecutableHasher() {
    this(Path.of("/proc"), Set.of());
  }

  /** Hashes on two daemon worker threads of its own, reading this procfs (e.g. one mounted for a pid namespace). */
  public ExecutableHasher(Path procRoot) {
    this(procRoot, Set.of());
  }

  /**
   * As {@link #ExecutableHasher(Path)}, also taking the digests {@code alsoTaking} (md5, sha1, ...)
   * of every file in the same read, for {@link #digestsTaken}.
   */
  public ExecutableHasher(Path procRoot, Set<String> alsoTaking) {
    this(procRoot, Executors.newFixedThreadPool(2, daemonThreads()), true, alsoTaking);
  }

  /** For tests and embedding: a /proc root and the workers to hash on (not shut down by close). */
  public ExecutableHasher(Path procRoot, ExecutorService workers) {
    this(procRoot, workers, false, Set.of());
  }

  /** For tests: as {@link #ExecutableHasher(Path, ExecutorService)}, also taking {@code alsoTaking}. */
  ExecutableHasher(Path procRoot, ExecutorService workers, Set<String> alsoTaking) {
    this(procRoot, workers, false, alsoTaking);
  }

  private ExecutableHasher(Path procRoot, ExecutorService workers, boolean ownsWorkers, Set<String> alsoTaking) {
    this.procRoot = Objects.requireNonNull(procRoot);
    this.procPrefix = procRoot.toString().endsWith("/") ? procRoot.toString() : procRoot + "/";
    this.workers = Objects.requireNonNull(workers);
    this.ownsWorkers = ownsWorkers;
    Set<String> also = new TreeSet<>(alsoTaking);
    also.remove("sha256");
    if (also.isEmpty()) {
      this.alsoTaking = Set.of();
    } else {
      also.add("sha256");
      this.alsoTaking = Set.copyOf(also);
    }
  }

  /**
   * Says whether a process of the build may run as root: in build-root mode, and in separate-user
   * mode where a root agent's filter leaves setuid programs (sudo) able to elevate. Only a build
   * that cannot be root cannot change what a name in directories of root's means. Until told, it may.
   */
  public void buildMayBeRoot(boolean mayBe) {
    buildMayBeRoot = mayBe;
  }

  /** Both futures for one exec: call at the exec stop with the new argv and the process's cwd. */
  public ExecHashes onExec(int pid, List<String> argv, String cwd) {
    return new ExecHashes(hashExecutable(pid), hashScript(pid, argv, cwd));
  }

  /**
   * An exec under a root or in a mount namespace of the build's own: the executable is hashed
   * through its descriptor as always, but no script is looked for, since the paths in its argv
   * name files in the build's view, and read in the agent's they may be another file (a benign
   * script at the name of the one that ran); docs/threat-model.md.
   */
  public ExecHashes onExecInOwnView(int pid) {
    return new ExecHashes(hashExecutable(pid), CompletableFuture.completedFuture(null));
  }

  /**
   * Identifies {@code /proc/PID/exe} now (a statx; when not seen before, it is also opened) and
   * hashes it later. Never throws: failures complete the
   * future exceptionally with a {@link HashException}.
   */
  public CompletableFuture<String> hashExecutable(int pid) {
    return hashOpened(procPrefix + pid + "/exe", "/proc/" + pid + "/exe");
  }

  /** Hashes a file by path (opened now, digested on a worker). */
  public CompletableFuture<String> hashFile(Path file) {
    return hashOpened(file.toString(), file.toString());
  }

  /**
   * A file pinned at the stop ({@link PinnedFile}): a path swapped after the stop does not change
   * what is hashed, and a file rewritten in place fails its digest.
   */
  static PinnedFile pin(Path path, String label) throws HashException {
    return pin(path.toString(), label);
  }

  static PinnedFile pin(String path, String label) throws HashException {
    try {
      return PinnedFile.pin(path);
    } catch (PinnedFile.PinException e) {
      throw e.getCause() == null ? new HashException("cannot open " + label, e.getMessage())
          : new HashException("cannot stat " + label, reason(e.getCause()));
    }
  }

  /**
   * A file a process mapped executable ({@code TraceEvent.Mapped}), pinned now, while the task is
   * stopped: through its descriptor {@code /proc/PID/fd/FD} when {@code fd >= 0} (the very file
   * mapped), else by {@code path} in the agent's view, which must be the file of the mapping:
   * device and inode both, as the process's maps show them. The name alone proves nothing: a
   * process in a mount namespace of its own names its own files, and one there can have any inode
   * number (a tmpfs hands them out in order). A file that is not the one mapped (replaced since, or
   * another file of that name) fails, naming it. {@code ownView}: the process has a root or mount
   * namespace of its own, where a pair the maps show for more than one file is not taken ({@link
   * MapsName}). Cached by identity like executables: the loader, mapped at every exec, costs one
   * statx per process and is hashed once.
   */
  public CompletableFuture<String> hashMapped(int pid, String path, int fd, long device, long inode, boolean ownView) {
    if (fd >= 0) {
      return hashOpened(procPrefix + pid + "/fd/" + fd, path);
    }
    PinnedFile.Identity seen = PinnedFile.Identity.of(path);
    if (seen != null && mappedAs(seen, device, inode, ownView)) {
      CompletableFuture<String> known = cache.get(seen);
      if (known != null) {
        return known; // the loader of every exec: hashed once
      }
    }
    PinnedFile pinned;
    try {
      pinned = pin(path, path);
    } catch (HashException | RuntimeException e) {
      return CompletableFuture.failedFuture(e instanceof HashException h ? h : new HashException("cannot open " + path, reason(e)));
    }
    if (!mappedAs(pinned.identity(), device, inode, ownView) && !mapsShow(pinned, path, device, inode, ownView)) {
      pinned.close();
      return CompletableFuture.failedFuture(new HashException("cannot read " + path,
          "the file at " + path + " is not the one that was mapped (replaced since, or the process's own file of that name)"));
    }
    return digestCached(pinned, path);
  }

  /**
   * How the kernel's maps name a file whose stat gives another device or inode: {@code device} and
   * {@code inode} as they show for a mapping of it. {@code unique}: no other file is shown so
   * (overlayfs on kernels that show the layer's file: the layer's own pair). Else the pair may be
   * another file's (btrfs shows the filesystem's device, stat the subvolume's, and inode numbers
   * repeat across subvolumes, which a user can create): {@code fixedName} then says whether every
   * directory above the name is root's and writable by no one else, so that a build that is not
   * root cannot make the name another file (rename, symlink) between the exec and the stop.
   */
  private record MapsName(long device, long inode, boolean unique, boolean fixedName) {}

  /**
   * Whether a file of this identity is the mapping's (device and inode): stat's own, or what the
   * kernel showed for it when it was mapped here ({@link #mapsShow}) where that pair is the file's
   * alone, or the process shares the agent's view, the build is not root and the name is fixed.
   */
  private boolean mappedAs(PinnedFile.Identity file, long device, long inode, boolean ownView) {
    if (file.device() == device && file.inode() == inode) {
      return true;
    }
    MapsName shown = mapsName.get(file);
    return shown != null && takes(shown, device, inode, ownView);
  }

  private boolean takes(MapsName shown, long device, long inode, boolean ownView) {
    return shown.device() == device && shown.inode() == inode
        && (shown.unique() || (!ownView && !buildMayBeRoot && shown.fixedName()));
  }

  /**
   * Maps the pinned file here, once per identity, to see the device and inode the kernel shows for
   * a mapping of that very file, and whether they are the process's mapping's ({@link MapsName}).
   * Only the kernel's word for this file counts, never a device taken from a mount table or a
   * layer's path. A tmpfs of the build's with the loader's inode number has its own device; a
   * process with a view of its own (its mount namespace, its root) can give any name any file, so
   * for it only a pair that names one file is taken: on btrfs the record then says the file was
   * not hashed.
   */
  private boolean mapsShow(PinnedFile pinned, String path, long device, long inode, boolean ownView) {
    MapsName shown = mapsName.get(pinned.identity());
    if (shown == null) {
      PinnedFile.Identity id = pinned.identity();
      shown = new MapsName(id.device(), id.inode(), true, false); // stat's: nothing else passes
      List<ProcMaps.Mapping> line = ProcMaps.parse(PathHandles.mapsLine(pinned.fd()));
      if (line.size() == 1 && line.get(0).inode() != 0) {
        ProcMaps.Mapping m = line.get(0);
        long shownDevice = PathHandles.makedev(m.major(), m.minor());
        if (shownDevice != id.device() || m.inode() != id.inode()) {
          boolean overlay = PathHandles.onOverlayfs(pinned.fd());
          shown = new MapsName(shownDevice, m.inode(), overlay, !overlay && nameFixed(path));
        }
      }
      if (mapsName.size() < 4096) { // a build maps a few dozen files by name; never grow without bound
        mapsName.put(id, shown);
      }
    }
    return takes(shown, device, inode, ownView);
  }

  /** Whether every directory above {@code path} is a directory of root's that no one else can write. */
  static boolean nameFixed(String path) {
    try {
      for (Path dir = Path.of(path).getParent(); dir != null; dir = dir.getParent()) {
        Map<String, Object> unix = Files.readAttributes(dir, "unix:uid,mode", LinkOption.NOFOLLOW_LINKS);
        int mode = (Integer) unix.get("mode");
        if ((Integer) unix.get("uid") != 0 || (mode & 0170000) != 0040000 || (mode & 0022) != 0) {
          return false;
        }
      }
      return Path.of(path).isAbsolute();
    } catch (IOException | RuntimeException e) {
      return false;
    }
  }

  /**
   * The digest already known (or under way) for the file {@code path} names now, found by its
   * identity alone: one statx through the path (a procfs magic link is followed to the very file),
   * no descriptor opened. The identity is what {@link #pin} would read; a file seen before is the
   * common case (2000 runs of /bin/true, libc in every process). Null when not known.
   */
  private CompletableFuture<String> known(String path) {
    PinnedFile.Identity identity = PinnedFile.Identity.of(path);
    return identity == null ? null : cache.get(identity);
  }

  private CompletableFuture<String> hashOpened(String path, String label) {
    CompletableFuture<String> known = known(path);
    if (known != null) {
      return known;
    }
    PinnedFile pinned;
    try {
      pinned = pin(path, label);
    } catch (HashException e) {
      return CompletableFuture.failedFuture(e);
    }
    return digestCached(pinned, label);
  }

  /** The digest of a pinned file: the cached future when its identity was seen, else hashed on a worker. */
  private CompletableFuture<String> digestCached(PinnedFile pinned, String label) {
    CompletableFuture<String> fresh = new CompletableFuture<>();
    CompletableFuture<String> known = cache.putIfAbsent(pinned.identity(), fresh);
    if (known != null) {
      pinned.close();
      return known;
    }
    try {
      workers.execute(() -> digestInto(pinned, label, fresh));
    } catch (RuntimeException e) {
      pinned.close();
      cache.remove(pinned.identity(), fresh);
      fresh.completeExceptionally(new HashException("cannot hash " + label, "hasher is closed"));
    }
    return fresh;
  }

  private void digestInto(PinnedFile pinned, String label, CompletableFuture<String> result) {
    try (pinned; FileChannel channel = FileChannel.open(pinned.via(), StandardOpenOption.READ)) {
      Map<String, String> digests = digests(channel);
      if (!pinned.unchanged()) {
        // rewritten in place after the exec: the bytes hashed may not be the bytes that ran
        throw new IOException("it changed after it was executed (size, mtime or ctime differ)");
      }
      remember(pinned.identity(), digests);
      hashed.incrementAndGet();
      result.complete(digests.get("sha256"));
    } catch (IOException | RuntimeException | InternalError e) {
      // InternalError: the mapped file was truncated under us (SIGBUS turned into an error)
      cache.values().remove(result); // a later exec of the same file may succeed
      result.completeExceptionally(new HashException("cannot read " + label, reason(e)));
    }
  }

  /**
   * The script an interpreter runs, hashed, or a future of null when there is none: a {@code #!}
   * file among its first operands (the kernel started it for one, or it was named), a file without
   * {@code #!} as the first operand of a program that runs its operand as code ({@code sh build.sh},
   * {@code bash -x build.sh}, {@code python3 x.py}, {@code node x.js}, {@code perl x.pl}, the
   * dynamic loader's {@code ld.so PROG}), or, for such a program with no operand and no inline code
   * ({@code -c}, {@code -e}, {@code -m}), its standard input when that is a regular file
   * ({@code sh < build.sh}). {@code cwd} is the process's working directory at exec (relative
   * paths are resolved against it; {@code /proc/PID/cwd} is used when it is null). Every candidate
   * is pinned here, at the exec stop; reading happens on a worker.
   */
  public CompletableFuture<BuildRecord.Script> hashScript(int pid, List<String> argv, String cwd) {
    if (argv == null || argv.isEmpty()) {
      return CompletableFuture.completedFuture(null);
    }
    String program = basename(argv.get(0));
    int kind = kindOf(program);
    boolean runner = (kind & RUNNER) != 0;
    boolean loader = (kind & IS_LOADER) != 0;
    Path base = null;
    // pinned now, at the stop: a script swapped after it ran cannot be hashed in its place
    List<Candidate> pinned = new ArrayList<>();
    boolean inline = false;
    boolean operand = false;
    for (int i = 1; i < argv.size() && i <= MAX_OPERANDS && pinned.size() < 2; i++) {
      String arg = argv.get(i);
      if (arg.isEmpty()) {
        continue;
      }
      if (arg.startsWith("-") || (arg.startsWith("+") && runner)) {
        if (runner && Options.inlineCode(program, arg)) {
          inline = true;
          break;
        }
        if ((loader || runner) && Options.takesValue(program, arg)) {
          i++; // ld.so --preload LIST PROG, bash -o pipefail x.sh: the value is not the script
        }
        continue;
      }
      try {
        if (base == null) {
          base = cwd != null ? Path.of(cwd) : procRoot.resolve(Integer.toString(pid)).resolve("cwd");
        }
        Path path = base.resolve(arg).normalize();
        PinnedFile p = pin(path, path.toString());
        if (Files.isRegularFile(p.via())) {
          pinned.add(new Candidate(path, p, pinned.isEmpty() && !operand));
        } else {
          p.close();
        }
      } catch (HashException | RuntimeException e) {
        // not a file we can pin: not a script we can vouch for
      }
      operand = true;
    }
    if (pinned.isEmpty() && runner && !inline && !operand) {
      Candidate stdin = pinStdin(pid);
      if (stdin != null) {
        pinned.add(stdin);
      }
    }
    if (pinned.isEmpty()) {
      return CompletableFuture.completedFuture(null);
    }
    boolean runsOperand = (runner || loader) && !inline;
    try {
      return CompletableFuture.supplyAsync(() -> findScript(program, runsOperand, pinned), workers);
    } catch (RuntimeException e) {
      pinned.forEach(c -> c.pinned().close());
      return CompletableFuture.failedFuture(new HashException("cannot look for a script", "hasher is closed"));
    }
  }

  private static final int RUNNER = 1;
  private static final int IS_LOADER = 2;
  /** Program name to RUNNER | IS_LOADER: the two patterns once per name, not at every exec stop. */
  private final Map<String, Integer> kinds = new ConcurrentHashMap<>();

  private int kindOf(String program) {
    Integer known = kinds.get(program);
    if (known != null) {
      return known;
    }
    int kind = (RUNS_ITS_OPERAND.matcher(program).matches() ? RUNNER : 0)
        | (LOADER.matcher(program).matches() ? IS_LOADER : 0);
    if (kinds.size() < 4096) { // a build runs a few hundred distinct names; never grow without bound
      kinds.put(program, kind);
    }
    return kind;
  }

  /** How many arguments are looked at for a script (options included). */
  private static final int MAX_OPERANDS = 6;

  /** Standard input of a process stopped at its exec, when it is a regular file (the shell reads its script there). */
  private Candidate pinStdin(int pid) {
    Path fd0 = procRoot.resolve(Integer.toString(pid)).resolve("fd").resolve("0");
    try {
      Path target = Files.readSymbolicLink(fd0);
      if (!target.isAbsolute()) {
        return null; // pipe:[N], socket:[N]
      }
      PinnedFile p = pin(fd0, target.toString());
      if (Files.isRegularFile(p.via())) {
        return new Candidate(target, p, true, BuildRecord.Script.STDIN);
      }
      p.close();
    } catch (IOException | HashException | RuntimeException e) {
      // no standard input we can vouch for
    }
    return null;
  }

  /**
   * A possible script, pinned at the exec stop; {@code first}: the first operand (or standard
   * input), which is what a program that runs its operand runs.
   */
  private record Candidate(Path path, PinnedFile pinned, boolean first, String via) {
    Candidate(Path path, PinnedFile pinned, boolean first) {
      this(path, pinned, first, BuildRecord.Script.ARGUMENT);
    }
  }

  /**
   * Programs that run a script named as an argument. Anything else (cp, cat, git add…) given a
   * {@code #!} file as argv[1] only counts when the file's own {@code #!} line names it.
   */
  private static final Pattern INTERPRETER =
      Pattern.compile("(?:ba|da|z|k|mk|a|c|tc|fi|yash|posh)?sh|busybox|env|python[0-9.]*|pypy[0-9.]*|perl[0-9.]*"
          + "|ruby[0-9.]*|node|nodejs|deno|bun|php[0-9.]*|lua[0-9.]*|luajit|tclsh[0-9.]*|wish[0-9.]*|Rscript"
          + "|[gmn]?awk|pwsh|groovy|julia|guile|expect|osascript|make|gmake");

  /**
   * Of those, the ones whose first operand is code even without {@code #!} (not env, make, awk or
   * busybox, whose first operand is a program name, a target or data).
   */
  private static final Pattern RUNS_ITS_OPERAND =
      Pattern.compile("(?:ba|da|z|k|mk|a|c|tc|fi|yash|posh)?sh|python[0-9.]*|pypy[0-9.]*|perl[0-9.]*"
          + "|ruby[0-9.]*|node|nodejs|php[0-9.]*|lua[0-9.]*|luajit|tclsh[0-9.]*|Rscript|pwsh|groovy|julia");

  /** The dynamic loader run as a program: {@code ld-linux-x86-64.so.2 PROG}, {@code ld-musl-x86_64.so.1 PROG}. */
  private static final Pattern LOADER = Pattern.compile("ld-linux[-.a-z0-9_]*\\.so[.0-9]*|ld-musl-[a-z0-9_]+\\.so[.0-9]*|ld\\.so[.0-9]*");

  /** The options of script runners that matter for finding the script: inline code, and values. */
  static final class Options {
    private static final Pattern SHELL = Pattern.compile("(?:ba|da|z|k|mk|a|c|tc|fi|yash|posh)?sh");

    private Options() {}

    /** After this option the code is on the command line ({@code sh -ec CMD}, {@code perl -ne CODE}, {@code python3 -m MOD}). */
    static boolean inlineCode(String program, String arg) {
      boolean combined = arg.startsWith("-") && !arg.startsWith("--");
      if (SHELL.matcher(program).matches()) {
        return combined && arg.indexOf('c') > 0;
      }
      if (program.startsWith("python") || program.startsWith("pypy")) {
        return combined && (arg.indexOf('c') > 0 || arg.indexOf('m') > 0);
      }
      if (program.startsWith("perl") || program.startsWith("ruby")) {
        return combined && !arg.startsWith("-I") && !arg.startsWith("-M") && !arg.startsWith("-r")
            && (arg.indexOf('e') > 0 || arg.indexOf('E') > 0);
      }
      if (program.startsWith("node")) {
        return arg.equals("-e") || arg.equals("-p") || arg.equals("-pe") || arg.equals("--eval") || arg.equals("--print");
      }
      return arg.equals("-r") || arg.equals("-e") || arg.equals("-c") || arg.equals("--command"); // php -r, lua -e, pwsh -c
    }

    /** This option takes the next argument as its value. */
    static boolean takesValue(String program, String arg) {
      if (SHELL.matcher(program).matches()) {
        return arg.equals("-o") || arg.equals("+o") || arg.equals("-O") || arg.equals("+O") || arg.equals("--rcfile")
            || arg.equals("--init-file");
      }
      if (program.startsWith("python") || program.startsWith("pypy")) {
        return arg.equals("-W") || arg.equals("-X");
      }
      if (program.startsWith("node")) {
        return arg.equals("-r") || arg.equals("--require") || arg.equals("--import") || arg.equals("--loader")
            || arg.equals("-C") || arg.equals("--conditions");
      }
      if (program.startsWith("ruby")) {
        return arg.equals("-I") || arg.equals("-r");
      }
      return LOADER_OPTIONS_WITH_VALUE.contains(arg);
    }
  }

  /** ld.so options that take a value. */
  private static final java.util.Set<String> LOADER_OPTIONS_WITH_VALUE =
      java.util.Set.of("--library-path", "--preload", "--audit", "--argv0", "--glibc-hwcaps-prepend", "--glibc-hwcaps-mask");

  private BuildRecord.Script findScript(String program, boolean runsOperand, List<Candidate> candidates) {
    try {
      for (Candidate c : candidates) {
        PinnedFile p = c.pinned();
        try (FileChannel channel = FileChannel.open(p.via(), StandardOpenOption.READ)) {
          ByteBuffer head = ByteBuffer.allocate(256);
          while (head.hasRemaining() && channel.read(head) > 0) {
            // the #! line is short; 256 bytes is what the kernel reads too
          }
          String interpreter = shebangInterpreter(head.array(), head.position());
          String via;
          if (interpreter != null && (INTERPRETER.matcher(program).matches() || interpreter.equals(program))) {
            via = c.via().equals(BuildRecord.Script.STDIN) ? BuildRecord.Script.STDIN : BuildRecord.Script.SHEBANG;
          } else if (runsOperand && c.first()) {
            via = c.via(); // sh build.sh, python3 x.py, ld.so PROG, sh < build.sh
          } else {
            continue; // cp build.sh dest: a script as data, not run
          }
          channel.position(0);
          Map<String, String> digests = digests(channel);
          if (!p.unchanged()) {
            throw new CompletionException(
                new HashException("cannot read script " + c.path(), "script " + c.path() + " changed after it was run (size, mtime or ctime differ)"));
          }
          remember(p.identity(), digests);
          return new BuildRecord.Script(c.path().toString(), digests.get("sha256"), via);
        } catch (IOException | RuntimeException | InternalError e) {
          if (e instanceof CompletionException) {
            throw (CompletionException) e;
          }
          // unreadable candidates are not scripts we can vouch for; the interpreter's digest stands
        }
      }
      return null;
    } finally {
      candidates.forEach(c -> c.pinned().close());
    }
  }

  /** The file name of the interpreter on a {@code #!} line, or null when the bytes do not start with one. */
  static String shebangInterpreter(byte[] head, int length) {
    if (length < 2 || head[0] != '#' || head[1] != '!') {
      return null;
    }
    int i = 2;
    while (i < length && (head[i] == ' ' || head[i] == '\t')) {
      i++;
    }
    int start = i;
    while (i < length && head[i] != ' ' && head[i] != '\t' && head[i] != '\n' && head[i] != '\r') {
      i++;
    }
    String path = new String(head, start, i - start, java.nio.charset.StandardCharsets.UTF_8);
    return basename(path);
  }

  private static String basename(String path) {
    int slash = path.lastIndexOf('/');
    return slash < 0 ? path : path.substring(slash + 1);
  }

  /** SHA-256 and the other digests asked for, of what the channel holds, in one read. */
  private Map<String, String> digests(FileChannel channel) throws IOException {
    if (alsoTaking.isEmpty()) {
      return Map.of("sha256", sha256(channel));
    }
    return FileDigests.of(channel, alsoTaking);
  }

  /** Keeps the digests of a file read whole while it had {@code identity} (checked after the read). */
  private void remember(PinnedFile.Identity identity, Map<String, String> digests) {
    if (!alsoTaking.isEmpty()) {
      taken.put(identity, Map.copyOf(digests));
    }
  }

  /**
   * The digests this hasher took of the file {@code file} names now (SHA-256 and those asked for
   * at construction), or null when it read no file with the identity that file has now: one statx,
   * no read. For {@code DigestMatch.check} after the build ({@code KnownDigests}).
   *
   * <p>Why the identity is enough to stand for the content: a digest is kept only when the inode
   * had the same size, mtime and ctime after the read as when it was pinned, so the digests are
   * of that one version of the file; any later write, truncate or rename over it changes the size,
   * mtime or ctime (or the inode). A hostile build can put the size and the mtime back
   * ({@code utimensat}), not the ctime: that call sets the ctime to now, and only changing the
   * system clock (root with CAP_SYS_TIME) sets it otherwise; with multigrain timestamps (Linux
   * 6.13+, ext4, xfs, btrfs, tmpfs) even a change within the clock tick of the statx that pinned
   * the file gets a later ctime. It is what the digest cache already relies on when a later exec of
   * the same identity is not read again, so this answer is as good as the recorded SHA-256 itself.
   * (And whatever the identity: all digests in one answer are of the same bytes, so a MATCH
   * through them, which needs their SHA-256 to be the one that ran, is never for other content.)
   */
  public Map<String, String> digestsTaken(Path file) {
    if (taken.isEmpty()) {
      return null;
    }
    PinnedFile.Identity now = PinnedFile.Identity.of(file.toString());
    return now == null ? null : taken.get(now);
  }

  /** How many files were actually read and digested (cache misses), for tests and diagnostics. */
  public int filesHashed() {
    return hashed.get();
  }

  static String sha256(FileChannel channel) throws IOException {
    return Sha256Files.hex(channel);
  }

  private static String reason(Throwable e) {
    if (e instanceof NoSuchFileException) {
      return "no such file";
    }
    if (e instanceof AccessDeniedException) {
      return "permission denied";
    }
    if (e instanceof java.nio.file.FileSystemException fse && fse.getReason() != null) {
      return fse.getReason(); // without the file name: the caller names the file
    }
    String m = e.getMessage();
    return m == null ? e.getClass().getSimpleName() : m.replaceAll("\\s+", " ");
  }

  private static void close(FileChannel channel) {
    try {
      channel.close();
    } catch (IOException e) {
      // nothing was read from it
    }
  }

  private static ThreadFactory daemonThreads() {
    AtomicInteger n = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, "plumbline-hasher-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }

  @Override
  public void close() {
    if (ownsWorkers) {
      workers.shutdownNow();
      HashException closed = new HashException("digest", "hasher closed before it was computed");
      cache.values().forEach(f -> f.completeExceptionally(closed));
    }
  }
}
