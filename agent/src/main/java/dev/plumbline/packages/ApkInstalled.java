package dev.plumbline.packages;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * apk's installed database ({@code /lib/apk/db/installed}): one paragraph per package, lines
 * {@code X:value} with the index characters of apk-package(5) ({@code P} name, {@code V} version,
 * {@code A} arch, {@code o} origin) and the file lines of apk-tools' database.c: {@code F} a
 * directory (relative to the root), then {@code R} a file in it, {@code Z} that file's checksum,
 * {@code a}/{@code M} modes. Pure: tested on fixtures written to that description.
 */
final class ApkInstalled {
  private ApkInstalled() {}

  /** One package; {@code files} maps absolute path → checksum (null when the database has none). */
  record Entry(String name, String version, String arch, String origin, Map<String, FileDigest> files) {}

  static List<Entry> parse(String text) {
    List<Entry> out = new ArrayList<>();
    Builder b = new Builder();
    for (String raw : text.split("\n", -1)) {
      String line = raw.endsWith("\r") ? raw.substring(0, raw.length() - 1) : raw;
      if (line.isEmpty()) {
        b.finish(out);
        b = new Builder();
        continue;
      }
      if (line.length() < 2 || line.charAt(1) != ':') {
        continue; // not a field line: apk ignores what it does not know, and so do we
      }
      String value = line.substring(2);
      switch (line.charAt(0)) {
        case 'P' -> b.name = value;
        case 'V' -> b.version = value;
        case 'A' -> b.arch = value;
        case 'o' -> b.origin = value;
        case 'F' -> b.dir = value;
        case 'R' -> {
          String path = "/" + (b.dir == null || b.dir.isEmpty() ? "" : b.dir + "/") + value;
          b.files.put(path, null);
          b.lastFile = path;
        }
        case 'Z' -> {
          if (b.lastFile != null) {
            b.files.put(b.lastFile, FileDigest.fromApk(value));
          }
        }
        default -> {
          // size, description, dependencies, modes ... say nothing about ownership
        }
      }
    }
    b.finish(out);
    return out;
  }

  private static final class Builder {
    String name;
    String version;
    String arch;
    String origin;
    String dir;
    String lastFile;
    final Map<String, FileDigest> files = new LinkedHashMap<>();

    void finish(List<Entry> out) {
      if (name != null) {
        out.add(new Entry(name, version, arch, origin, files));
      }
    }
  }
}
