package dev.plumbline.ci;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The files this agent process runs from: every file mapped into it (the Java runtime's libjvm.so
 * and lib/modules, the class-data archive) and its class path (the jar), fingerprinted before the
 * build by (device, inode, size, modification and change time). The build may be able to write
 * them (same user: a tool cache or checkout the runner's user owns); the JVM reads them lazily, so
 * code loaded after the build would be the build's. {@link #changed} after the build names every
 * file that is not the one fingerprinted: a write, even one that restores the content and the
 * modification time, moves the change time, which no unprivileged process can set.
 */
public final class AgentFiles {
  private final Map<Path, String> fingerprints;

  private AgentFiles(Map<Path, String> fingerprints) {
    this.fingerprints = fingerprints;
  }

  /** This process's files, now. */
  public static AgentFiles ofThisProcess() {
    List<Path> files = new ArrayList<>();
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/maps"))) {
        int slash = line.indexOf('/');
        if (slash > 0 && !line.endsWith(" (deleted)")) {
          files.add(Path.of(line.substring(slash)));
        }
      }
    } catch (IOException e) {
      // no procfs: the class path alone
    }
    for (String entry : System.getProperty("java.class.path", "").split(java.io.File.pathSeparator)) {
      if (!entry.isEmpty()) {
        files.add(Path.of(entry).toAbsolutePath());
      }
    }
    return of(files);
  }

  static AgentFiles of(List<Path> files) {
    Map<Path, String> prints = new TreeMap<>();
    for (Path p : files) {
      prints.computeIfAbsent(p, AgentFiles::fingerprint);
    }
    AgentFiles a = new AgentFiles(prints);
    a.changed(); // the classes of the check are loaded now, before the build, not from files it may have changed
    return a;
  }

  /** The fingerprinted files that changed (or went) since, sorted. */
  public List<Path> changed() {
    List<Path> out = new ArrayList<>();
    for (Map.Entry<Path, String> e : fingerprints.entrySet()) {
      if (!e.getValue().equals(fingerprint(e.getKey()))) {
        out.add(e.getKey());
      }
    }
    return out;
  }

  /** How many files are watched. */
  public int size() {
    return fingerprints.size();
  }

  private static String fingerprint(Path p) {
    try {
      Map<String, Object> a = Files.readAttributes(p, "unix:dev,ino,size,lastModifiedTime,ctime", LinkOption.NOFOLLOW_LINKS);
      return a.get("dev") + ":" + a.get("ino") + ":" + a.get("size") + ":" + a.get("lastModifiedTime") + ":" + a.get("ctime");
    } catch (IOException | UnsupportedOperationException e) {
      return "missing";
    }
  }
}
