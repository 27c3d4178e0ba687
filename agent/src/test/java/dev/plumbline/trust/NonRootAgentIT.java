package dev.plumbline.trust;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.plumbline.testing.Trees;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The build against an agent that is not root, the way a user runs {@code plumbline run} (the
 * launcher as nobody, TrustBoundaryIT's way). A root agent has CAP_DAC_OVERRIDE and
 * CAP_SYS_PTRACE: it stats any file and reads any process, so what the build can close to a
 * same-user agent is only seen here. docs/threat-model.md and docs/tracer.md cite these.
 */
@Tag("needs-root")
@Tag("needs-ptrace")
class NonRootAgentIT {
  private Path dir;
  private Path repo;
  private final List<Process> started = new ArrayList<>();

  @BeforeEach
  void checkout() throws Exception {
    TrustBoundaryIT.requireRoot();
    dir = Files.createTempDirectory("plumbline-nonroot-");
    Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
    repo = Files.createDirectories(dir.resolve("repo"));
    Files.createDirectories(repo.resolve("locked"));
    Files.writeString(repo.resolve("locked/config.h"), "#define SAFE 1\n");
    Files.writeString(repo.resolve("main.c"), "int main(void) { return 0; }\n");
    git("init", "-q");
    git("add", ".");
    git("-c", "user.name=t", "-c", "user.email=t@example.invalid", "commit", "-qm", "sources");
    assertEquals(0, new ProcessBuilder("chown", "-R", TrustBoundaryIT.NOBODY + ":" + TrustBoundaryIT.NOBODY, dir.toString())
        .inheritIO().start().waitFor());
  }

  private void git(String... args) throws Exception {
    List<String> argv = new ArrayList<>(List.of("git"));
    argv.addAll(List.of(args));
    assertEquals(0, new ProcessBuilder(argv).directory(repo.toFile()).inheritIO().start().waitFor());
  }

  @AfterEach
  void stop() throws Exception {
    for (Process p : started) {
      p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
    new ProcessBuilder("chmod", "-R", "u+rwx", dir.toString()).start().waitFor();
    Trees.delete(dir);
  }

  private JsonNode run(String script) throws Exception {
    Path record = dir.resolve("record.json");
    return TrustBoundaryIT.recordOf(record, TrustBoundaryIT.asNobody(repo, Map.of(), "",
        List.of(TrustBoundaryIT.LAUNCHER.toString(), "run", "--record", record.toString(), "--", "/bin/sh", "-c", script)));
  }

  /**
   * The end-of-build scan is what catches a write to the sources by a route the tracer does not
   * see (here a process outside the traced tree, holding the file open from before the build). A
   * folder of tracked files left at mode 000 makes every one of them fail lstat for an agent that
   * is not root, before and after: the two equal failures were taken for an unchanged file. Before
   * this defence the write landed and the record said complete.
   */
  @Test
  void aSourceInAFolderClosedToTheAgentIsNeverTakenForUnchanged() throws Exception {
    Path go = dir.resolve("go");
    Path done = dir.resolve("done");
    // outside the traced tree, as nobody: opens the source now, writes when the build says so
    String writer = String.join("\n",
        "import os, sys, time",
        "f = open(sys.argv[1], 'r+')",
        "open(sys.argv[3] + '.ready', 'w').close()",
        "while not os.path.exists(sys.argv[2]): time.sleep(0.02)",
        "f.seek(0); f.write('#define SAFE 0\\n'); f.flush(); f.close()",
        "open(sys.argv[3], 'w').close()");
    started.add(new ProcessBuilder("setpriv", "--reuid=" + TrustBoundaryIT.NOBODY, "--regid=" + TrustBoundaryIT.NOBODY,
        "--clear-groups", "/usr/bin/python3", "-c", writer, repo.resolve("locked/config.h").toString(), go.toString(),
        done.toString()).redirectErrorStream(true).start());
    Path ready = dir.resolve("done.ready");
    for (int i = 0; i < 1000 && !Files.exists(ready); i++) {
      Thread.sleep(10);
    }
    assertTrue(Files.exists(ready), "the writer opened the source");
    Files.setPosixFilePermissions(repo.resolve("locked"), PosixFilePermissions.fromString("---------"));

    JsonNode r = run("touch " + go + "; while [ ! -e " + done + " ]; do sleep 0.05; done; echo built");
    assertTrue(r.path("output").asText().contains("built"), r.path("output").asText());
    Files.setPosixFilePermissions(repo.resolve("locked"), PosixFilePermissions.fromString("rwxr-xr-x"));
    assertEquals("#define SAFE 0\n", Files.readString(repo.resolve("locked/config.h")), "the attack wrote the source");
    JsonNode completeness = r.path("completeness");
    assertFalse(completeness.path("complete").asBoolean(), completeness.toString());
    assertTrue(completeness.path("reasons").toString().contains("locked/config.h could not be stat'ed"), completeness.toString());
  }

  /**
   * A program of mode 0111: the build may run it, the agent may not read it, and the kernel makes
   * it undumpable at its exec, which closes its memory and /proc/PID/{exe,cwd,fd/N,maps} to an agent
   * that is not root. {@code mmap} maps descriptor 3 executable; the network modes send to a port
   * (or a unix socket) that block mode refuses.
   */
  private Path undumpableProbe() throws Exception {
    Path source = Files.writeString(dir.resolve("probe.c"), String.join("\n",
        "#define _GNU_SOURCE",
        "#include <arpa/inet.h>", "#include <errno.h>", "#include <stdio.h>", "#include <stdlib.h>",
        "#include <string.h>", "#include <sys/mman.h>", "#include <sys/socket.h>", "#include <sys/un.h>",
        "#include <unistd.h>",
        "int main(int argc, char **argv) {",
        "  const char *m = argv[1]; long r = -1;",
        "  if (!strcmp(m, \"mmap\")) {",
        "    void *p = mmap(0, 4096, PROT_READ | PROT_EXEC, MAP_PRIVATE, 3, 0);",
        "    printf(\"mmap %s\\n\", p == MAP_FAILED ? strerror(errno) : \"mapped\"); return 0;",
        "  }",
        "  struct sockaddr_in a = {0};",
        "  a.sin_family = AF_INET; a.sin_port = htons(atoi(argv[2])); a.sin_addr.s_addr = htonl(0x7f000001);",
        "  struct iovec v = {\"udp\", 3};",
        "  if (!strcmp(m, \"sendto\")) { r = sendto(socket(AF_INET, SOCK_DGRAM, 0), \"udp\", 3, 0, (struct sockaddr *)&a, sizeof a); }",
        "  if (!strcmp(m, \"sendmsg\")) { struct msghdr h = {0}; h.msg_name = &a; h.msg_namelen = sizeof a;",
        "    h.msg_iov = &v; h.msg_iovlen = 1; r = sendmsg(socket(AF_INET, SOCK_DGRAM, 0), &h, 0); }",
        "  if (!strcmp(m, \"sendmmsg\")) { struct mmsghdr h = {0}; h.msg_hdr.msg_name = &a; h.msg_hdr.msg_namelen = sizeof a;",
        "    h.msg_hdr.msg_iov = &v; h.msg_hdr.msg_iovlen = 1; r = sendmmsg(socket(AF_INET, SOCK_DGRAM, 0), &h, 1, 0); }",
        "  if (!strcmp(m, \"unix\")) { int s = socket(AF_UNIX, SOCK_STREAM, 0); struct sockaddr_un u = {AF_UNIX};",
        "    strcpy(u.sun_path, argv[2]); r = connect(s, (struct sockaddr *)&u, sizeof u); if (r == 0) write(s, \"unix\", 4); }",
        "  printf(\"%s %s\\n\", m, r < 0 ? strerror(errno) : \"sent\"); return 0;",
        "}", ""));
    Path probe = dir.resolve("probe");
    assertEquals(0, new ProcessBuilder("gcc", "-o", probe.toString(), source.toString()).inheritIO().start().waitFor());
    Files.setPosixFilePermissions(probe, PosixFilePermissions.fromString("--x--x--x"));
    Files.setAttribute(probe, "unix:uid", TrustBoundaryIT.NOBODY);
    return probe;
  }

  /**
   * An mmap of a descriptor reads no memory: the library is named by /proc/TID/fd/N, which an
   * undumpable process closes. The refused readlink was taken for a closed descriptor (which the
   * kernel fails with EBADF) and the executable mapping left the record without a word (the record
   * was incomplete only because the program itself could not be hashed).
   */
  @Test
  void aLibraryAnUndumpableProcessMapsIsNeverDroppedSilently() throws Exception {
    Path probe = undumpableProbe();
    Path library = Files.copy(Path.of("/bin/true"), dir.resolve("payload.so"));
    JsonNode r = run("exec " + probe + " mmap 3<" + library);
    assertTrue(r.path("output").asText().contains("mmap mapped"), r.path("output").asText());
    JsonNode completeness = r.path("completeness");
    assertFalse(completeness.path("complete").asBoolean(), completeness.toString());
    assertTrue(completeness.path("reasons").toString().contains("what its mmap named is missing"), completeness.toString());
    assertTrue(completeness.path("reasons").toString().contains("a process named probe runs a program the agent may not read"),
        completeness.toString());
  }

  /** Every network call of an undumpable process names its destination in memory it closes: block mode refuses them all. */
  @Test
  void anUndumpableProcessSendsNothingBlockModeRefuses() throws Exception {
    Path probe = undumpableProbe();
    Path portFile = dir.resolve("port");
    Path unix = dir.resolve("daemon.sock");
    Path received = dir.resolve("received");
    String listen = String.join("\n",
        "import os, socket, sys, threading",
        "u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.bind(('127.0.0.1', 0))",
        "x = socket.socket(socket.AF_UNIX); x.bind(sys.argv[2]); os.chmod(sys.argv[2], 0o777); x.listen(8)",
        "def log(d): open(sys.argv[3], 'ab').write(d + b'\\n')",
        "def accept():",
        "    while True:",
        "        c, _ = x.accept(); log(c.recv(100)); c.close()",
        "threading.Thread(target=accept, daemon=True).start()",
        "open(sys.argv[1] + '.tmp', 'w').write(str(u.getsockname()[1])); os.rename(sys.argv[1] + '.tmp', sys.argv[1])",
        "while True: log(u.recv(100))");
    started.add(new ProcessBuilder("setpriv", "--reuid=" + TrustBoundaryIT.NOBODY, "--regid=" + TrustBoundaryIT.NOBODY,
        "--clear-groups", "/usr/bin/python3", "-c", listen, portFile.toString(), unix.toString(), received.toString())
        .redirectErrorStream(true).start());
    for (int i = 0; i < 1000 && !Files.exists(portFile); i++) {
      Thread.sleep(10);
    }
    String port = Files.readString(portFile).strip();
    Path record = dir.resolve("record.json");
    String script = probe + " sendto " + port + "; " + probe + " sendmsg " + port + "; " + probe + " sendmmsg " + port
        + "; " + probe + " unix " + unix;
    TrustBoundaryIT.Run run = TrustBoundaryIT.asNobody(repo, Map.of(), "", List.of(TrustBoundaryIT.LAUNCHER.toString(),
        "run", "--egress", "block", "--deny-loopback", "--deny-unix", unix.toString(), "--record", record.toString(),
        "--", "/bin/sh", "-c", script));
    assertEquals(0, run.code(), run.output());
    for (String call : List.of("sendto", "sendmsg", "sendmmsg", "unix")) {
      assertTrue(run.output().contains(call + " Permission denied"), run.output());
    }
    Thread.sleep(200);
    assertFalse(Files.exists(received), "nothing reached the listeners");
  }

  /**
   * Without root the other way to an undumpable process, changed ids, is closed: in a user
   * namespace of its own (unshare, no exec after it, so its memory stays owned by the agent's
   * namespace, where the agent has no CAP_SYS_PTRACE) a process maps its one id and sets its ids
   * and groups; the kernel leaves it dumpable, and its sendto to a port block mode refuses is
   * judged and blocked. Fails if a kernel made it undumpable here: docs/tracer.md would be wrong.
   */
  @Test
  void idsChangedInAUserNamespaceLeaveTheProcessJudged() throws Exception {
    Path received = dir.resolve("received");
    String port = udpListener(received);
    String build = String.join("\n",
        "import ctypes, errno, socket, sys",
        "libc = ctypes.CDLL(None, use_errno=True)",
        "assert libc.unshare(0x10000000) == 0, ctypes.get_errno()",
        "open('/proc/self/setgroups', 'w').write('deny')",
        "open('/proc/self/uid_map', 'w').write('0 65534 1')",
        "open('/proc/self/gid_map', 'w').write('0 65534 1')",
        "print('setresgid', libc.setresgid(0, 0, 0), 'setresuid', libc.setresuid(0, 0, 0), 'setfsuid', libc.setfsuid(0))",
        "print('dumpable', libc.prctl(3, 0, 0, 0, 0))",
        "s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)",
        "try:",
        "    s.sendto(b'leak', ('127.0.0.1', int(sys.argv[1]))); print('sent')",
        "except OSError as e:",
        "    print('sendto', errno.errorcode[e.errno])");
    Path record = dir.resolve("record.json");
    TrustBoundaryIT.Run run = TrustBoundaryIT.asNobody(repo, Map.of(), "", List.of(TrustBoundaryIT.LAUNCHER.toString(),
        "run", "--egress", "block", "--deny-loopback", "--record", record.toString(), "--", "/usr/bin/python3", "-c",
        build, port));
    assertEquals(0, run.code(), run.output());
    assertTrue(run.output().contains("setresgid 0 setresuid 0"), run.output());
    assertTrue(run.output().contains("dumpable 1"), run.output());
    assertFalse(run.output().contains("sent"), run.output());
    JsonNode r = new ObjectMapper().readTree(record.toFile());
    assertTrue(r.path("network").toString().contains("\"blocked\""), r.path("network").toString());
    Thread.sleep(200);
    assertFalse(Files.exists(received), () -> "nothing reached the listener: " + read(received) + "\n" + run.output() + r);
  }

  /**
   * A UDP listener on loopback outside the traced tree, as nobody, appending what it receives to
   * {@code received}; its port.
   */
  private String udpListener(Path received) throws Exception {
    Path portFile = dir.resolve("port");
    String listen = String.join("\n",
        "import os, socket, sys",
        "u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.bind(('127.0.0.1', 0))",
        "open(sys.argv[1] + '.tmp', 'w').write(str(u.getsockname()[1])); os.rename(sys.argv[1] + '.tmp', sys.argv[1])",
        "while True:",
        "    d = u.recv(100); open(sys.argv[2], 'ab').write(d)");
    started.add(new ProcessBuilder("setpriv", "--reuid=" + TrustBoundaryIT.NOBODY, "--regid=" + TrustBoundaryIT.NOBODY,
        "--clear-groups", "/usr/bin/python3", "-c", listen, portFile.toString(), received.toString())
        .redirectErrorStream(true).start());
    for (int i = 0; i < 1000 && !Files.exists(portFile); i++) {
      Thread.sleep(10);
    }
    return Files.readString(portFile).strip();
  }

  private static String read(Path p) {
    try {
      return Files.readString(p);
    } catch (java.io.IOException e) {
      return e.toString();
    }
  }

  /**
   * A set-user-ID and set-group-ID root program run by the build: under NO_NEW_PRIVS the kernel
   * does not change its ids, so it stays dumpable and the agent reads it; its sendto to a port
   * block mode refuses is judged and blocked, and the record notes the setuid program. Fails where
   * a kernel made it undumpable (docs/tracer.md's claim would be wrong).
   */
  @Test
  void aSetuidProgramUnderNoNewPrivsStaysDumpableAndJudged() throws Exception {
    Path source = Files.writeString(dir.resolve("setid.c"), String.join("\n",
        "#include <arpa/inet.h>", "#include <errno.h>", "#include <stdio.h>", "#include <stdlib.h>",
        "#include <string.h>", "#include <sys/prctl.h>", "#include <sys/socket.h>", "#include <unistd.h>",
        "int main(int argc, char **argv) {",
        "  printf(\"euid %d egid %d dumpable %d\\n\", (int) geteuid(), (int) getegid(), prctl(PR_GET_DUMPABLE));",
        "  struct sockaddr_in a = {0};",
        "  a.sin_family = AF_INET; a.sin_port = htons(atoi(argv[1])); a.sin_addr.s_addr = htonl(0x7f000001);",
        "  long r = sendto(socket(AF_INET, SOCK_DGRAM, 0), \"leak\", 4, 0, (struct sockaddr *)&a, sizeof a);",
        "  printf(\"sendto %s\\n\", r < 0 ? strerror(errno) : \"sent\"); return 0;",
        "}", ""));
    Path program = dir.resolve("setid");
    assertEquals(0, new ProcessBuilder("gcc", "-o", program.toString(), source.toString()).inheritIO().start().waitFor());
    Files.setPosixFilePermissions(program, PosixFilePermissions.fromString("rwxr-xr-x"));
    assertEquals(0, new ProcessBuilder("chmod", "6755", program.toString()).start().waitFor()); // root's, set-ID
    Path received = dir.resolve("received");
    String port = udpListener(received);
    Path record = dir.resolve("record.json");
    TrustBoundaryIT.Run run = TrustBoundaryIT.asNobody(repo, Map.of(), "", List.of(TrustBoundaryIT.LAUNCHER.toString(),
        "run", "--egress", "block", "--deny-loopback", "--record", record.toString(), "--", program.toString(),
        port));
    assertEquals(0, run.code(), run.output());
    assertTrue(run.output().contains("euid " + TrustBoundaryIT.NOBODY + " egid " + TrustBoundaryIT.NOBODY + " dumpable 1"),
        run.output());
    assertFalse(run.output().contains("sendto sent"), run.output());
    JsonNode r = new ObjectMapper().readTree(record.toFile());
    assertTrue(r.path("network").toString().contains("\"blocked\""), r.path("network").toString());
    assertTrue(r.path("notes").toString().contains("setuid"), r.path("notes").toString());
    assertTrue(r.path("completeness").path("complete").asBoolean(), r.path("completeness").toString());
    Thread.sleep(200);
    assertFalse(Files.exists(received), "nothing reached the listener");
  }
}
