package dev.plumbline.trace.ptrace;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.plumbline.linux.Errno;
import dev.plumbline.testing.Kernel;
import dev.plumbline.trace.EgressGate;
import dev.plumbline.trace.TraceEvent;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Attacks on the tracer and its egress gate, performed for real by C fixtures in a network
 * namespace each run creates (unshare -n: loopback only). Block mode must keep every attack from
 * reaching its listener; audit mode must record what went where.
 */
@Tag("needs-ptrace")
@Tag("needs-root")
@Tag("needs-network-namespace")
class TracerAttacksTest {
  static Path bin;

  @BeforeAll
  static void compile() throws Exception {
    bin = Fixtures.bin();
  }

  static EgressGate refusingPort(int port) {
    return a -> a.port() == port ? new EgressGate.Decision.Block(Errno.ECONNREFUSED, "test") : new EgressGate.Decision.Allow();
  }

  /** The attacks unspec.c makes (socketcall only where this kernel runs int 0x80 from 64-bit code). */
  static List<String> unspecAttacks() {
    List<String> tags = new ArrayList<>(List.of("sendto", "sendmsg", "sendmmsg", "raw"));
    if (Kernel.int80Works()) {
      tags.add("socketcall");
    }
    return tags;
  }

  static String[] unspecArgv(int port) {
    return Kernel.int80Works()
        ? new String[] {bin + "/unspec", "" + port, "socketcall"}
        : new String[] {bin + "/unspec", "" + port};
  }

  @Test
  void udpThroughAfUnspecIsRefusedInBlockMode(@TempDir Path work) throws Exception {
    int port = 9999;
    Traces t = Traces.inNetns(work, refusingPort(port), true, unspecArgv(port));
    List<String> out = Files.readAllLines(work.resolve("out.txt"));
    assertEquals(0, t.result.exitCode(), out.toString());
    for (String tag : unspecAttacks()) {
      assertTrue(out.contains(tag + " err=111"), tag + " refused with ECONNREFUSED: " + out);
    }
    assertTrue(out.stream().noneMatch(l -> l.startsWith("received")), "nothing reached the listener: " + out);
    List<TraceEvent.Network> blocked = t.of(TraceEvent.Network.class).stream()
        .filter(n -> n.port() != null && n.port() == port).toList();
    assertEquals(unspecAttacks().size() + 1, blocked.size(), "one event per destination (sendmmsg has two): " + blocked);
    for (TraceEvent.Network n : blocked) {
      assertEquals("blocked", n.decision().label(), n.toString());
      assertEquals("127.0.0.1", n.address(), n.toString());
      assertEquals("inet", n.family(), n.toString());
    }
    // the raw IP socket carrying UDP is labelled raw, the others udp
    assertEquals(1, blocked.stream().filter(n -> n.protocol().equals("raw")).count(), blocked.toString());
    assertEquals(blocked.size() - 1, blocked.stream().filter(n -> n.protocol().equals("udp")).count(), blocked.toString());
  }

  @Test
  void udpThroughAfUnspecIsRecordedInAuditMode(@TempDir Path work) throws Exception {
    int port = 9999;
    Traces t = Traces.inNetns(work, EgressGate.auditAll(), false, unspecArgv(port));
    List<String> out = Files.readAllLines(work.resolve("out.txt"));
    assertEquals(0, t.result.exitCode(), out.toString());
    List<String> received = out.stream().filter(l -> l.startsWith("received ")).map(l -> l.substring(9)).sorted().toList();
    List<String> expected = new ArrayList<>(unspecAttacks());
    expected.add("sendmmsg");
    assertEquals(expected.stream().sorted().toList(), received, "without a block, the attack gets through: " + out);
    List<TraceEvent.Network> seen = t.of(TraceEvent.Network.class).stream()
        .filter(n -> n.port() != null && n.port() == port).toList();
    assertEquals(expected.size(), seen.size(), "every datagram recorded: " + seen);
    for (TraceEvent.Network n : seen) {
      assertEquals("audited", n.decision().label(), n.toString());
      assertEquals("127.0.0.1", n.address(), n.toString());
      assertEquals("ok", n.result(), n.toString());
    }
  }

