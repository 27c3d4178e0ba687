package dev.plumbline.packages;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The other name of a path on a merged-/usr system, where /bin, /sbin and /lib* are symlinks into
 * /usr: the kernel reports /usr/lib/x86_64-linux-gnu/liblzma.so.5 while dpkg's list names
 * /lib/x86_64-linux-gnu/liblzma.so.5 (packages built before the merge keep the old name). Only a
 * directory that is really a symlink to its /usr twin under this root makes two names one file.
 */
final class UsrMerge {
  private static final List<String> MERGED = List.of("bin", "sbin", "lib", "lib32", "lib64", "libx32");

  private final List<String> merged = new ArrayList<>();

  UsrMerge(Path root) {
    for (String dir : MERGED) {
      Path link = root.resolve(dir);
      try {
        if (Files.isSymbolicLink(link)) {
          Path target = Files.readSymbolicLink(link);
          String t = target.toString();
          if (t.equals("usr/" + dir) || t.equals("/usr/" + dir) || t.equals("./usr/" + dir)) {
            merged.add(dir);
          }
        }
      } catch (java.io.IOException | UnsupportedOperationException e) {
        // unreadable link: treat as not merged, so no two paths are wrongly taken for one
      }
    }
  }

  /** The path itself and, when its top directory is merged, its twin; absolute paths only. */
  List<String> names(String path) {
    List<String> out = new ArrayList<>(2);
    out.add(path);
    for (String dir : merged) {
      if (path.startsWith("/" + dir + "/")) {
        out.add("/usr" + path);
      } else if (path.startsWith("/usr/" + dir + "/")) {
        out.add(path.substring(4));
      }
    }
    return out;
  }

  /** The owners of each of {@code paths} that has one, looked up under both its names in {@code byPath}. */
  Map<String, List<OwnedFile>> owners(Collection<String> paths, Map<String, List<OwnedFile>> byPath) {
    Map<String, List<OwnedFile>> out = new TreeMap<>();
    for (String path : paths) {
      List<OwnedFile> owned = new ArrayList<>();
      for (String name : names(path)) {
        owned.addAll(byPath.getOrDefault(name, List.of()));
      }
      if (!owned.isEmpty()) {
        out.put(path, List.copyOf(owned));
      }
    }
    return out;
  }
}
