package dev.plumbline.trace.ptrace;

import java.io.IOException;
import java.io.InputStream;
import java.net.DatagramSocket;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/** Test programs in C (src/test/resources/tracer), compiled once per test JVM with gcc. */
final class Fixtures {
  private static Path bin;

  private Fixtures() {}

  static synchronized Path bin() throws IOException, InterruptedException {
    if (bin != null) {
      return bin;
    }
    Path dir = Files.createTempDirectory("plumbline-fixtures");
    dir.toFile().deleteOnExit();
    try (InputStream in = Fixtures.class.getResourceAsStream("/tracer/loopback.h")) {
      Files.copy(in, dir.resolve("loopback.h"));
    }
    for (String name : List.of("mt_exec", "spawn", "memfd", "net", "int80", "evade", "dial", "noptrace", "untraced", "race", "unspec", "clone3race", "toctou", "threadrace", "threaddial", "unixdial", "ownfilter", "readexec", "families", "inbound", "roots", "listenrace")) {
      Path src = dir.resolve(name + ".c");
      try (InputStream in = Fixtures.class.getResourceAsStream("/tracer/" + name + ".c")) {
        Files.copy(in, src);
      }
      List<String> cc = new ArrayList<>(List.of("gcc", "-O1", "-pthread", "-o", dir.resolve(name).toString(), src.toString()));
      if (name.equals("roots")) {
        cc.add("-static"); // it runs, and execs itself, inside roots that hold no libraries
      }
      Process gcc = new ProcessBuilder(cc).redirectErrorStream(true).start();
      String out = new String(gcc.getInputStream().readAllBytes());
      if (gcc.waitFor() != 0) {
        throw new IOException("gcc failed on " + name + ": " + out);
      }
    }
    bin = dir.toRealPath();
    return bin;
  }

  static int freeTcpPort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  static int freeUdpPort() throws IOException {
    try (DatagramSocket s = new DatagramSocket(0)) {
      return s.getLocalPort();
    }
  }

  /** A copy of examples/hello-c in a fresh directory. */
  static Path helloC(Path into) throws IOException {
    Path root = Path.of(System.getProperty("plumbline.root", "..")).toAbsolutePath();
    Path src = root.resolve("examples/hello-c");
    if (!Files.isDirectory(src)) {
      src = Path.of("../examples/hello-c").toAbsolutePath();
    }
    Path dst = into.resolve("hello-c");
    List<Path> all;
    try (Stream<Path> s = Files.walk(src)) {
      all = new ArrayList<>(s.sorted(Comparator.naturalOrder()).toList());
    }
    for (Path p : all) {
      Path rel = src.relativize(p);
      if (rel.startsWith("build")) {
        continue;
      }
      Path t = dst.resolve(rel.toString());
      if (Files.isDirectory(p)) {
        Files.createDirectories(t);
      } else {
        Files.copy(p, t);
      }
    }
    return dst;
  }
}
