package dev.plumbline.packages;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** apk's installed database under a root (Alpine, Wolfi, ...), read directly, once. */
public final class ApkDatabase implements PackageDatabase {
  static final String INSTALLED = "lib/apk/db/installed";

  private final Path root;
  private final Distro distro;
  private final UsrMerge usrMerge;
  private List<ApkInstalled.Entry> entries;
  private Map<String, List<OwnedFile>> byPath;
  private final FilesRead read = new FilesRead();

  public ApkDatabase(Path root, Distro distro) {
    this(root, distro, new UsrMerge(root));
  }

  private ApkDatabase(Path root, Distro distro, UsrMerge usrMerge) {
    this.root = root;
    this.distro = distro;
    this.usrMerge = usrMerge;
  }

  @Override
  public void prepare() throws PackageDatabaseException {
    load(FilesRead.UNNOTED); // before the fingerprint after the build, which vouches for this read
  }

  @Override
  public Map<String, String> filesRead() {
    return read.states();
  }

  @Override
  public PackageDatabase reopened() {
    return new ApkDatabase(root, distro, usrMerge);
  }

  public static boolean presentIn(Path root) {
    return Files.isRegularFile(root.resolve(INSTALLED));
  }

  @Override
  public String manager() {
    return "apk";
  }

  /** apk-tools 2 writes Q1 (SHA-1) checksums for files; an older MD5 or a SHA-256 one is read again when checked. */
  @Override
  public Set<String> digestAlgorithms() {
    return Set.of("sha1");
  }

  @Override
  public DatabaseFiles files() {
    return new DatabaseFiles(List.of(root.resolve(INSTALLED)), List.of());
  }

  private void load() throws PackageDatabaseException {
    load(read);
  }

  private synchronized void load(FilesRead files) throws PackageDatabaseException {
    if (entries != null) {
      return;
    }
    entries = ApkInstalled.parse(new String(files.bytes(root.resolve(INSTALLED)), StandardCharsets.UTF_8));
    byPath = new HashMap<>();
    for (ApkInstalled.Entry e : entries) {
      InstalledPackage pkg = packageOf(e);
      e.files().forEach((path, digest) -> byPath.computeIfAbsent(path, k -> new ArrayList<>()).add(new OwnedFile(path, pkg, digest)));
    }
  }

  private InstalledPackage packageOf(ApkInstalled.Entry e) {
    String purl = Purl.ofOsPackage("apk", distro, e.name(), e.version(), e.arch(), null).toString();
    return new InstalledPackage("apk", e.name(), e.version(), e.arch(), purl);
  }

  @Override
  public synchronized List<InstalledPackage> installed() throws PackageDatabaseException {
    load();
    List<InstalledPackage> out = new ArrayList<>();
    for (ApkInstalled.Entry e : entries) {
      out.add(packageOf(e));
    }
    out.sort(Comparator.comparing(InstalledPackage::name).thenComparing(p -> String.valueOf(p.arch())));
    return out;
  }

  @Override
  public synchronized Map<String, List<OwnedFile>> owners(Collection<String> paths) throws PackageDatabaseException {
    load();
    return usrMerge.owners(paths, byPath);
  }
}