  @Test
  void theClone3FlagRaceNeverYieldsAnUntracedChild(@TempDir Path work) throws Exception {
    Traces t = Traces.run(work, Duration.ofSeconds(5), null, "/bin/sh", "-c", bin + "/clone3race 200 > out.txt");
    assertEquals(0, t.result.exitCode());
    // every clone3 fails in the filter, before any thread could change its flags
    assertEquals("attempts=200 enosys=200 children=0 untraced=0", Files.readString(work.resolve("out.txt")).strip());
    assertTrue(t.of(TraceEvent.Exec.class).stream().noneMatch(e -> e.path().equals("/usr/bin/true")));
  }

  @Test
  void programsThatStartThreadsAndProcessesStillRunFullyTraced(@TempDir Path work) throws Exception {
    // glibc's pthread_create and posix_spawn try clone3 first and fall back to clone on ENOSYS
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Path src = Files.writeString(work.resolve("Spawn.java"), String.join("\n",
        "public class Spawn {",
        "  public static void main(String[] a) throws Exception {",
        "    Thread t = new Thread(() -> {}); t.start(); t.join();",
        "    System.exit(new ProcessBuilder(\"/bin/echo\", \"from-java\").inheritIO().start().waitFor());",
        "  }",
        "}"));
    Traces t = Traces.run(work, Duration.ofSeconds(5), null, "/bin/sh", "-c", java + " " + src + " > java.txt");
    assertEquals(0, t.result.exitCode());
    assertEquals("from-java", Files.readString(work.resolve("java.txt")).strip());
    assertTrue(t.of(TraceEvent.Exec.class).stream().anyMatch(e -> e.path().equals("/usr/bin/echo")), "the JVM's child was traced");
    assertTrue(t.of(TraceEvent.ProcessStarted.class).stream().filter(TraceEvent.ProcessStarted::thread).count() > 5,
        "the JVM's threads were seen");
    assertTrue(t.of(TraceEvent.Incomplete.class).isEmpty(), t.of(TraceEvent.Incomplete.class).toString());
  }

