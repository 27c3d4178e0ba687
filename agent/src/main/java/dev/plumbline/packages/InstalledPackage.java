package dev.plumbline.packages;

/**
 * One package a database lists as installed. {@code manager} is dpkg, apk or rpm; {@code version}
 * as the manager writes it (dpkg and rpm with the epoch, {@code 1:2.4-1}); {@code arch} the
 * package's own architecture (dpkg's {@code all}, rpm's {@code noarch} included); {@code purl} its
 * package URL.
 */
public record InstalledPackage(String manager, String name, String version, String arch, String purl) {

  /** {@code name:arch} as dpkg-query names a Multi-Arch package, or {@code name} for the rest. */
  public String displayName() {
    return name + (arch == null || arch.isEmpty() ? "" : ":" + arch);
  }
}
