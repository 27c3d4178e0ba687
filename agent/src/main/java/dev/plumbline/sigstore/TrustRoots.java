package dev.plumbline.sigstore;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sigstore.trustroot.SigstoreConfigurationException;
import dev.sigstore.trustroot.SigstoreTrustedRoot;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * Sigstore trusted roots (trusted_root.json v0.1). The public-good root is pinned in the jar so
 * verification is offline and does not depend on a TUF fetch; {@code --trusted-root} overrides it.
 */
public final class TrustRoots {
  static final String PINNED = "/dev/plumbline/sigstore/trusted_root.json";

  private TrustRoots() {}

  /** The Sigstore public-good trusted root pinned in the jar. */
  public static SigstoreTrustedRoot publicGood() throws SigstoreInputException {
    try (InputStream in = TrustRoots.class.getResourceAsStream(PINNED)) {
      if (in == null) {
        throw new SigstoreInputException("pinned trusted root " + PINNED + " is missing from the jar");
      }
      return SigstoreTrustedRoot.from(in);
    } catch (IOException | SigstoreConfigurationException | RuntimeException e) {
      throw new SigstoreInputException("pinned trusted root is unreadable: " + describe(e), e);
    }
  }

  /** A trusted root read from a file. */
  public static SigstoreTrustedRoot fromFile(Path file) throws SigstoreInputException {
    try (InputStream in = Files.newInputStream(file)) {
      byte[] json = in.readAllBytes();
      requireValidityStarts(file, json);
      return SigstoreTrustedRoot.from(new java.io.ByteArrayInputStream(json));
    } catch (NoSuchFileException e) {
      throw new SigstoreInputException("trusted root " + file + " does not exist", e);
    } catch (IOException | SigstoreConfigurationException | RuntimeException e) {
      throw new SigstoreInputException("trusted root " + file + " is not a valid trusted_root.json: " + describe(e), e);
    }
  }

  /**
   * Every key and CA must say from when it is valid; sigstore-java 2.0.0 would read a missing
   * start as "valid since forever", which widens trust, so such a root is refused.
   */
  static void requireValidityStarts(Path file, byte[] json) throws IOException, SigstoreInputException {
    JsonNode root = new ObjectMapper().readTree(json);
    for (String list : new String[] {"tlogs", "ctlogs", "certificateAuthorities", "timestampAuthorities"}) {
      int i = 0;
      for (JsonNode item : root.path(list)) {
        JsonNode validFor = list.endsWith("logs") ? item.path("publicKey").path("validFor") : item.path("validFor");
        if (!validFor.hasNonNull("start")) {
          throw new SigstoreInputException(
              "trusted root " + file + ": " + list + "[" + i + "] has no validFor.start");
        }
        i++;
      }
    }
  }

  /** The pinned root, or the one in {@code file} when given. */
  public static SigstoreTrustedRoot load(Path fileOrNull) throws SigstoreInputException {
    return fileOrNull == null ? publicGood() : fromFile(fileOrNull);
  }

  static String describe(Throwable e) {
    // the innermost message usually names the offending field
    Throwable t = e;
    String msg = null;
    while (t != null) {
      if (t.getMessage() != null && !t.getMessage().isBlank()) {
        msg = t.getMessage();
      }
      if (t.getCause() == t) {
        break;
      }
      t = t.getCause();
    }
    return SigstoreException.oneLine(msg == null ? e.getClass().getSimpleName() : msg);
  }
}
