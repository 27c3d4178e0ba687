package dev.plumbline.egress;

import static dev.plumbline.egress.EgressNamespaceTest.exec;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.plumbline.egress.EgressNamespaceTest.Result;
import dev.plumbline.testing.Trees;
import java.io.IOException;
import java.io.InputStream;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The client matrix (issue 12): the fetchers and toolchains CI runs, each under every egress mode,
 * in a network namespace this test creates. dnsmasq answers the test names on the loopback stub
 * 127.0.0.53 (systemd-resolved's address) and on 198.51.100.53 (a container's private
 * resolv.conf); one HTTP server serves files, a dumb-HTTP git repository, a Maven repository (the
 * local one the build used), an npm registry ({@code npm pack} + packument) and a PyPI simple index
 * (a wheel built here); {@code git daemon} serves {@code git://}. Every client has its own name and
 * its own address, so the servers' logs (not plumbline's record) say what reached them and which
 * name was asked, even with clients running in parallel.
 *
 * <p>Modes per client: untraced; audit (the record has the name, every destination carries it as
 * {@code hostname}); block with the name allowed (works, recorded by name); block with another name
 * allowed (fails, nothing reaches the server, no query for the name reaches the DNS server); block
 * with the name allowed and {@code --deny-loopback} (DNS through the loopback stub still works).
 * The outcome of every cell goes to {@code target/client-matrix.md} (docs/egress.md shows it).
 *
 * <p>Needs root (ip netns), dnsmasq, git, curl, wget, pip, node/npm, go, musl-gcc, mvn: a missing
 * one fails with its name. An IT: it runs scripts/plumbline, which needs the packaged jar.
 */
@Tag("needs-ptrace")
@Tag("needs-root")
@Tag("needs-network-namespace")
@Tag("needs-npm")
class ClientMatrixIT {
  private static final Path ROOT = Path.of(System.getProperty("plumbline.root", "..")).toAbsolutePath().normalize();
  private static final Path PLUMBLINE = ROOT.resolve("scripts/plumbline");
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String OTHER = "c-other.test";
  private static final String CONTAINER_DNS = "198.51.100.53";

  /** One client: its row label, its shell command ($H name, $W cell directory, $M materials), where it connects. */
  record Client(String id, String label, String command, int port, boolean v6, boolean container) {
    String host() {
      return "c-" + id + ".test";
    }
  }

  enum Mode {
    UNTRACED("untraced"),
    AUDIT("audit"),
    BLOCK_ALLOWED("block, name allowed"),
    BLOCK_OTHER("block, other name allowed"),
    DENY_LOOPBACK("block + --deny-loopback");

    final String label;

    Mode(String label) {
      this.label = label;
    }
  }

