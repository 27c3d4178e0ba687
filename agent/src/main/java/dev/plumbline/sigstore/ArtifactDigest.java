package dev.plumbline.sigstore;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.regex.Pattern;

/** The sha256 of the artifact a bundle is checked against: a file, or {@code sha256:HEX}. */
public record ArtifactDigest(byte[] sha256, String source) {
  private static final Pattern HEX = Pattern.compile("(?i)sha256:([0-9a-f]{64})");

  public ArtifactDigest {
    if (sha256.length != 32) {
      throw new IllegalArgumentException("a sha256 digest has 32 bytes, not " + sha256.length);
    }
    sha256 = sha256.clone();
  }

  @Override
  public byte[] sha256() {
    return sha256.clone();
  }

  public String hex() {
    return HexFormat.of().formatHex(sha256);
  }

  /** Parses {@code sha256:HEX} or hashes the named file. */
  public static ArtifactDigest parse(String fileOrDigest) throws SigstoreInputException {
    var m = HEX.matcher(fileOrDigest);
    if (m.matches()) {
      return new ArtifactDigest(HexFormat.of().parseHex(m.group(1).toLowerCase()), fileOrDigest);
    }
    if (fileOrDigest.regionMatches(true, 0, "sha256:", 0, 7)) {
      throw new SigstoreInputException("'" + fileOrDigest + "' is not sha256: followed by 64 hex digits");
    }
    return ofFile(Path.of(fileOrDigest));
  }

  public static ArtifactDigest ofFile(Path file) throws SigstoreInputException {
    try (InputStream in = Files.newInputStream(file)) {
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      byte[] buf = new byte[1 << 16];
      for (int n; (n = in.read(buf)) > 0; ) {
        md.update(buf, 0, n);
      }
      return new ArtifactDigest(md.digest(), file.toString());
    } catch (NoSuchFileException e) {
      throw new SigstoreInputException("artifact " + file + " does not exist", e);
    } catch (IOException e) {
      throw new SigstoreInputException("artifact " + file + " is unreadable: " + e.getMessage(), e);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JDK has no SHA-256", e);
    }
  }

  public static ArtifactDigest ofBytes(byte[] content, String source) {
    try {
      return new ArtifactDigest(MessageDigest.getInstance("SHA-256").digest(content), source);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JDK has no SHA-256", e);
    }
  }
}
