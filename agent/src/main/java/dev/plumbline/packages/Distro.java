package dev.plumbline.packages;

import java.util.Locale;

/**
 * The distribution a package database belongs to, from /etc/os-release ({@code ID},
 * {@code VERSION_ID}, {@code VERSION_CODENAME}); the caller reads that file (the {@code env}
 * package does), so this package needs no file of its own for it. Gives the purl namespace
 * (vendor) and {@code distro} qualifier.
 */
public record Distro(String id, String versionId, String codename) {

  /** Lower-case vendor for a purl namespace, or null when the distribution is unknown. */
  public String vendor() {
    return id == null || id.isBlank() ? null : id.strip().toLowerCase(Locale.ROOT);
  }

  /** {@code debian-12}, {@code alpine-3.19.1}; the codename when there is no version (testing, sid); null when unknown. */
  public String qualifier() {
    String v = vendor();
    if (v == null) {
      return null;
    }
    if (versionId != null && !versionId.isBlank()) {
      return v + "-" + versionId.strip();
    }
    if (codename != null && !codename.isBlank()) {
      return v + "-" + codename.strip();
    }
    return null;
  }
}