  static final String URL = "\"http://$H:8080/files/hello.txt\"";
  static final List<Client> CLIENTS = List.of(
      new Client("curl", "curl", "curl -sSf --max-time 20 -o \"$W/out\" " + URL, 8080, false, false),
      new Client("wget", "wget", "wget -q -T 20 -t 1 -O \"$W/out\" " + URL, 8080, false, false),
      new Client("git-http", "git clone (dumb HTTP, libcurl)", "git clone -q \"http://$H:8080/git/repo.git\" \"$W/repo\"", 8080, false, false),
      new Client("git-daemon", "git clone (git://)", "git clone -q \"git://$H/repo.git\" \"$W/repo\"", 9418, false, false),
      new Client("pip", "pip download (simple index)", "python3 -m pip download -q --no-cache-dir --disable-pip-version-check --no-deps"
          + " --timeout 20 --retries 0 --index-url \"http://$H:8080/simple/\" --trusted-host \"$H\" --dest \"$W\" tinypkg", 8080, false, false),
      new Client("npm", "npm install (registry)", "npm install --silent --prefix \"$W\" --cache \"$W/cache\" --registry \"http://$H:8080/npm/\""
          + " --no-audit --no-fund --no-update-notifier --fetch-retries=0 tinynpm", 8080, false, false),
      new Client("node-get", "node http.get", "node \"$M/get.js\" " + URL, 8080, false, false),
      new Client("node-fetch", "node fetch", "node \"$M/fetch.js\" " + URL, 8080, false, false),
      new Client("java", "Java HttpClient", "java -cp \"$M\" Fetch " + URL, 8080, false, false),
      new Client("maven", "Maven (core extension download)", "sed \"s/HOST/$H/\" \"$M/settings.xml\" > \"$W/settings.xml\""
          + " && cp -r \"$M/mvnproj\" \"$W/proj\" && cd \"$W/proj\""
          + " && mvn -B -q -s \"$W/settings.xml\" -Dmaven.repo.local=\"$W/m2\" validate", 8080, false, false),
      new Client("go", "Go net/http", "\"$M/gofetch\" " + URL, 8080, false, false),
      new Client("py-main", "Python urllib, main thread", "python3 \"$M/fetch.py\" " + URL, 8080, false, false),
      new Client("py-thread", "Python urllib, worker thread", "python3 \"$M/fetch.py\" --thread " + URL, 8080, false, false),
      new Client("glibc", "C getaddrinfo, glibc", "\"$M/resolve-glibc\" \"$H\" 8080 /files/hello.txt", 8080, false, false),
      new Client("musl", "C getaddrinfo, musl (static)", "\"$M/resolve-musl\" \"$H\" 8080 /files/hello.txt", 8080, false, false),
      new Client("curl-v6", "curl, IPv6-only name", "curl -sSf --max-time 20 -o \"$W/out\" " + URL, 8080, true, false),
      new Client("glibc-container", "glibc, container resolv.conf (198.51.100.53)", "\"$M/resolve-glibc\" \"$H\" 8080 /files/hello.txt", 8080, false, true),
      new Client("musl-container", "musl, container resolv.conf (198.51.100.53)", "\"$M/resolve-musl\" \"$H\" 8080 /files/hello.txt", 8080, false, true));

  /**
   * Rows (a client's five cells run one after another) that took longest, measured (sums of the
   * logged cell times: maven 579 s, pip 541 s, npm 468 s, node fetch 396 s, node http.get 366 s
   * of 5846 s, on a machine loaded ~4x): started first, so no long row starts when the others are
   * nearly done and the pool's threads end together.
   */
  static final List<String> LONGEST_ROWS = List.of("maven", "pip", "npm", "node-fetch", "node-get", "py-thread", "java");

  static String netns;
  static Path work;
  static Path mat;
  static Path httpLog;
  static Path gitLog;
  static Path dnsLog;
  static final List<Process> servers = new ArrayList<>();

  static String address(Client c) {
    return c.v6() ? "2001:db8::" + (11 + CLIENTS.indexOf(c)) : "198.51.100." + (11 + CLIENTS.indexOf(c));
  }

