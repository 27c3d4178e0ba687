package dev.plumbline.packages;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The package databases a root has: dpkg, apk, rpm (a root may have several, e.g. rpm installed on Debian). */
public final class PackageDatabases {
  private PackageDatabases() {}

  public static List<PackageDatabase> in(Path root, Distro distro, RpmDatabase.Query rpm) {
    List<PackageDatabase> out = new ArrayList<>();
    if (DpkgDatabase.presentIn(root)) {
      out.add(new DpkgDatabase(root, distro));
    }
    if (ApkDatabase.presentIn(root)) {
      out.add(new ApkDatabase(root, distro));
    }
    if (RpmDatabase.presentIn(root)) {
      out.add(new RpmDatabase(root, distro, rpm));
    }
    return List.copyOf(out);
  }
}
