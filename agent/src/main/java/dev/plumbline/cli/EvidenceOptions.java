package dev.plumbline.cli;

import dev.plumbline.policy.Evidence;
import dev.plumbline.policy.EvidenceFiles;
import dev.plumbline.policy.PolicyException;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** {@code --bundle FILE | --record FILE}: what a report or a learned policy is made from. */
final class EvidenceOptions {
  @Option(names = "--bundle", paramLabel = "FILE", required = true,
      description = "A Plumbline bundle (.sigstore.json); its payload is read WITHOUT verifying the signature.")
  Path bundle;

  @Option(names = "--record", paramLabel = "FILE", required = true, description = "A build record from 'plumbline run --record'.")
  Path record;

  Evidence read() throws PolicyException {
    return bundle != null ? EvidenceFiles.readBundleUnverified(bundle) : EvidenceFiles.readRecord(record);
  }
}