  @BeforeAll
  @Timeout(value = 15, unit = TimeUnit.MINUTES) // builds Go's net/http and the other materials once
  static void setUp() throws Exception {
    long t0 = System.nanoTime();
    // one shell for every check: a process per tool cost seconds on a loaded machine
    Result missing = exec(List.of("sh", "-c", "for t in dnsmasq git curl wget node npm go musl-gcc mvn javac python3 openssl unshare; do"
        + " command -v \"$t\" >/dev/null || echo \"'$t'\"; done;"
        + " python3 -m pip --version >/dev/null 2>&1 || echo 'pip (python3-pip)'"), 60);
    if (!missing.output().isBlank()) {
      fail("the client matrix needs " + String.join(", ", missing.output().strip().split("\n")) + " (.ci/run installs it)");
    }
    phase("tools checked", t0);
    work = Files.createTempDirectory("plumbline-clients-");
    String name = "plumbline-clients-" + HexFormat.of().formatHex(randomBytes(4));
    Result add = exec(List.of("ip", "netns", "add", name), 30);
    if (add.code() != 0) {
      fail("the client matrix needs a network namespace of its own, but 'ip netns add' failed (" + add.output().strip()
          + "): run it as root (CI does)");
    }
    netns = name;
    Path etc = Files.createDirectories(Paths.get("/etc/netns", name));
    // ip netns exec bind-mounts these over /etc/resolv.conf and /etc/hosts in the namespace
    Files.writeString(etc.resolve("resolv.conf"), "nameserver 127.0.0.53\noptions timeout:2 attempts:2\n");
    Files.writeString(etc.resolve("hosts"), "127.0.0.1 localhost\n::1 localhost\n");
    StringBuilder ns = new StringBuilder("set -e\nip link set lo up\nip addr add " + CONTAINER_DNS + "/32 dev lo\n");
    StringBuilder dns = new StringBuilder(String.join("\n", "no-resolv", "no-hosts", "bind-interfaces", "listen-address=127.0.0.53",
        "listen-address=" + CONTAINER_DNS, "log-queries", "local=/test/", "host-record=" + OTHER + ",198.51.100.99", ""));
    for (Client c : CLIENTS) {
      ns.append("ip addr add ").append(address(c)).append(c.v6() ? "/128" : "/32").append(c.v6() ? " dev lo nodad\n" : " dev lo\n");
      dns.append("host-record=").append(c.host()).append(',').append(address(c)).append('\n');
    }
    Result up = exec(List.of("ip", "netns", "exec", name, "sh", "-c", ns.toString()), 30);
    assertEquals(0, up.code(), "namespace addresses: " + up.output());
    Files.writeString(work.resolve("container-resolv.conf"), "nameserver " + CONTAINER_DNS + "\noptions timeout:2 attempts:2\n");

    // materials: programs, the served tree (built from local material only)
    Path src = Files.createDirectories(work.resolve("src"));
    for (String f : List.of("materials.sh", "httpd.py", "resolve.c", "fetch.go", "Fetch.java", "get.js", "fetch.js", "fetch.py")) {
      try (InputStream in = ClientMatrixIT.class.getResourceAsStream("/clients/" + f)) {
        Files.copy(in, src.resolve(f));
      }
    }
    mat = work.resolve("mat");
    Path www = work.resolve("www");
    Path m2 = Path.of(System.getProperty("user.home"), ".m2", "repository");
    Result materials = exec(List.of("sh", src.resolve("materials.sh").toString(), src.toString(), mat.toString(), www.toString(),
        m2.toString(), "c-npm.test"), 600);
    assertEquals(0, materials.code(), "building the matrix's materials: " + materials.output());
    phase("namespace and materials built", t0);
    Files.writeString(mat.resolve("settings.xml"), "<settings><mirrors><mirror><id>matrix</id><mirrorOf>*</mirrorOf>"
        + "<url>http://HOST:8080/maven2</url></mirror></mirrors></settings>\n");
    Path proj = Files.createDirectories(mat.resolve("mvnproj/.mvn"));
    Files.writeString(mat.resolve("mvnproj/pom.xml"), "<project xmlns=\"http://maven.apache.org/POM/4.0.0\"><modelVersion>4.0.0</modelVersion>"
        + "<groupId>test.matrix</groupId><artifactId>fetch</artifactId><version>1</version><packaging>pom</packaging></project>\n");
    // a core extension is downloaded with its dependencies before any plugin is needed; junit
    // 4.13.2 (and hamcrest) are in the local repository of every build of this project: the test
    // dependency mockwebserver brings them
    Files.writeString(proj.resolve("extensions.xml"), "<extensions><extension><groupId>junit</groupId><artifactId>junit</artifactId>"
        + "<version>4.13.2</version></extension></extensions>\n");

    // servers
    Path dnsConf = work.resolve("dnsmasq.conf");
    Files.writeString(dnsConf, dns.toString());
    dnsLog = work.resolve("dns.log");
    httpLog = work.resolve("http.log");
    gitLog = work.resolve("git.log");
    Files.createFile(httpLog);
    server(List.of("dnsmasq", "--keep-in-foreground", "--conf-file=" + dnsConf, "--log-facility=" + dnsLog, "--user=root",
        "--pid-file=" + work.resolve("dnsmasq.pid")), work.resolve("dnsmasq.out"));
    server(List.of("python3", src.resolve("httpd.py").toString(), www.toString(), "8080", httpLog.toString()), work.resolve("httpd.out"));
    server(List.of("git", "daemon", "--verbose", "--export-all", "--base-path=" + www.resolve("git"), "--reuseaddr", "--port=9418",
        "--log-destination=stderr"), gitLog);
    String ready = "getent hosts c-curl.test >/dev/null && exec 3<>/dev/tcp/198.51.100.11/8080 && exec 4<>/dev/tcp/198.51.100.11/9418";
    for (int i = 0; ; i++) {
      if (exec(List.of("ip", "netns", "exec", name, "bash", "-c", ready), 30).code() == 0) {
        break;
      }
      if (i == 120) {
        fail("the matrix's servers did not start: " + Files.readString(work.resolve("httpd.out")) + Files.readString(work.resolve("dnsmasq.out")));
      }
      Thread.sleep(250);
    }
    phase("servers ready", t0);
    // the launcher makes its AppCDS archive on the first run: once, before runs in parallel
    exec(List.of(PLUMBLINE.toString(), "--version"), 120);
    phase("launcher archive made", t0);
  }

