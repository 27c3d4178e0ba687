package dev.plumbline.trace.ptrace;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The ground truth: runs a command under {@code strace -f} and reads what it saw. */
final class StraceLog {
  private static final Pattern CALL = Pattern.compile("^(\\d+) +(execve|execveat)\\((.*)$");
  private static final Pattern RESUMED = Pattern.compile("^(\\d+) +<\\.\\.\\. (execve|execveat) resumed>.*= (-?\\d+)");
  private static final Pattern PID_CHANGED = Pattern.compile("<pid changed to (\\d+) \\.\\.\\.>$");
  private static final Pattern SUPERSEDED = Pattern.compile("^(\\d+) +\\+\\+\\+ superseded by execve in pid (\\d+)");
  private static final Pattern INET = Pattern.compile(
      "sa_family=AF_INET, sin_port=htons\\((\\d+)\\), sin_addr=inet_addr\\(\"([0-9.]+)\"\\)");
  private static final Pattern INET6 = Pattern.compile(
      "sa_family=AF_INET6, sin6_port=htons\\((\\d+)\\).*?inet_pton\\(AF_INET6, \"([0-9a-f:.]+)\"");
  private static final Pattern UNIX = Pattern.compile("sa_family=AF_UNIX, sun_path=(@?)\"([^\"]*)\"");

  final Set<String> execs = new TreeSet<>();
  final Set<String> destinations = new TreeSet<>();
  int exitCode;
  /** strace's own messages and the workload's stderr, for failure messages. */
  String stderr = "";

  static StraceLog run(Path cwd, List<String> argv) throws IOException, InterruptedException {
    Path out = Files.createTempFile("plumbline-strace", ".txt");
    Path err = Files.createTempFile("plumbline-strace", ".err");
    try {
      List<String> cmd = new java.util.ArrayList<>(List.of("strace", "-f", "-qq", "-s", "256", "-e", "signal=none",
          "-e", "trace=execve,execveat,connect,sendto,sendmsg,sendmmsg", "-o", out.toString(), "--"));
      cmd.addAll(argv);
      Process p = new ProcessBuilder(cmd).directory(cwd.toFile())
          .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(err.toFile()).start();
      StraceLog log = new StraceLog();
      log.exitCode = p.waitFor();
      log.stderr = Files.readString(err);
      List<String> lines = Files.readAllLines(out);
      log.parse(lines);
      log.stderr += " | first lines: " + String.join(" / ", lines.subList(0, Math.min(4, lines.size())));
      return log;
    } finally {
      Files.deleteIfExists(out);
      Files.deleteIfExists(err);
    }
  }

  void parse(List<String> lines) {
    Map<String, String> pending = new HashMap<>();
    for (String line : lines) {
      Matcher m = CALL.matcher(line);
      if (m.find()) {
        String path = execPath(m.group(2), m.group(3));
        Matcher moved = PID_CHANGED.matcher(line);
        if (moved.find()) {
          pending.put(moved.group(1), path); // exec from a thread: it resumes under the leader's pid
        } else if (line.endsWith("<unfinished ...>")) {
          pending.put(m.group(1), path);
        } else if (line.matches(".*\\) += 0$")) {
          execs.add(path);
        }
      }
      m = SUPERSEDED.matcher(line);
      if (m.find()) {
        String p = pending.remove(m.group(2));
        if (p != null) {
          pending.put(m.group(1), p);
        }
      }
      m = RESUMED.matcher(line);
      if (m.find()) {
        String p = pending.remove(m.group(1));
        if (p != null && m.group(3).equals("0")) {
          execs.add(p);
        }
      }
      if (line.matches("^\\d+ +(connect|sendto|sendmsg|sendmmsg)\\(.*")) {
        Matcher a = INET.matcher(line);
        while (a.find()) {
          destinations.add(a.group(2) + ":" + a.group(1));
        }
        a = INET6.matcher(line);
        while (a.find()) {
          destinations.add("[" + a.group(2) + "]:" + a.group(1));
        }
        a = UNIX.matcher(line);
        while (a.find()) {
          destinations.add("unix:" + a.group(1) + a.group(2));
        }
      }
    }
  }

  private static String execPath(String call, String args) {
    if (call.equals("execveat") && args.contains("\"\"") && args.contains("AT_EMPTY_PATH")) {
      return "memfd";
    }
    int q1 = args.indexOf('"');
    int q2 = args.indexOf('"', q1 + 1);
    String path = args.substring(q1 + 1, q2);
    try {
      return Path.of(path).toRealPath().toString();
    } catch (IOException e) {
      return path;
    }
  }
}
