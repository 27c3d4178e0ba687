package dev.plumbline.packages;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.plumbline.testing.Coreutils;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileDigestTest {
  @TempDir Path dir;

  private static byte[] digest(String alg, byte[] data) throws Exception {
    return MessageDigest.getInstance(alg).digest(data);
  }

  @Test
  void apkChecksumForms() throws Exception {
    byte[] data = "hello\n".getBytes(StandardCharsets.UTF_8);
    byte[] sha1 = digest("SHA-1", data);
    byte[] sha256 = digest("SHA-256", data);
    byte[] md5 = digest("MD5", data);
    assertEquals(new FileDigest("sha1", HexFormat.of().formatHex(sha1)), FileDigest.fromApk("Q1" + Base64.getEncoder().encodeToString(sha1)));
    assertEquals(new FileDigest("sha256", HexFormat.of().formatHex(sha256)), FileDigest.fromApk("Q2" + Base64.getEncoder().encodeToString(sha256)));
    assertEquals(new FileDigest("sha1", HexFormat.of().formatHex(sha1)), FileDigest.fromApk("X1" + HexFormat.of().formatHex(sha1)));
    assertEquals(new FileDigest("md5", HexFormat.of().formatHex(md5)), FileDigest.fromApk(HexFormat.of().formatHex(md5)));
    // apk-tools reads a Q1 with a SHA-256's length as SHA-256
    assertEquals("sha256", FileDigest.fromApk("Q1" + Base64.getEncoder().encodeToString(sha256)).algorithm());
    assertNull(FileDigest.fromApk("Q2" + Base64.getEncoder().encodeToString(sha1)));
    assertNull(FileDigest.fromApk("Q1not*base64"));
    assertNull(FileDigest.fromApk("Q3" + Base64.getEncoder().encodeToString(sha1)));
    assertNull(FileDigest.fromApk(""));
  }

  @Test
  void validatesLengthAndAlgorithm() {
    assertThrows(IllegalArgumentException.class, () -> new FileDigest("md5", "abc"));
    assertThrows(IllegalArgumentException.class, () -> new FileDigest("crc32", "00000000"));
    assertThrows(IllegalArgumentException.class, () -> new FileDigest("md5", "g".repeat(32)));
  }

  @Test
  void severalDigestsInOneReadEqualTheJdks() throws Exception {
    byte[] data = new byte[3 * 1024 * 1024 + 17];
    new java.util.Random(7).nextBytes(data);
    Path f = Files.write(dir.resolve("f"), data);
    Map<String, String> d = FileDigests.of(f, Set.of("md5", "sha1", "sha256"));
    assertEquals(HexFormat.of().formatHex(digest("MD5", data)), d.get("md5"));
    assertEquals(HexFormat.of().formatHex(digest("SHA-1", data)), d.get("sha1"));
    assertEquals(HexFormat.of().formatHex(digest("SHA-256", data)), d.get("sha256"));
    Path empty = Files.write(dir.resolve("e"), new byte[0]);
    assertEquals(HexFormat.of().formatHex(digest("SHA-256", new byte[0])), FileDigests.of(empty, Set.of("sha256")).get("sha256"));
  }

  @Test
  void libcryptoAndTheJdkFallbackGiveCoreutilsDigestsAcrossBufferSizes() throws Exception {
    // 0 bytes, 1, one block less one, exactly the 1 MiB read buffer, one more, several buffers
    java.util.Random random = new java.util.Random(13);
    for (int size : new int[] {0, 1, 63, 1 << 20, (1 << 20) + 1, 3 * (1 << 20) + 17}) {
      byte[] data = new byte[size];
      random.nextBytes(data);
      Path f = Files.write(dir.resolve("f" + size), data);
      Set<String> algorithms = Set.of("md5", "sha1", "sha256");
      Map<String, String> libcrypto = FileDigests.of(f, algorithms, true);
      Map<String, String> jdk = FileDigests.of(f, algorithms, false);
      assertEquals(Coreutils.digest("md5sum", f), libcrypto.get("md5"), "md5, size " + size);
      assertEquals(Coreutils.digest("sha1sum", f), libcrypto.get("sha1"), "sha1, size " + size);
      assertEquals(Coreutils.digest("sha256sum", f), libcrypto.get("sha256"), "sha256, size " + size);
      assertEquals(libcrypto, jdk, "size " + size);
    }
  }

  @Test
  void digestMatchComparesWhatRanNotOnlyWhatIsOnDisk() throws Exception {
    byte[] packaged = "packaged\n".getBytes(StandardCharsets.UTF_8);
    byte[] modified = "modified\n".getBytes(StandardCharsets.UTF_8);
    String md5Packaged = HexFormat.of().formatHex(digest("MD5", packaged));
    String shaPackaged = HexFormat.of().formatHex(digest("SHA-256", packaged));
    String shaModified = HexFormat.of().formatHex(digest("SHA-256", modified));
    Path f = dir.resolve("bin");
    FileDigest md5 = new FileDigest("md5", md5Packaged);

    Files.write(f, packaged);
    assertEquals(DigestMatch.MATCH, DigestMatch.check(f, md5, shaPackaged));
    // the modified content ran, then the packaged content was put back: still a mismatch
    assertEquals(DigestMatch.MISMATCH, DigestMatch.check(f, md5, shaModified));
    Files.write(f, modified);
    assertEquals(DigestMatch.MISMATCH, DigestMatch.check(f, md5, shaModified));
    // the packaged content ran, then the file was changed: an md5 cannot say what ran
    assertEquals(DigestMatch.UNKNOWN, DigestMatch.check(f, md5, shaPackaged));
    // a SHA-256 in the database compares with what ran directly
    assertEquals(DigestMatch.MATCH, DigestMatch.check(f, new FileDigest("sha256", shaPackaged), shaPackaged));
    assertEquals(DigestMatch.MISMATCH, DigestMatch.check(f, new FileDigest("sha256", shaPackaged), shaModified));
    assertEquals(DigestMatch.NO_DIGEST, DigestMatch.check(f, null, shaPackaged));
    assertEquals(DigestMatch.UNKNOWN, DigestMatch.check(f, md5, null));
    assertEquals(DigestMatch.UNKNOWN, DigestMatch.check(dir.resolve("gone"), md5, shaPackaged));
  }

  @Test
  void digestMatchTakesKnownDigestsInsteadOfReading() throws Exception {
    byte[] packaged = "packaged\n".getBytes(StandardCharsets.UTF_8);
    String md5Packaged = HexFormat.of().formatHex(digest("MD5", packaged));
    String shaPackaged = HexFormat.of().formatHex(digest("SHA-256", packaged));
    String shaOther = "ee".repeat(32);
    FileDigest md5 = new FileDigest("md5", md5Packaged);
    Path gone = dir.resolve("gone"); // nothing to read: every answer but UNKNOWN comes from what is known
    KnownDigests known = f -> f.equals(gone) ? Map.of("sha256", shaPackaged, "md5", md5Packaged) : null;
    assertEquals(DigestMatch.MATCH, DigestMatch.check(gone, md5, shaPackaged, known));
    assertEquals(DigestMatch.MISMATCH, DigestMatch.check(gone, md5, shaOther, known), "the packaged content is there, not what ran");
    assertEquals(DigestMatch.UNKNOWN, DigestMatch.check(gone, new FileDigest("md5", "00".repeat(16)), shaOther, known));
    // known without the package's algorithm, or nothing known: the file is read (here: unreadable)
    assertEquals(DigestMatch.UNKNOWN, DigestMatch.check(gone, new FileDigest("sha1", "00".repeat(20)), shaPackaged, known));
    assertEquals(DigestMatch.UNKNOWN, DigestMatch.check(gone, md5, shaPackaged, KnownDigests.NONE));
    Path f = dir.resolve("bin");
    Files.write(f, packaged);
    assertEquals(DigestMatch.MATCH, DigestMatch.check(f, md5, shaPackaged, known));
  }

  @Test
  void digestsToTakeAreTheDatabasesOtherThanSha256(@TempDir Path empty) throws Exception {
    DpkgDatabase dpkg = new DpkgDatabase(empty, null);
    ApkDatabase apk = new ApkDatabase(empty, null);
    assertEquals(Set.of("md5"), DigestMatch.digestsToTake(java.util.List.of(dpkg)));
    assertEquals(Set.of("md5", "sha1"), DigestMatch.digestsToTake(java.util.List.of(dpkg, apk)));
    assertEquals(Set.of(), DigestMatch.digestsToTake(java.util.List.of()));
  }

  @Test
  void digestsOfAChannelFromItsPosition() throws Exception {
    Path f = dir.resolve("f");
    Files.writeString(f, "skip:rest");
    try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(f)) {
      ch.position(5);
      Map<String, String> d = FileDigests.of(ch, Set.of("md5", "sha256"));
      byte[] rest = "rest".getBytes(StandardCharsets.UTF_8);
      assertEquals(Map.of("md5", HexFormat.of().formatHex(digest("MD5", rest)), "sha256", HexFormat.of().formatHex(digest("SHA-256", rest))), d);
    }
  }
}