  /** Where the matrix's time goes: set-up phases and every cell are logged with their wall time. */
  static void phase(String what, long since) {
    System.out.printf("client matrix: %s after %.1f s%n", what, (System.nanoTime() - since) / 1e9);
  }

  static void server(List<String> argv, Path out) throws IOException {
    List<String> full = new ArrayList<>(List.of("ip", "netns", "exec", netns));
    full.addAll(argv);
    servers.add(new ProcessBuilder(full).redirectErrorStream(true).redirectOutput(out.toFile()).start());
  }

  @AfterAll
  static void tearDown() throws Exception {
    for (Process p : servers) {
      p.destroy();
      if (!p.waitFor(10, TimeUnit.SECONDS)) {
        p.destroyForcibly();
      }
    }
    if (netns != null) {
      exec(List.of("ip", "netns", "del", netns), 30);
      Trees.delete(Paths.get("/etc/netns", netns));
    }
    if (work != null && !Boolean.getBoolean("plumbline.keepMatrix")) {
      Trees.delete(work);
    }
  }

  /** One cell's outcome: whether it passed and what was seen. */
  record Cell(boolean pass, String detail) {}

  static final String NO_QUESTION = "record has no DNS question for the name";
  static final String LIMIT = "works, name not recorded (documented limit)";

  @Test
  @Timeout(value = 30, unit = TimeUnit.MINUTES) // 90 cells, ~4 in parallel; a loaded 2-CPU machine needs the margin
  void everyClientWorksInEveryModeAndIsRecordedByName() throws Exception {
    Map<Client, Map<Mode, Cell>> results = new LinkedHashMap<>();
    ExecutorService pool = Executors.newFixedThreadPool(Integer.getInteger("plumbline.matrixThreads", 4));
    Map<Client, Future<Map<Mode, Cell>>> futures = new LinkedHashMap<>();
    String only = System.getProperty("plumbline.matrixClients", ""); // a subset while developing: ids, comma-separated
    List<Client> longestFirst = new ArrayList<>(CLIENTS);
    longestFirst.sort(Comparator.comparingInt(c -> LONGEST_ROWS.contains(c.id()) ? LONGEST_ROWS.indexOf(c.id()) : LONGEST_ROWS.size()));
    for (Client c : longestFirst) {
      if (!only.isEmpty() && !List.of(only.split(",")).contains(c.id())) {
        continue;
      }
      futures.put(c, pool.submit(() -> {
        Map<Mode, Cell> row = new LinkedHashMap<>();
        for (Mode m : Mode.values()) { // one client's cells in order: the server logs are read by difference
          row.put(m, cell(c, m));
        }
        return row;
      }));
    }
    for (Client c : CLIENTS) { // the table in the order of CLIENTS
      if (futures.containsKey(c)) {
        results.put(c, futures.get(c).get(30, TimeUnit.MINUTES));
      }
    }
    pool.shutdown();
    String table = table(results);
    Path out = ROOT.resolve("agent/target/client-matrix.md");
    Files.createDirectories(out.getParent());
    Files.writeString(out, table);
    System.out.println(table);
    List<String> failures = new ArrayList<>();
    results.forEach((c, row) -> row.forEach((m, cell) -> {
      if (!cell.pass()) {
        failures.add(c.label() + " / " + m.label + ": " + cell.detail());
      }
    }));
    if (!failures.isEmpty()) {
      fail(failures.size() + " of " + results.size() * Mode.values().length + " cells failed:\n" + String.join("\n", failures));
    }
  }

