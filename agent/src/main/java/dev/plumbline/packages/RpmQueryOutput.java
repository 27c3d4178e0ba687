package dev.plumbline.packages;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The output of {@code rpm -qa --queryformat} {@link #FORMAT}: per package a line
 * {@code @P NAME EPOCH VERSION RELEASE ARCH DIGESTALGO} then per file {@code @F DIGEST PATH},
 * tab-separated (path last, so a tab in a file name survives). rpm prints {@code (none)} for an
 * absent tag; FILEDIGESTALGO is a PGP hash id (RFC 4880 9.4: 1 MD5, 2 SHA-1, 8 SHA-256, 9 SHA-384,
 * 10 SHA-512), absent meaning MD5; directories and symlinks have an empty digest. Pure: tested on
 * fixture output.
 */
final class RpmQueryOutput {
  static final String FORMAT =
      "@P\\t%{NAME}\\t%{EPOCH}\\t%{VERSION}\\t%{RELEASE}\\t%{ARCH}\\t%{FILEDIGESTALGO}\\n[@F\\t%{FILEDIGESTS}\\t%{FILENAMES}\\n]";

  private RpmQueryOutput() {}

  /** One package; {@code version} is VERSION-RELEASE (the purl's version), {@code epoch} null when absent. */
  record Entry(String name, String epoch, String version, String arch, Map<String, FileDigest> files) {
    /** As rpm -q prints it with an epoch: {@code E:V-R}. */
    String fullVersion() {
      return epoch == null ? version : epoch + ":" + version;
    }
  }

  static List<Entry> parse(String text) {
    List<Entry> out = new ArrayList<>();
    String[] header = null;
    String algorithm = "md5";
    Map<String, FileDigest> files = new LinkedHashMap<>();
    for (String line : text.split("\n")) {
      if (line.startsWith("@P\t")) {
        if (header != null) {
          out.add(entry(header, files));
        }
        header = line.split("\t", -1);
        if (header.length != 7) {
          throw new IllegalArgumentException("malformed rpm package line: " + line);
        }
        algorithm = algorithm(header[6]);
        files = new LinkedHashMap<>();
      } else if (line.startsWith("@F\t") && header != null) {
        int tab = line.indexOf('\t', 3);
        if (tab < 0) {
          throw new IllegalArgumentException("malformed rpm file line: " + line);
        }
        String digest = line.substring(3, tab);
        String path = line.substring(tab + 1);
        FileDigest d = null;
        if (!digest.isEmpty() && algorithm != null) {
          try {
            d = new FileDigest(algorithm, digest);
          } catch (IllegalArgumentException e) {
            // a digest of another length than its algorithm's: no digest, so no claimed match
          }
        }
        files.put(path, d);
      }
    }
    if (header != null) {
      out.add(entry(header, files));
    }
    return out;
  }

  private static Entry entry(String[] h, Map<String, FileDigest> files) {
    String epoch = none(h[2]);
    String arch = none(h[5]);
    String release = none(h[4]);
    String version = release == null ? h[3] : h[3] + "-" + release;
    return new Entry(h[1], epoch, version, arch, files);
  }

  private static String none(String v) {
    return v == null || v.isEmpty() || v.equals("(none)") ? null : v;
  }

  /** The digest algorithm of a FILEDIGESTALGO value, or null for one we do not know (then no digests are claimed). */
  static String algorithm(String pgpHashId) {
    return switch (pgpHashId.strip()) {
      case "(none)", "", "1" -> "md5";
      case "2" -> "sha1";
      case "8" -> "sha256";
      case "9" -> "sha384";
      case "10" -> "sha512";
      default -> null;
    };
  }
}
