package dev.plumbline.cli;

import dev.plumbline.sigstore.ArtifactDigest;
import dev.plumbline.sigstore.SigstoreInputException;
import java.nio.file.Path;

/** Key mode of the conformance client: delegates to the key verifier of {@code plumbline verify}. */
final class KeyModeConformance {
  private KeyModeConformance() {}

  static int verify(picocli.CommandLine.Model.CommandSpec spec, Path bundleFile, Path key, Path trustedRoot, ArtifactDigest digest)
      throws SigstoreInputException {
    throw new SigstoreInputException("key mode is not available yet");
  }
}