  static String table(Map<Client, Map<Mode, Cell>> results) {
    StringBuilder t = new StringBuilder("| client |");
    for (Mode m : Mode.values()) {
      t.append(' ').append(m.label).append(" |");
    }
    t.append("\n| --- |").append(" --- |".repeat(Mode.values().length)).append('\n');
    int passed = 0;
    for (Map.Entry<Client, Map<Mode, Cell>> e : results.entrySet()) {
      t.append("| ").append(e.getKey().label()).append(" |");
      for (Cell cell : e.getValue().values()) {
        String shown = LIMIT.equals(cell.detail()) ? "pass: " + LIMIT : cell.pass() ? "pass" : "**fail**: " + cell.detail();
        t.append(' ').append(shown.replace("|", "\\|")).append(" |");
        passed += cell.pass() ? 1 : 0;
      }
      t.append('\n');
    }
    t.append('\n').append(passed).append(" of ").append(results.size() * Mode.values().length).append(" cells pass.\n");
    return t.toString();
  }

  Cell cell(Client c, Mode mode) throws Exception {
    Path dir = Files.createDirectories(work.resolve("cells").resolve(c.id() + "-" + mode.name().toLowerCase()));
    Files.createDirectories(dir.resolve("home"));
    Path record = dir.resolve("record.json");
    List<String> argv = new ArrayList<>(List.of("ip", "netns", "exec", netns, "env", "H=" + c.host(), "W=" + dir, "M=" + mat,
        "HOME=" + dir.resolve("home"), "GIT_TERMINAL_PROMPT=0", "NO_COLOR=1"));
    if (c.container()) {
      // as in a container: the whole job (plumbline too) sees a resolv.conf naming a non-loopback server
      argv.addAll(List.of("unshare", "-m", "sh", "-c", "mount --bind \"$0\" /etc/resolv.conf && exec \"$@\"",
          work.resolve("container-resolv.conf").toString()));
    }
    String allowed = c.host() + ":" + c.port();
    switch (mode) {
      case UNTRACED -> { }
      case AUDIT -> argv.addAll(List.of(PLUMBLINE.toString(), "run", "--record", record.toString(), "--"));
      case BLOCK_ALLOWED -> argv.addAll(List.of(PLUMBLINE.toString(), "run", "--record", record.toString(), "--egress", "block",
          "--allow", allowed, "--"));
      case BLOCK_OTHER -> argv.addAll(List.of(PLUMBLINE.toString(), "run", "--record", record.toString(), "--egress", "block",
          "--allow", OTHER + ":" + c.port(), "--"));
      case DENY_LOOPBACK -> argv.addAll(List.of(PLUMBLINE.toString(), "run", "--record", record.toString(), "--egress", "block",
          "--allow", allowed, "--deny-loopback", "--"));
    }
    argv.addAll(List.of("sh", "-c", c.command()));
    long serverBefore = serverHits(c);
    long dnsBefore = dnsQueries(c);
    long start = System.nanoTime();
    Result r = exec(argv, 180);
    double seconds = (System.nanoTime() - start) / 1e9;
    System.out.printf("client matrix: cell %s / %s: exit %d in %.1f s%n", c.id(), mode.label, r.code(), seconds);
    Thread.sleep(200); // the servers' log lines of the last request
    long hits = serverHits(c) - serverBefore;
    long queries = dnsQueries(c) - dnsBefore;
    Files.writeString(dir.resolve("output.txt"), r.output());
    String seen = String.format("exit %d, %d request(s) reached the server, %d quer%s for the name reached the DNS server, %.1f s",
        r.code(), hits, queries, queries == 1 ? "y" : "ies", seconds);
    if (mode == Mode.BLOCK_OTHER) {
      if (r.code() == 0 || hits > 0 || queries > 0) {
        return new Cell(false, seen + lastLine(r.output()));
      }
      return new Cell(true, seen);
    }
    if (r.code() != 0 || hits == 0) {
      return new Cell(false, seen + lastLine(r.output()));
    }
    if (mode == Mode.AUDIT && c.id().startsWith("musl")) {
      // documented limit (docs/egress.md): audit mode does not redirect an unconnected UDP sendto
      // (musl's resolver), so the lookup works as without plumbline but its name is not learned.
      // Asserted exactly: the day the name is recorded, this cell fails and the limit is gone.
      String byName = recordedByName(c, record);
      return NO_QUESTION.equals(byName)
          ? new Cell(true, LIMIT)
          : new Cell(false, "expected the documented audit limit (" + NO_QUESTION + "), got: " + (byName == null ? "the name" : byName));
    }
    if (mode == Mode.AUDIT || mode == Mode.BLOCK_ALLOWED) {
      String byName = recordedByName(c, record);
      if (byName != null) {
        return new Cell(false, byName);
      }
    }
    return new Cell(true, seen);
  }

