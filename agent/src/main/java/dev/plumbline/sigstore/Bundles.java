package dev.plumbline.sigstore;

import dev.sigstore.bundle.Bundle;
import dev.sigstore.bundle.BundleParseException;
import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/** Reads Sigstore bundles (v0.1 to v0.3) with one-line errors. */
public final class Bundles {
  private Bundles() {}

  /** Reads a bundle that must carry a certificate: a key-signed bundle is rejected, not unreadable. */
  public static Bundle readKeyless(Path file) throws SigstoreException {
    String json = readText(file);
    if (isKeySigned(json)) {
      throw new SigstoreVerificationException(
          "certificate", "bundle is signed with a key (verificationMaterial.publicKey), not a Fulcio certificate: verify it with --key");
    }
    return parse(json, file.toString());
  }

  /** Whether the bundle's verification material is a public key (hint) rather than certificates. */
  public static boolean isKeySigned(String json) {
    try {
      return new com.fasterxml.jackson.databind.ObjectMapper().readTree(json).path("verificationMaterial").has("publicKey");
    } catch (IOException e) {
      return false; // the parser reports malformed JSON with a better message
    }
  }

  public static Bundle read(Path file) throws SigstoreInputException {
    return parse(readText(file), file.toString());
  }

  static String readText(Path file) throws SigstoreInputException {
    String json;
    try {
      json = Files.readString(file, StandardCharsets.UTF_8);
    } catch (NoSuchFileException e) {
      throw new SigstoreInputException("bundle " + file + " does not exist", e);
    } catch (IOException e) {
      throw new SigstoreInputException("bundle " + file + " is unreadable: " + e.getMessage(), e);
    }
    return json;
  }

  public static Bundle parse(String json, String name) throws SigstoreInputException {
    try {
      return Bundle.from(new StringReader(json));
    } catch (BundleParseException | RuntimeException e) {
      throw new SigstoreInputException("bundle " + name + " is not a valid Sigstore bundle: " + TrustRoots.describe(e), e);
    }
  }
}
