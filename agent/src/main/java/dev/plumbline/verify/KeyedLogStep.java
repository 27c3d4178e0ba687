package dev.plumbline.verify;

import dev.plumbline.sigstore.ArtifactDigest;
import dev.plumbline.sigstore.KeyedLogEntries;
import dev.plumbline.sigstore.SigstoreVerificationException;
import java.security.PublicKey;
import java.util.HexFormat;

/**
 * After a key signature step: the key-signed bundle's transparency log entries are in a trusted
 * log and record this signature by this key (see {@link KeyedLogEntries}).
 */
public final class KeyedLogStep implements VerificationStep {
  private final KeyedLogEntries entries;
  private final PublicKey key;

  public KeyedLogStep(KeyedLogEntries entries, PublicKey key) {
    this.entries = entries;
    this.key = key;
  }

  @Override
  public void apply(VerificationContext ctx) {
    ArtifactDigest artifact = new ArtifactDigest(HexFormat.of().parseHex(ctx.artifact().sha256()), ctx.artifact().display());
    try {
      ctx.add(Check.pass("transparency log", entries.verify(ctx.bundle(), key, artifact)));
    } catch (SigstoreVerificationException e) {
      ctx.add(Check.fail(e.check(), e.reason()));
    }
  }
}