  /** Null when the record has the name's DNS question and every destination to the server carries the name. */
  static String recordedByName(Client c, Path recordFile) throws IOException {
    if (!Files.exists(recordFile)) {
      return "no record written";
    }
    JsonNode record = JSON.readTree(recordFile.toFile());
    boolean asked = false;
    for (JsonNode q : record.path("dns")) {
      asked |= c.host().equals(q.path("name").asText());
    }
    List<String> unnamed = new ArrayList<>();
    int toServer = 0;
    for (JsonNode d : record.path("network")) {
      String family = d.path("family").asText();
      if (!family.startsWith("inet") || d.path("port").asInt() == 53 || "redirected".equals(d.path("decision").asText())) {
        continue;
      }
      toServer++;
      if (!c.host().equals(d.path("hostname").asText())) {
        unnamed.add(d.path("address").asText() + ":" + d.path("port").asInt() + " (" + d.path("decision").asText() + ")");
      }
    }
    if (!asked) {
      return NO_QUESTION;
    }
    if (toServer == 0) {
      return "record has no destination";
    }
    return unnamed.isEmpty() ? null : "destinations without the name: " + String.join(", ", unnamed);
  }

  static String lastLine(String output) {
    String[] lines = output.strip().split("\n");
    String last = lines.length == 0 ? "" : lines[lines.length - 1].strip();
    return last.isEmpty() ? "" : "; last output: " + (last.length() > 160 ? last.substring(0, 160) + "…" : last);
  }

  /** Requests from the HTTP log and connections from the git daemon's log that came to this client's address. */
  static long serverHits(Client c) throws IOException {
    String a = address(c);
    long http = Files.readAllLines(httpLog).stream().filter(l -> l.startsWith(a + " ")).count();
    long git = Files.readAllLines(gitLog).stream().filter(l -> l.contains("Connection from " + (c.v6() ? "[" + a + "]" : a) + ":")).count();
    return http + git;
  }

  static long dnsQueries(Client c) throws IOException {
    if (!Files.exists(dnsLog)) {
      return 0;
    }
    return Files.readAllLines(dnsLog).stream().filter(l -> l.contains("] " + c.host() + " from ")).count();
  }

  static byte[] randomBytes(int n) {
    byte[] b = new byte[n];
    new SecureRandom().nextBytes(b);
    return b;
  }

}
