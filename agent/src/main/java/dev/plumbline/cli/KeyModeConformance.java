package dev.plumbline.cli;

import dev.plumbline.sign.Keys;
import dev.plumbline.sign.SigningException;
import dev.plumbline.sigstore.ArtifactDigest;
import dev.plumbline.sigstore.KeyedLogEntries;
import dev.plumbline.sigstore.SigstoreException;
import dev.plumbline.sigstore.SigstoreInputException;
import dev.plumbline.sigstore.TrustRoots;
import dev.plumbline.verify.Artifact;
import dev.plumbline.verify.BundleFile;
import dev.plumbline.verify.BundleStep;
import dev.plumbline.verify.Check;
import dev.plumbline.verify.KeySignatureStep;
import dev.plumbline.verify.KeyedLogStep;
import dev.plumbline.verify.Verdict;
import dev.plumbline.verify.Verifier;
import dev.plumbline.verify.VerifyException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import picocli.CommandLine.Model.CommandSpec;

/**
 * Key mode of the conformance client: the attest area's bundle and key signature steps (as in
 * {@code plumbline verify --key}), then the bundle's transparency log entries against the trusted
 * root, which the conformance protocol requires of key-signed bundles too.
 */
final class KeyModeConformance {
  private KeyModeConformance() {}

  static int verify(CommandSpec spec, Path bundleFile, Path key, Path trustedRoot, ArtifactDigest digest, String artifactArg)
      throws SigstoreException {
    Verdict verdict;
    try {
      var publicKey = Keys.readPublicKey(key);
      var verifier = new Verifier(List.of(
          new BundleStep(),
          new KeySignatureStep(publicKey),
          new KeyedLogStep(new KeyedLogEntries(TrustRoots.load(trustedRoot), Clock.systemUTC()), publicKey)));
      verdict = verifier.verify(BundleFile.read(bundleFile), Artifact.parse(artifactArg));
    } catch (VerifyException | SigningException e) {
      throw new SigstoreInputException(e.getMessage(), e);
    }
    if (!verdict.verified()) {
      spec.commandLine().getErr().println("plumbline: " + dev.plumbline.text.Printable.inline(verdict.reason()));
      return ExitCodes.REJECTED;
    }
    spec.commandLine().getErr().println("plumbline: verified: "
        + String.join("; ", verdict.checks().stream().filter(c -> c.status() == Check.Status.PASS).map(c -> dev.plumbline.text.Printable.inline(c.name() + ": " + c.reason())).toList()));
    return ExitCodes.OK;
  }
}
