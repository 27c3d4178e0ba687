package dev.plumbline.packages;

import java.util.Base64;
import java.util.HexFormat;
import java.util.Locale;

/**
 * A file's content digest as a package database records it: {@code algorithm} is md5, sha1,
 * sha256, sha384 or sha512; {@code hex} lower-case.
 */
public record FileDigest(String algorithm, String hex) {

  public FileDigest {
    algorithm = algorithm.toLowerCase(Locale.ROOT);
    hex = hex.toLowerCase(Locale.ROOT);
    int expected = hexLength(algorithm);
    if (expected < 0) {
      throw new IllegalArgumentException("unknown digest algorithm '" + algorithm + "'");
    }
    if (hex.length() != expected || !hex.chars().allMatch(ch -> Character.digit(ch, 16) >= 0)) {
      throw new IllegalArgumentException("not a " + algorithm + " digest: '" + hex + "'");
    }
  }

  /** The JDK's MessageDigest name. */
  public String jdkName() {
    return jdkName(algorithm);
  }

  static String jdkName(String algorithm) {
    return switch (algorithm) {
      case "md5" -> "MD5";
      case "sha1" -> "SHA-1";
      case "sha256" -> "SHA-256";
      case "sha384" -> "SHA-384";
      case "sha512" -> "SHA-512";
      default -> throw new IllegalArgumentException("unknown digest algorithm '" + algorithm + "'");
    };
  }

  static int hexLength(String algorithm) {
    return switch (algorithm) {
      case "md5" -> 32;
      case "sha1" -> 40;
      case "sha256" -> 64;
      case "sha384" -> 96;
      case "sha512" -> 128;
      default -> -1;
    };
  }

  /** The algorithm whose digests are this many bytes long (16, 20, 32, 48, 64), or null. */
  static String algorithmForLength(int bytes) {
    return switch (bytes) {
      case 16 -> "md5";
      case 20 -> "sha1";
      case 32 -> "sha256";
      case 48 -> "sha384";
      case 64 -> "sha512";
      default -> null;
    };
  }

  /**
   * apk's checksum text (apk-tools blob.c, {@code apk_blob_pull_digest}): bare hex is MD5;
   * {@code Q1}/{@code Q2} prefix base64 and {@code X1}/{@code X2} hex of SHA-1/SHA-256 (a
   * {@code Q1} as long as a SHA-256 is one, as apk-tools reads it). Null when malformed.
   */
  public static FileDigest fromApk(String text) {
    if (text == null || text.length() < 3) {
      return null;
    }
    try {
      byte[] raw;
      char enc = text.charAt(0);
      if ((enc == 'Q' || enc == 'X') && (text.charAt(1) == '1' || text.charAt(1) == '2')) {
        String body = text.substring(2);
        raw = enc == 'Q' ? Base64.getDecoder().decode(body) : HexFormat.of().parseHex(body);
        String alg = algorithmForLength(raw.length);
        boolean ok = text.charAt(1) == '1' ? raw.length == 20 || raw.length == 32 : raw.length == 32;
        return ok ? new FileDigest(alg, HexFormat.of().formatHex(raw)) : null;
      }
      raw = HexFormat.of().parseHex(text);
      return raw.length == 16 ? new FileDigest("md5", text) : null;
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  @Override
  public String toString() {
    return algorithm + ":" + hex;
  }
}