  /** toctou.c's last line: "MODE attempts=N allowed=A blocked=B". */
  record Race(int attempts, int allowed, int blocked) {
    static Race of(Path out) throws java.io.IOException {
      List<String> lines = Files.readAllLines(out);
      java.util.regex.Matcher m = java.util.regex.Pattern.compile("attempts=(\\d+) allowed=(\\d+) blocked=(\\d+)")
          .matcher(lines.isEmpty() ? "" : lines.get(lines.size() - 1));
      assertTrue(m.find(), "toctou printed its counts: " + lines);
      return new Race(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)), Integer.parseInt(m.group(3)));
    }
  }

  /**
   * Another thread flips the port of the sockaddr between an allowed and a blocked one while the
   * call is checked: 200 attempts per call, and not one may reach the blocked port.
   */
  @Test
  void aDestinationRewrittenDuringTheCheckNeverReachesABlockedPort(@TempDir Path work) throws Exception {
    int allowed = 7001;
    int blocked = 7002;
    for (String mode : List.of("connect", "connect-nb", "sendto", "sendmsg", "sendmmsg")) {
      Path dir = Files.createDirectories(work.resolve(mode));
      Traces t = Traces.inNetns(dir, refusingPort(blocked), true, bin + "/toctou", mode, "" + allowed, "" + blocked, "200");
      assertEquals(0, t.result.exitCode(), mode);
      Race race = Race.of(dir.resolve("out.txt"));
      assertEquals(0, race.blocked(), mode + ": nothing reached the blocked port " + race);
      assertTrue(race.allowed() > 0, mode + ": the allowed port was reached " + race);
      List<TraceEvent.Network> net = t.of(TraceEvent.Network.class).stream()
          .filter(n -> n.port() != null && (n.port() == allowed || n.port() == blocked)).toList();
      assertTrue(net.stream().anyMatch(n -> n.port() == blocked && n.decision().label().equals("blocked")),
          mode + ": the other thread did flip the port during the run (some checks saw the blocked one)");
      assertTrue(net.stream().noneMatch(n -> n.port() == blocked && !n.decision().label().equals("blocked")), mode + " " + net);
    }
  }

  @Test
  void inAuditModeTheRecordShowsWhereEachRacedCallWent(@TempDir Path work) throws Exception {
    int a = 7001;
    int b = 7002;
    for (String mode : List.of("connect", "connect-nb", "sendto", "sendmmsg")) {
      Path dir = Files.createDirectories(work.resolve(mode));
      Traces t = Traces.inNetns(dir, EgressGate.auditAll(), false, bin + "/toctou", mode, "" + a, "" + b, "200");
      assertEquals(0, t.result.exitCode(), mode);
      Race race = Race.of(dir.resolve("out.txt"));
      long toA = t.of(TraceEvent.Network.class).stream().filter(n -> n.port() != null && n.port() == a && "ok".equals(n.result())).count();
      long toB = t.of(TraceEvent.Network.class).stream().filter(n -> n.port() != null && n.port() == b && "ok".equals(n.result())).count();
      if (mode.startsWith("connect")) {
        // a non-blocking connect's result is EINPROGRESS; count what was attempted to each port
        toA = t.of(TraceEvent.Network.class).stream().filter(n -> n.port() != null && n.port() == a).count();
        toB = t.of(TraceEvent.Network.class).stream().filter(n -> n.port() != null && n.port() == b).count();
      }
      assertEquals(race.allowed(), toA, mode + ": calls recorded to the first port are those that reached it " + race);
      assertEquals(race.blocked(), toB, mode + ": calls recorded to the second port are those that reached it " + race);
    }
  }

  @Test
  void aPathRewrittenDuringTheCheckIsRecordedAsTheFileTheKernelOpened(@TempDir Path work) throws Exception {
    Traces t = Traces.run(work, Duration.ofSeconds(5), null, "/bin/sh", "-c", bin + "/toctou open 0 0 200 > out.txt");
    assertEquals(0, t.result.exitCode());
    Race race = Race.of(work.resolve("out.txt"));
    assertEquals(200, race.allowed() + race.blocked());
    Path real = work.toRealPath();
    long a = t.of(TraceEvent.FileChanged.class).stream().filter(f -> f.path().equals(real.resolve("a.txt").toString())).count();
    long b = t.of(TraceEvent.FileChanged.class).stream().filter(f -> f.path().equals(real.resolve("b.txt").toString())).count();
    assertEquals(race.allowed(), a, "opens recorded for a.txt are the lines written to it " + race);
    assertEquals(race.blocked(), b, "opens recorded for b.txt are the lines written to it " + race);
  }
  /** ownfilter.c's output lines and what the tracer saw of its connect to {@code port} and its write to the sources. */
  record OwnFilter(List<String> out, List<TraceEvent.Network> net, List<TraceEvent.FileChanged> writes, Traces trace) {
    static OwnFilter run(Path work, String mode, int port) throws Exception {
      Path src = Files.writeString(work.resolve("main.c"), "int main(void) { return 0; }\n");
      Traces t = Traces.inNetns(work, refusingPort(port), true, bin + "/ownfilter", mode, "" + port, src.toString());
      assertEquals(0, t.result.exitCode(), mode);
      List<String> out = Files.readAllLines(work.resolve("out.txt"));
      List<TraceEvent.Network> net = t.of(TraceEvent.Network.class).stream()
          .filter(n -> n.port() != null && n.port() == port).toList();
      String real = work.toRealPath().resolve("main.c").toString();
      List<TraceEvent.FileChanged> writes = t.of(TraceEvent.FileChanged.class).stream()
          .filter(f -> f.path().equals(real)).toList();
      return new OwnFilter(out, net, writes, t);
    }
  }

  /**
   * SECCOMP_RET_USER_NOTIF beats SECCOMP_RET_TRACE among stacked filters: a build filter that
   * notifies a listener of its own, which answers "continue", would run connect and openat without
   * the tracer's stop. The filter may not get a listener (EINVAL, as from a kernel without one), so
   * the calls stop as ever: the connect is blocked and the write to the sources recorded.
   */
  @Test
  void aFilterOfTheBuildWithAListenerCannotTakeCallsPastTheTracer(@TempDir Path work) throws Exception {
    int port = 7003;
    OwnFilter f = OwnFilter.run(work, "listener", port);
    assertTrue(f.out().contains("filter err=22"), "the listener was refused with EINVAL: " + f.out());
    assertTrue(f.out().contains("connect err=111"), "the connect was blocked: " + f.out());
    assertTrue(f.out().stream().noneMatch(l -> l.equals("received")), "nothing reached the listener: " + f.out());
    assertEquals(1, f.net().size(), f.net().toString());
    assertEquals("blocked", f.net().get(0).decision().label(), f.net().toString());
    assertTrue(f.out().contains("write ok"), f.out().toString());
    assertEquals(1, f.writes().size(), "the write to the sources is in the record: " + f.writes());
  }

  /**
   * For equal actions the newest filter's SECCOMP_RET_DATA wins: a build filter returning
   * SECCOMP_RET_TRACE with the data the tracer's filter gives x32 calls (1), an unknown arch (2) or
   * a call (0) must not make the tracer take connect and openat for something else.
   */
  @Test
  void aFilterOfTheBuildCannotForgeTheDataOfATraceStop(@TempDir Path work) throws Exception {
    int port = 7004;
    for (String mode : List.of("x32", "unknown", "call")) {
      Path dir = Files.createDirectories(work.resolve(mode));
      OwnFilter f = OwnFilter.run(dir, mode, port);
      assertTrue(f.out().contains("filter ok"), mode + ": " + f.out());
      assertTrue(f.out().contains("connect err=111"), mode + ": the connect was blocked: " + f.out());
      assertTrue(f.out().stream().noneMatch(l -> l.equals("received")), mode + ": nothing reached the listener: " + f.out());
      assertEquals(1, f.net().size(), mode + ": " + f.net());
      assertEquals("blocked", f.net().get(0).decision().label(), mode + ": " + f.net());
      assertEquals(1, f.writes().size(), mode + ": the write to the sources is in the record: " + f.writes());
      assertTrue(f.trace().of(TraceEvent.Incomplete.class).isEmpty(), mode + ": nothing was taken for an x32 or unknown"
          + " call: " + f.trace().of(TraceEvent.Incomplete.class));
    }
  }
  /** x86_64 code: mov eax, 42; ret. */
  private static final byte[] RETURN_42 = {(byte) 0xb8, 0x2a, 0, 0, 0, (byte) 0xc3};

  /**
   * Under the READ_IMPLIES_EXEC personality the kernel makes a file mapped PROT_READ executable,
   * out of the filter's PROT_EXEC test: a build asking for it (personality(2), or the real setarch
   * -X) must not run code from a file the record does not list. The personality is refused.
   */
  @Test
  void aFileMappedReadableUnderReadImpliesExecNeverRunsUnrecorded(@TempDir Path work) throws Exception {
    Path code = Files.write(work.resolve("code.bin"), RETURN_42);
    Traces t = Traces.run(work, Duration.ofSeconds(5), null, "/bin/sh", "-c",
        bin + "/readexec set " + code + " > set.txt; setarch x86_64 -X " + bin + "/readexec inherited " + code
            + " > setarch.txt; echo $? > setarch.rc");
    assertEquals(0, t.result.exitCode());
    List<String> set = Files.readAllLines(work.resolve("set.txt"));
    assertEquals(List.of("personality err=1", "not executable"), set, "READ_IMPLIES_EXEC refused with EPERM");
    // setarch itself is refused (exit 1); were it not, x86_64's exec of a 64-bit program drops the bit
    assertEquals("1", Files.readString(work.resolve("setarch.rc")).strip());
    assertTrue(Files.readAllLines(work.resolve("setarch.txt")).isEmpty());
    String real = code.toRealPath().toString();
    assertTrue(t.of(TraceEvent.Mapped.class).stream().noneMatch(m -> m.path().equals(real)), "nothing mapped it executable");
    assertTrue(t.of(TraceEvent.Incomplete.class).isEmpty(), t.of(TraceEvent.Incomplete.class).toString());
  }
  /**
   * The build makes a user and mount namespace of its own with the real unshare (-Urm), bind-mounts
   * the sources at a path outside them and writes through it: the paths it names, and what
   * /proc/PID/fd/N and cwd say, are in its namespace and name no source in the agent's. Every
   * change must still be in the record, under the sources' own paths.
   */
  @Test
  void writesThroughABindMountOfTheSourcesInANamespaceOfTheBuildAreRecorded(@TempDir Path work, @TempDir Path elsewhere)
      throws Exception {
    Path src = Files.createDirectories(work.resolve("src"));
    Files.writeString(src.resolve("main.c"), "int main(void) { return 0; }\n");
    Files.writeString(src.resolve("old.c"), "int old;\n");
    Path view = Files.createDirectories(elsewhere.resolve("view")).toRealPath();
    Traces t = Traces.run(src, Duration.ofSeconds(5), null, "unshare", "-Urm", "/bin/sh", "-c", String.join(" && ",
        "mount --bind " + src + " " + view, "echo evil >> " + view + "/main.c", "cd " + view,
        "echo planted > planted.c", "mv old.c renamed.c", "rm " + view + "/renamed.c", "mkdir sub", "echo x > sub/deep.c"));
    assertEquals(0, t.result.exitCode());
    Path real = src.toRealPath();
    List<String> changes = new ArrayList<>();
    for (TraceEvent.FileChanged f : t.of(TraceEvent.FileChanged.class)) {
      changes.add((Path.of(f.path()).startsWith(real) ? real.relativize(Path.of(f.path())).toString() : f.path())
          + " " + f.operation());
    }
    java.util.Collections.sort(changes);
    assertEquals(List.of("main.c write", "old.c rename-from", "planted.c create", "renamed.c rename-to",
        "renamed.c unlink", "sub/deep.c create"), changes);
    assertTrue(t.of(TraceEvent.Incomplete.class).isEmpty(), t.of(TraceEvent.Incomplete.class).toString());
    assertEquals("int main(void) { return 0; }\nevil\n", Files.readString(src.resolve("main.c")), "the write did happen");
  }

  /** The file changes of a trace, "PATH OPERATION" sorted, PATH relative to {@code src} when below it. */
  static List<String> changes(Traces t, Path src) throws Exception {
    Path real = src.toRealPath();
    List<String> changes = new ArrayList<>();
    for (TraceEvent.FileChanged f : t.of(TraceEvent.FileChanged.class)) {
      changes.add((Path.of(f.path()).startsWith(real) ? real.relativize(Path.of(f.path())).toString() : f.path())
          + " " + f.operation());
    }
    java.util.Collections.sort(changes);
    return changes;
  }

  /** {@code args} as the real unshare runs the roots fixture with them ({@code -Ur} or {@code -Urm}). */
  static String[] roots(String unshare, String... args) {
    List<String> argv = new ArrayList<>(List.of("unshare", unshare, bin + "/roots"));
    argv.addAll(List.of(args));
    return argv.toArray(new String[0]);
  }

  /**
   * The build chroots (unshare -Ur: CAP_SYS_CHROOT in its own user namespace, no mount namespace)
   * into the sources' parent and changes them by the chroot's paths. It also plants, in the
   * chroot, a symlink at the sources' own absolute path that leads to their subdirectory sub/:
   * read in the agent's view its paths name sources/main.c, in its own they name sources/sub/main.c.
   * Every change must be recorded under the path of the file the kernel changed.
   */
  @Test
  void changesByTheRootOfAChrootAreRecordedUnderTheSourcesPaths(@TempDir Path tmp) throws Exception {
    Path work = tmp.toRealPath();
    Path src = Files.createDirectories(work.resolve("src"));
    Files.createDirectories(src.resolve("sub"));
    for (String f : List.of("main.c", "sub/main.c", "sub/old.c")) {
      Files.writeString(src.resolve(f), "int x;\n");
    }
    Path mirror = work.resolve(src.toString().substring(1)); // the sources' path, inside the chroot
    Files.createDirectories(mirror.getParent());
    String s = src.toString();
    Traces t = Traces.run(src, Duration.ofSeconds(5), null, roots("-Ur", "chroot", work.toString(), "chdir", "/",
        "symlink", "/src/sub", s, "append", "/src/main.c", "append", s + "/main.c", "create", s + "/planted.c",
        "rename", s + "/old.c", s + "/renamed.c", "unlink", s + "/renamed.c", "chdir", "/src", "create", "rel.c"));
    assertEquals(0, t.result.exitCode());
    assertEquals("int x;\nx\n", Files.readString(src.resolve("sub/main.c")), "the chroot's path did name sub/main.c");
    assertEquals(List.of("main.c write", "rel.c create", "sub/main.c write", "sub/old.c rename-from",
        "sub/planted.c create", "sub/renamed.c rename-to", "sub/renamed.c unlink"), changes(t, src));
    assertTrue(t.of(TraceEvent.Incomplete.class).isEmpty(), t.of(TraceEvent.Incomplete.class).toString());
  }

  /**
   * A chroot without chdir leaves the working directory outside the root, where relative paths
   * (and ".." from it) still reach; a directory opened before the chroot still reaches the sources
   * by openat and fchdir. Each change must be recorded under the sources' paths.
   */
  @Test
  void relativePathsFromOutsideTheRootOfAChrootAreRecorded(@TempDir Path tmp) throws Exception {
    Path work = tmp.toRealPath();
    Path src = Files.createDirectories(work.resolve("src"));
    Files.createDirectories(work.resolve("empty"));
    Files.writeString(src.resolve("main.c"), "int x;\n");
    Files.writeString(src.resolve("lib.c"), "int y;\n");
    Traces t = Traces.run(src, Duration.ofSeconds(5), null, roots("-Ur", "keep", ".", "chroot", "../empty",
        "append", "main.c", "create", "../src/up.c", "chdir", "/", "createat", "0", "at.c", "appendat", "0", "lib.c",
        "fchdir", "0", "create", "fch.c"));
    assertEquals(0, t.result.exitCode());
    assertEquals(List.of("at.c create", "fch.c create", "lib.c write", "main.c write", "up.c create"), changes(t, src));
    assertTrue(t.of(TraceEvent.Incomplete.class).isEmpty(), t.of(TraceEvent.Incomplete.class).toString());
  }

  /**
   * In a mount namespace of its own (unshare -Urm) the build bind-mounts the sources into a new
   * root and chroots there: /proc/PID/cwd and fd/N then say paths of its namespace, not of its
   * root, and neither is the agent's view. The changes must be recorded under the sources' paths.
   */
  @Test
  void changesThroughABindMountInsideAChrootAreRecorded(@TempDir Path tmp) throws Exception {
    Path work = tmp.toRealPath();
    Path src = Files.createDirectories(work.resolve("src"));
    Path root = Files.createDirectories(work.resolve("newroot/mnt/src")).getParent().getParent();
    Files.writeString(src.resolve("main.c"), "int x;\n");
    Files.writeString(src.resolve("old.c"), "int y;\n");
    Traces t = Traces.run(src, Duration.ofSeconds(5), null, roots("-Urm", "bind", src.toString(), root + "/mnt/src",
        "chroot", root.toString(), "chdir", "/mnt/src", "create", "rel.c", "append", "main.c",
        "rename", "old.c", "/mnt/src/renamed.c", "unlink", "renamed.c", "create", "/mnt/src/abs.c"));
    assertEquals(0, t.result.exitCode());
    assertEquals(List.of("abs.c create", "main.c write", "old.c rename-from", "rel.c create", "renamed.c rename-to",
        "renamed.c unlink"), changes(t, src));
    assertTrue(t.of(TraceEvent.Incomplete.class).isEmpty(), t.of(TraceEvent.Incomplete.class).toString());
  }

  /**
   * pivot_root into a new root where the sources are mounted at a path that, read in the agent's
   * view, lies in the sources (SRC/vendor): a change of main.c would look like one of
   * vendor/main.c. The old root is detached; a directory opened before still reaches the sources.
   */
  @Test
  void changesAfterPivotRootAreRecordedUnderTheSourcesPaths(@TempDir Path tmp) throws Exception {
    Path work = tmp.toRealPath();
    Path src = Files.createDirectories(work.resolve("src"));
    Path root = Files.createDirectories(work.resolve("newroot"));
    Files.createDirectories(root.resolve("old"));
    String v = src + "/vendor"; // where the new root has the sources
    Files.createDirectories(root.resolve(v.substring(1)));
    Files.writeString(src.resolve("main.c"), "int x;\n");
    Files.writeString(src.resolve("old.c"), "int y;\n");
    Traces t = Traces.run(src, Duration.ofSeconds(5), null, roots("-Urm", "keep", ".", "bind", root.toString(),
        root.toString(), "bind", src.toString(), root + v, "pivot", root.toString(), root + "/old", "chdir", "/",
        "detach", "/old", "append", v + "/main.c", "create", v + "/new.c", "rename", v + "/old.c", v + "/renamed.c",
        "unlink", v + "/renamed.c", "createat", "0", "atfd.c", "chdir", v, "create", "rel.c"));
    assertEquals(0, t.result.exitCode());
    assertEquals(List.of("atfd.c create", "main.c write", "new.c create", "old.c rename-from", "rel.c create",
        "renamed.c rename-to", "renamed.c unlink"), changes(t, src));
    assertTrue(t.of(TraceEvent.Incomplete.class).isEmpty(), t.of(TraceEvent.Incomplete.class).toString());
  }

  /**
   * In a chroot inside its own mount namespace, the build writes to a source through a symlink
   * of its root: the path names no source at the call (its last component is not followed there),
   * and what /proc/PID/fd/N says is a name in the namespace, from its top, which reaches the file
   * neither from the task's root nor in the agent's view. The record cannot place that write, so
   * it must be incomplete, never silently complete.
   */
  @Test
  void aWriteInAChrootOfAMountNamespaceThatCannotBePlacedMakesTheRecordIncomplete(@TempDir Path tmp) throws Exception {
    Path work = tmp.toRealPath();
    Path src = Files.createDirectories(work.resolve("src"));
    Path root = Files.createDirectories(work.resolve("newroot/mnt/src")).getParent().getParent();
    Files.writeString(src.resolve("main.c"), "int x;\n");
    Traces t = Traces.run(src, Duration.ofSeconds(5), null, roots("-Urm", "bind", src.toString(), root + "/mnt/src",
        "chroot", root.toString(), "symlink", "/mnt/src/main.c", "/link", "append", "/link"));
    assertEquals(0, t.result.exitCode());
    assertEquals("int x;\nx\n", Files.readString(src.resolve("main.c")), "the write did happen");
    List<String> changes = changes(t, src);
    List<TraceEvent.Incomplete> incomplete = t.of(TraceEvent.Incomplete.class);
    assertTrue(changes.contains("main.c write")
        || incomplete.stream().anyMatch(i -> i.reason().contains("could not be placed")), changes + " " + incomplete);
  }

  /** The exec events whose argv is {@code argv}. */
  static List<TraceEvent.Exec> execs(Traces t, String... argv) {
    return t.of(TraceEvent.Exec.class).stream().filter(e -> e.argv().equals(List.of(argv))).toList();
  }

  /**
   * The build's own payload made to look like the compiler: in a mount namespace of its own
   * (unshare -Urm) it bind-mounts the payload over gcc and runs gcc. /proc/PID/exe then reads as
   * gcc's path, which in the agent's view is the real compiler: the record must not name it so
   * (a policy allowing gcc by path would pass the payload). A program it did not mount over keeps
   * its path.
   */
  @Test
  void aPayloadBindMountedOverTheCompilerIsNotRecordedAsTheCompiler(@TempDir Path tmp) throws Exception {
    Path work = tmp.toRealPath();
    String gcc = Path.of("/usr/bin/gcc").toRealPath().toString();
    Path payload = Files.copy(bin.resolve("roots"), work.resolve("payload"));
    Traces t = Traces.run(work, Duration.ofSeconds(5), null, "unshare", "-Urm", "/bin/sh", "-c",
        bin + "/roots bind " + payload + " " + gcc + " exec " + gcc + " gcc && /bin/true ran");
    assertEquals(0, t.result.exitCode());
    List<TraceEvent.Exec> ran = execs(t, "gcc");
    assertEquals(1, ran.size(), t.of(TraceEvent.Exec.class).toString());
    assertEquals(TraceEvent.Exec.BUILD_VIEW + gcc, ran.get(0).path(), "the build's name for it, marked");
    assertTrue(ran.get(0).ownView());
    List<TraceEvent.Exec> untouched = execs(t, "/bin/true", "ran");
    assertEquals(1, untouched.size(), t.of(TraceEvent.Exec.class).toString());
    assertEquals(Path.of("/bin/true").toRealPath().toString(), untouched.get(0).path(), "the same file: the agent's name");
    assertEquals(work.toString(), untouched.get(0).cwd());
  }

  /**
   * pivot_root into a tree whose /usr/bin/gcc is the build's payload: /proc/PID/exe reads
   * /usr/bin/gcc (a name in the build's namespace) and must not be recorded as the compiler.
   */
  @Test
  void aFakeCompilerInAPivotedRootIsNotRecordedAsTheCompiler(@TempDir Path tmp) throws Exception {
    Path work = tmp.toRealPath();
    Path root = Files.createDirectories(work.resolve("fake"));
    Files.createDirectories(root.resolve("old"));
    Files.createDirectories(root.resolve("usr/bin"));
    Files.copy(bin.resolve("roots"), root.resolve("usr/bin/gcc"));
    Files.copy(bin.resolve("roots"), root.resolve("pivot"));
    Traces t = Traces.run(work, Duration.ofSeconds(5), null, roots("-Urm", "bind", root.toString(), root.toString(),
        "pivot", root.toString(), root + "/old", "chdir", "/", "detach", "/old", "exec", "/usr/bin/gcc", "gcc"));
    assertEquals(0, t.result.exitCode());
    List<TraceEvent.Exec> ran = execs(t, "gcc");
    assertEquals(1, ran.size(), t.of(TraceEvent.Exec.class).toString());
    assertEquals(TraceEvent.Exec.BUILD_VIEW + "/usr/bin/gcc", ran.get(0).path());
    assertEquals(TraceEvent.Exec.BUILD_VIEW + "/", ran.get(0).cwd(), "its cwd is the new root, not the agent's /");
  }

  /**
   * chroot into a tree whose /usr/bin/gcc is the build's payload, in the agent's mount namespace:
   * /proc/PID/exe gives the agent's name for the payload (under the tree), which is what the
   * record must say.
   */
  @Test
  void aFakeCompilerInAChrootIsRecordedByTheAgentsNameForIt(@TempDir Path tmp) throws Exception {
    Path work = tmp.toRealPath();
    Path root = Files.createDirectories(work.resolve("fake/usr/bin")).getParent().getParent();
    Files.copy(bin.resolve("roots"), root.resolve("usr/bin/gcc"));
    Traces t = Traces.run(work, Duration.ofSeconds(5), null, roots("-Ur", "chroot", root.toString(), "chdir", "/",
        "exec", "/usr/bin/gcc", "gcc"));
    assertEquals(0, t.result.exitCode());
    List<TraceEvent.Exec> ran = execs(t, "gcc");
    assertEquals(1, ran.size(), t.of(TraceEvent.Exec.class).toString());
    assertEquals(root.resolve("usr/bin/gcc").toString(), ran.get(0).path());
    assertEquals(root.toString(), ran.get(0).cwd());
    assertTrue(ran.get(0).ownView());
  }
}
