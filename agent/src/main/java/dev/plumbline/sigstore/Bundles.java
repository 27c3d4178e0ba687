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

  public static Bundle read(Path file) throws SigstoreInputException {
    String json;
    try {
      json = Files.readString(file, StandardCharsets.UTF_8);
    } catch (NoSuchFileException e) {
      throw new SigstoreInputException("bundle " + file + " does not exist", e);
    } catch (IOException e) {
      throw new SigstoreInputException("bundle " + file + " is unreadable: " + e.getMessage(), e);
    }
    return parse(json, file.toString());
  }

  public static Bundle parse(String json, String name) throws SigstoreInputException {
    try {
      return Bundle.from(new StringReader(json));
    } catch (BundleParseException | RuntimeException e) {
      throw new SigstoreInputException("bundle " + name + " is not a valid Sigstore bundle: " + TrustRoots.describe(e), e);
    }
  }
}
