package dev.plumbline.packages;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * dpkg's database under a root, read directly (no dpkg-query per file): {@code status} for the
 * packages, {@code info/PKG[:ARCH].list} for the files each owns, {@code info/*.md5sums} for their
 * digests, {@code diversions} for files moved aside. {@link #prepare} reads the status and indexes
 * every list once (while the build runs); without it, one ownership query streams every list and
 * keeps only the lines asked for. md5sums are read only for the packages that own an asked path.
 * Every file read other than by {@link #prepare} is noted with its state then ({@link #filesRead}).
 */
public final class DpkgDatabase implements PackageDatabase {
  private static final Logger log = LoggerFactory.getLogger(DpkgDatabase.class);

  private final Path root;
  private final Path admin;
  private final Distro distro;
  private final UsrMerge usrMerge;
  private List<DpkgStatus.Entry> entries;
  private Map<String, DpkgStatus.Entry> byInfoKey;
  private List<DpkgStatus.Diversion> diversions;
  private DpkgListIndex index; // null: owners() scans the lists
  private List<InstalledPackage> installed;
  private final Map<String, Map<String, FileDigest>> md5sums = new HashMap<>();
  private final FilesRead noted = new FilesRead(); // the files read after the build, with their states then
  private FilesRead read = noted; // FilesRead.UNNOTED while prepare reads

  public DpkgDatabase(Path root, Distro distro) {
    this(root, distro, new UsrMerge(root));
  }

  private DpkgDatabase(Path root, Distro distro, UsrMerge usrMerge) {
    this.root = root;
    this.admin = root.resolve("var/lib/dpkg");
    this.distro = distro;
    this.usrMerge = usrMerge;
  }

  /** Whether this root has a dpkg database at all. */
  public static boolean presentIn(Path root) {
    return Files.isRegularFile(root.resolve("var/lib/dpkg/status"));
  }

  @Override
  public String manager() {
    return "dpkg";
  }

  @Override
  public DatabaseFiles files() {
    return new DatabaseFiles(List.of(admin.resolve("status"), admin.resolve("diversions")), List.of(admin.resolve("info")));
  }

  /** info/*.md5sums: MD5 only. */
  @Override
  public Set<String> digestAlgorithms() {
    return Set.of("md5");
  }

  /**
   * Reads the status and diversions, makes the installed packages' list (their purls: ~10 ms after
   * a build's end otherwise, while the record waited for it) and indexes every file list of an
   * installed package.
   */
  @Override
  public synchronized void prepare() throws PackageDatabaseException {
    read = FilesRead.UNNOTED; // before the fingerprint after the build, which vouches for these reads
    try {
      Map<String, DpkgStatus.Entry> byKey = byInfoKey();
      installed();
      diversions();
      if (index == null) {
        try {
          index = DpkgListIndex.of(lists(byKey.keySet()), read);
        } catch (DpkgListIndex.IndexLimit e) {
          log.debug("{}: owners will be found by reading the lists again", e.getMessage());
        }
      }
    } finally {
      read = noted;
    }
  }

  @Override
  public Map<String, String> filesRead() {
    return noted.states();
  }

  /** Read again from the files, from now on; the /usr merge stays as it was seen first. */
  @Override
  public PackageDatabase reopened() {
    return new DpkgDatabase(root, distro, usrMerge);
  }

  private synchronized List<DpkgStatus.Entry> entries() throws PackageDatabaseException {
    if (entries == null) {
      entries = DpkgStatus.parse(read.bytes(admin.resolve("status")));
    }
    return entries;
  }

  /** The status entries by info key (the name of their {@code info/KEY.list}), made once. */
  private synchronized Map<String, DpkgStatus.Entry> byInfoKey() throws PackageDatabaseException {
    if (byInfoKey == null) {
      Map<String, DpkgStatus.Entry> byKey = new HashMap<>();
      for (DpkgStatus.Entry e : entries()) {
        byKey.put(e.infoKey(), e);
      }
      byInfoKey = byKey;
    }
    return byInfoKey;
  }

  /** Made once from the status entries (read once): by {@link #prepare} while the build runs. */
  @Override
  public synchronized List<InstalledPackage> installed() throws PackageDatabaseException {
    if (installed == null) {
      List<InstalledPackage> out = new ArrayList<>();
      for (DpkgStatus.Entry e : entries()) {
        if (e.filesOnDisk()) {
          out.add(packageOf(e));
        }
      }
      out.sort(Comparator.comparing(InstalledPackage::name).thenComparing(p -> String.valueOf(p.arch())));
      installed = List.copyOf(out);
    }
    return installed;
  }

  private InstalledPackage packageOf(DpkgStatus.Entry e) {
    String purl = Purl.ofOsPackage("deb", distro, e.name(), e.version(), e.arch(), null).toString();
    return new InstalledPackage("dpkg", e.name(), e.version(), e.arch(), purl);
  }

  @Override
  public synchronized Map<String, List<OwnedFile>> owners(Collection<String> paths) throws PackageDatabaseException {
    Map<String, DpkgStatus.Entry> byKey = byInfoKey();
    List<DpkgStatus.Diversion> diversions = diversions();
    // For each asked path: the listed names to look for, and which package a listing must (or must not) come from.
    Map<String, List<Lookup>> lookups = new LinkedHashMap<>();
    Set<String> wanted = new HashSet<>();
    for (String path : new TreeSet<>(paths)) {
      List<Lookup> forPath = new ArrayList<>();
      for (String name : usrMerge.names(path)) {
        Lookup l = lookup(name, diversions);
        forPath.add(l);
        wanted.add(l.listedPath);
      }
      lookups.put(path, forPath);
    }
    Map<String, List<String>> listedBy = index != null ? index.find(wanted, read) : scanLists(wanted, byKey.keySet());
    Map<String, List<OwnedFile>> out = new TreeMap<>();
    for (Map.Entry<String, List<Lookup>> e : lookups.entrySet()) {
      List<OwnedFile> owned = new ArrayList<>();
      Set<String> seen = new HashSet<>();
      for (Lookup l : e.getValue()) {
        for (String key : listedBy.getOrDefault(l.listedPath, List.of())) {
          DpkgStatus.Entry entry = byKey.get(key);
          if (entry == null || !l.accepts(entry.name()) || !seen.add(key)) {
            continue;
          }
          owned.add(new OwnedFile(l.listedPath, packageOf(entry), md5sums(key).get(l.listedPath)));
        }
      }
      if (!owned.isEmpty()) {
        out.put(e.getKey(), List.copyOf(owned));
      }
    }
    return out;
  }

  /**
   * Which listed path holds the file at {@code name}: a diversion's target holds the file that the
   * other packages list under the diverted name; the diverted name itself belongs only to the
   * diverting package (or to no package for a local diversion).
   */
  private static Lookup lookup(String name, List<DpkgStatus.Diversion> diversions) {
    for (DpkgStatus.Diversion d : diversions) {
      if (d.to().equals(name)) {
        return new Lookup(d.from(), null, d.by());
      }
    }
    for (DpkgStatus.Diversion d : diversions) {
      if (d.from().equals(name)) {
        return new Lookup(name, d.by(), null);
      }
    }
    return new Lookup(name, null, null);
  }

  private record Lookup(String listedPath, String onlyFrom, String notFrom) {
    boolean accepts(String pkg) {
      return (onlyFrom == null || onlyFrom.equals(pkg)) && (notFrom == null || !notFrom.equals(pkg));
    }
  }

  private List<DpkgStatus.Diversion> diversions() throws PackageDatabaseException {
    if (diversions == null) {
      byte[] text = read.bytesIfPresent(admin.resolve("diversions"));
      diversions = text == null ? List.of() : DpkgStatus.parseDiversions(new String(text, StandardCharsets.UTF_8));
    }
    return diversions;
  }

  /**
   * The file lists of the packages the status file has (a list left behind by a package it no
   * longer has is not one), sorted by name: by name, not with a glob, whose regular expression ran
   * on each of info/'s thousands of entries.
   */
  private List<DpkgListIndex.ListFile> lists(Set<String> knownKeys) throws PackageDatabaseException {
    List<DpkgListIndex.ListFile> lists = new ArrayList<>();
    for (Path p : read.entries(admin.resolve("info"))) {
      String file = p.getFileName().toString();
      if (file.endsWith(".list")) {
        String key = file.substring(0, file.length() - ".list".length());
        if (knownKeys.contains(key)) {
          lists.add(new DpkgListIndex.ListFile(key, p));
        }
      }
    }
    lists.sort(Comparator.comparing(DpkgListIndex.ListFile::file));
    return lists;
  }

  /**
   * Listed path → info keys whose list names it, for the wanted paths only, by streaming every
   * list. The lists hold 100k+ lines on an ordinary system: a line is hashed only when its length
   * is that of a wanted path, and only a line whose hash is wanted becomes a String.
   */
  private Map<String, List<String>> scanLists(Set<String> wanted, Set<String> knownKeys) throws PackageDatabaseException {
    Map<String, List<String>> out = new HashMap<>();
    if (wanted.isEmpty()) {
      return out;
    }
    Set<Integer> hashes = new HashSet<>();
    int longest = 0;
    for (String w : wanted) {
      byte[] b = w.getBytes(StandardCharsets.UTF_8);
      hashes.add(hash(b, 0, b.length));
      longest = Math.max(longest, b.length);
    }
    boolean[] wantedLength = new boolean[longest + 1]; // most lines are skipped by their length alone
    for (String w : wanted) {
      wantedLength[w.getBytes(StandardCharsets.UTF_8).length] = true;
    }
    int max = longest;
    ListLines reader = new ListLines();
    for (DpkgListIndex.ListFile list : lists(knownKeys)) {
      reader.read(read, list.file(), (text, start, end, offset) -> {
        int length = end - start;
        if (length <= max && wantedLength[length] && hashes.contains(hash(text, start, end))) {
          String line = new String(text, start, length, StandardCharsets.UTF_8);
          if (wanted.contains(line)) {
            out.computeIfAbsent(line, k -> new ArrayList<>()).add(list.key());
          }
        }
      });
    }
    return out;
  }

  private static int hash(byte[] b, int from, int to) {
    int h = 0;
    for (int i = from; i < to; i++) {
      h = 31 * h + b[i];
    }
    return h;
  }

  /** The md5sums of one package, keyed by absolute path; empty when it has no md5sums file. */
  private Map<String, FileDigest> md5sums(String key) throws PackageDatabaseException {
    Map<String, FileDigest> cached = md5sums.get(key);
    if (cached != null) {
      return cached;
    }
    byte[] text = read.bytesIfPresent(admin.resolve("info").resolve(key + ".md5sums"));
    Map<String, FileDigest> sums = text == null ? new HashMap<>() : parseMd5sums(new String(text, StandardCharsets.UTF_8));
    md5sums.put(key, sums);
    return sums;
  }

  /** {@code HEX  relative/path} lines (md5sum(1) output, paths without the leading /). */
  static Map<String, FileDigest> parseMd5sums(String text) {
    Map<String, FileDigest> out = new HashMap<>();
    for (String line : text.split("\n")) {
      if (line.length() < 35 || line.charAt(32) != ' ') {
        continue;
      }
      String path = line.substring(33).stripLeading();
      if (path.startsWith("*")) {
        path = path.substring(1); // md5sum's binary-mode marker
      }
      try {
        out.put(path.startsWith("/") ? path : "/" + path, new FileDigest("md5", line.substring(0, 32)));
      } catch (IllegalArgumentException e) {
        // a malformed line gives no digest for that file: its match is then unknown, not claimed
      }
    }
    return out;
  }
}
