package dev.plumbline.cli;

import dev.plumbline.sigstore.ArtifactDigest;
import dev.plumbline.sigstore.KeyBundleVerifier;
import dev.plumbline.sigstore.SigstoreException;
import dev.plumbline.sigstore.TrustRoots;
import java.nio.file.Path;
import java.time.Clock;
import picocli.CommandLine.Model.CommandSpec;

/** Key mode of the conformance client: signature with the key, log entries against the trusted root. */
final class KeyModeConformance {
  private KeyModeConformance() {}

  static int verify(CommandSpec spec, Path bundleFile, Path key, Path trustedRoot, ArtifactDigest digest)
      throws SigstoreException {
    var bundle = KeyBundleVerifier.readBundle(bundleFile);
    var publicKey = KeyBundleVerifier.readKey(key);
    var passed = new KeyBundleVerifier(TrustRoots.load(trustedRoot), Clock.systemUTC()).verify(bundle, publicKey, digest);
    spec.commandLine().getErr().println("plumbline: verified: " + String.join("; ", passed));
    return ExitCodes.OK;
  }
}
