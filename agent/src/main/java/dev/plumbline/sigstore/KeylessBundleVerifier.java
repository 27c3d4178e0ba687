package dev.plumbline.sigstore;

import dev.sigstore.KeylessVerificationException;
import dev.sigstore.KeylessVerifier;
import dev.sigstore.VerificationOptions;
import dev.sigstore.bundle.Bundle;
import dev.sigstore.encryption.Keys;
import dev.sigstore.encryption.certificates.Certificates;
import dev.sigstore.fulcio.client.FulcioVerificationException;
import dev.sigstore.fulcio.client.FulcioVerifier;
import dev.sigstore.rekor.client.RekorEntry;
import dev.sigstore.rekor.client.RekorVerificationException;
import dev.sigstore.rekor.client.RekorVerifier;
import dev.sigstore.timestamp.client.TimestampVerificationException;
import dev.sigstore.timestamp.client.TimestampVerifier;
import dev.sigstore.timestamp.client.ImmutableTimestampResponse;
import dev.sigstore.timestamp.client.TimestampException;
import dev.sigstore.trustroot.SigstoreTrustedRoot;
import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.security.GeneralSecurityException;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateNotYetValidException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Verifies Sigstore bundles signed with a Fulcio certificate (keyless), offline, against a trusted
 * root. sigstore-java's {@link KeylessVerifier} does the chain, SCT, signature, log entry and
 * timestamp checks; this class adds what 2.0.0 leaves out: the signing certificate must have been
 * valid when the log integrated the entry, integrated times must not lie in the future, and there
 * must be at least one trusted time (a Rekor v1 integrated time or an RFC 3161 timestamp).
 */
public final class KeylessBundleVerifier {
  private static final Logger log = LoggerFactory.getLogger(KeylessBundleVerifier.class);
  /** Tolerated clock difference between the log and this machine. */
  static final Duration CLOCK_SKEW = Duration.ofMinutes(5);

  private final SigstoreTrustedRoot trustedRoot;
  private final FulcioVerifier fulcioVerifier;
  private final KeylessVerifier keylessVerifier;
  private final RekorVerifier rekorVerifier;
  private final TimestampVerifier timestampVerifier;
  private final Clock clock;

  private KeylessBundleVerifier(SigstoreTrustedRoot trustedRoot, Clock clock) throws SigstoreInputException {
    this.trustedRoot = trustedRoot;
    this.clock = clock;
    try {
      this.fulcioVerifier = FulcioVerifier.newFulcioVerifier(trustedRoot);
      this.keylessVerifier = KeylessVerifier.builder().trustedRootProvider(() -> trustedRoot).build();
      this.rekorVerifier = RekorVerifier.newRekorVerifier(trustedRoot);
      this.timestampVerifier = TimestampVerifier.newTimestampVerifier(trustedRoot);
    } catch (GeneralSecurityException | dev.sigstore.trustroot.SigstoreConfigurationException | RuntimeException e) {
      throw new SigstoreInputException("trusted root is unusable: " + TrustRoots.describe(e), e);
    }
  }

  /**
   * Initializes sigstore-java's key handling, which reading a trusted root's keys needs: its static
   * set-up constructs and registers the BouncyCastle provider (~10% of a keyless verify's main
   * thread), which a caller can so have done on another thread while it parses the root.
   */
  public static void prepare() {
    try {
      MethodHandles.lookup().ensureInitialized(Keys.class);
    } catch (IllegalAccessException e) {
      throw new IllegalStateException(e);
    }
  }

  public static KeylessBundleVerifier create(SigstoreTrustedRoot trustedRoot) throws SigstoreInputException {
    return new KeylessBundleVerifier(trustedRoot, Clock.systemUTC());
  }

  public static KeylessBundleVerifier create(SigstoreTrustedRoot trustedRoot, Clock clock) throws SigstoreInputException {
    return new KeylessBundleVerifier(trustedRoot, clock);
  }

  public SigstoreTrustedRoot trustedRoot() {
    return trustedRoot;
  }

  /**
   * Verifies {@code bundle} for the artifact with the given digest, signed by {@code identity}.
   *
   * @throws SigstoreVerificationException naming the first check that failed
   */
  public KeylessVerification verify(Bundle bundle, ArtifactDigest artifact, CertificateIdentity identity)
      throws SigstoreVerificationException {
    try {
      return verifyChecked(bundle, artifact, identity);
    } catch (RuntimeException e) {
      // a bundle shaped in a way no check anticipated is rejected, not a crash
      log.debug("unexpected failure verifying a bundle", e);
      throw new SigstoreVerificationException("bundle", "could not be checked: " + TrustRoots.describe(e), e);
    }
  }

  private KeylessVerification verifyChecked(Bundle bundle, ArtifactDigest artifact, CertificateIdentity identity)
      throws SigstoreVerificationException {
    List<KeylessVerification.Check> checks = new ArrayList<>();

    if (bundle.getCertPath() == null || bundle.getCertPath().getCertificates().isEmpty()) {
      throw new SigstoreVerificationException(
          "certificate", "bundle has no signing certificate (a key-signed bundle needs --key)");
    }
    if (bundle.getEntries().isEmpty()) {
      throw new SigstoreVerificationException("transparency log", "bundle has no transparency log entry");
    }
    X509Certificate leaf = Certificates.getLeaf(bundle.getCertPath());

    try {
      fulcioVerifier.verifySigningCertificate(bundle.getCertPath());
    } catch (FulcioVerificationException | IOException | RuntimeException e) {
      throw new SigstoreVerificationException("certificate chain", TrustRoots.describe(e), e);
    }
    checks.add(new KeylessVerification.Check(
        "certificate chain", "issued by a trusted Fulcio CA, with a valid SCT from a trusted CT log"));

    SignerInfo signer = SignerInfo.of(leaf);
    if (!identity.matches(signer)) {
      throw new SigstoreVerificationException(
          "identity", "signed by " + signer.identity() + " from " + signer.issuer() + ", expected " + identity);
    }
    checks.add(new KeylessVerification.Check("identity", signer.identity() + " from " + signer.issuer()));

    List<Instant> times = signingTimes(bundle, leaf);

    String otherKind = DsseLogEntries.handledKind(bundle);
    if (otherKind != null) {
      verifyDsseWithOtherEntry(otherKind, bundle, artifact, leaf);
    } else {
      try {
        keylessVerifier.verify(artifact.sha256(), bundle, VerificationOptions.empty());
      } catch (KeylessVerificationException e) {
        // its log check comes last: everything else passed when only the checkpoint name missed
        if (e.getCause() instanceof RekorVerificationException r
            && String.valueOf(r.getMessage()).startsWith("No matching checkpoint signature found")) {
          Checkpoints.verify(bundle.getEntries().get(0), trustedRoot.getTLogs());
        } else {
          log.debug("sigstore-java rejected the bundle", e);
          throw new SigstoreVerificationException(classify(e), TrustRoots.describe(e), e);
        }
      } catch (RuntimeException e) {
        log.debug("sigstore-java rejected the bundle", e);
        throw new SigstoreVerificationException(classify(e), TrustRoots.describe(e), e);
      }
      DsseLogEntries.checkDsseV001Verifier(bundle.getEntries().get(0), leaf);
    }
    boolean dsse = bundle.getDsseEnvelope().isPresent();
    checks.add(new KeylessVerification.Check(
        "signature",
        dsse
            ? "DSSE envelope signed by the certificate's key; the artifact's sha256 is a subject"
            : "message signature over the artifact's sha256 by the certificate's key"));
    checks.add(new KeylessVerification.Check(
        "transparency log",
        "entry " + bundle.getEntries().get(0).getLogIndex()
            + " matches the bundle; inclusion proof and checkpoint verified"
            + (hasSet(bundle.getEntries().get(0)) ? "; signed entry timestamp verified" : "")));
    checks.add(new KeylessVerification.Check(
        "signing time",
        "signed at " + String.join(", ", times.stream().map(Instant::toString).toList())
            + " (log or timestamp authority), within the certificate's validity "
            + leaf.getNotBefore().toInstant() + " to " + leaf.getNotAfter().toInstant()));

    return new KeylessVerification(
        signer,
        times,
        checks,
        bundle.getMediaType(),
        dsse ? bundle.getDsseEnvelope().get().getPayloadType() : null,
        dsse ? bundle.getDsseEnvelope().get().getPayload() : null);
  }

  /**
   * What {@link KeylessVerifier#verify} does, for DSSE entries it cannot match (see {@link
   * DsseLogEntries}), from sigstore-java's public parts.
   */
  private void verifyDsseWithOtherEntry(String kind, Bundle bundle, ArtifactDigest artifact, X509Certificate leaf)
      throws SigstoreVerificationException {
    Bundle.DsseEnvelope env = bundle.getDsseEnvelope().orElseThrow();
    DsseLogEntries.checkEnvelope(env, artifact, leaf);
    RekorEntry entry = bundle.getEntries().get(0);
    DsseLogEntries.checkEntryMatches(kind, entry, env, leaf);
    for (Bundle.Timestamp ts : bundle.getTimestamps()) {
      try {
        timestampVerifier.verify(ImmutableTimestampResponse.builder().encoded(ts.getRfc3161Timestamp()).build(), env.getSignature());
      } catch (TimestampVerificationException | RuntimeException e) {
        throw new SigstoreVerificationException("timestamp", TrustRoots.describe(e), e);
      }
    }
    verifyLogEntry(entry);
  }

  /**
   * sigstore-java's RekorVerifier: SET, inclusion proof, checkpoint. It finds the checkpoint
   * signature by the log URL's host name, which misses logs whose note name carries a port
   * (localhost:8000); then the checkpoint is checked by key hint and signature instead.
   */
  private void verifyLogEntry(RekorEntry entry) throws SigstoreVerificationException {
    try {
      rekorVerifier.verifyEntry(entry);
    } catch (RekorVerificationException e) {
      if (String.valueOf(e.getMessage()).startsWith("No matching checkpoint signature found")) {
        Checkpoints.verify(entry, trustedRoot.getTLogs());
        return;
      }
      throw new SigstoreVerificationException("transparency log", TrustRoots.describe(e), e);
    } catch (RuntimeException e) {
      throw new SigstoreVerificationException("transparency log", TrustRoots.describe(e), e);
    }
  }

  private static boolean hasSet(RekorEntry entry) {
    var set = entry.getVerification().getSignedEntryTimestamp();
    return set != null && !set.isEmpty();
  }

  /**
   * The times the signature is vouched for: integrated times of Rekor v1 entries (SET-backed) and
   * RFC 3161 timestamps. Each must lie within the leaf certificate's validity.
   */
  private List<Instant> signingTimes(Bundle bundle, X509Certificate leaf) throws SigstoreVerificationException {
    List<Instant> times = new ArrayList<>();
    Instant latest = clock.instant().plus(CLOCK_SKEW);
    for (RekorEntry entry : bundle.getEntries()) {
      long t = entry.getIntegratedTime();
      if (t <= 0) {
        continue; // Rekor v2 entries carry no integrated time; a timestamp authority vouches instead
      }
      if (!hasSet(entry)) {
        continue; // without an inclusion promise the integrated time is not signed by anyone
      }
      Instant integrated = Instant.ofEpochSecond(t);
      if (integrated.isAfter(latest)) {
        throw new SigstoreVerificationException(
            "signing time", "log integrated time " + integrated + " is in the future");
      }
      checkValidAt(leaf, integrated, "log integrated time");
      times.add(integrated);
    }
    for (Bundle.Timestamp ts : bundle.getTimestamps()) {
      byte[] encoded = ts.getRfc3161Timestamp();
      if (encoded == null || encoded.length == 0) {
        throw new SigstoreVerificationException("timestamp", "bundle holds an empty RFC 3161 timestamp");
      }
      Instant genTime;
      try {
        genTime = ImmutableTimestampResponse.builder().encoded(encoded).build().getGenTime().toInstant();
      } catch (TimestampException | RuntimeException e) {
        throw new SigstoreVerificationException("timestamp", "RFC 3161 timestamp is malformed: " + TrustRoots.describe(e), e);
      }
      if (genTime.isAfter(latest)) {
        throw new SigstoreVerificationException("signing time", "timestamp " + genTime + " is in the future");
      }
      checkValidAt(leaf, genTime, "timestamp");
      times.add(genTime);
    }
    if (times.isEmpty()) {
      throw new SigstoreVerificationException(
          "signing time", "no trusted time: neither a log entry with a signed integrated time nor an RFC 3161 timestamp");
    }
    return times;
  }

  private static void checkValidAt(X509Certificate leaf, Instant when, String what)
      throws SigstoreVerificationException {
    try {
      leaf.checkValidity(Date.from(when));
    } catch (CertificateExpiredException | CertificateNotYetValidException e) {
      throw new SigstoreVerificationException(
          "signing time",
          "signing certificate (valid " + leaf.getNotBefore().toInstant() + " to " + leaf.getNotAfter().toInstant()
              + ") was not valid at the " + what + " " + when);
    }
  }

  /** Which check a sigstore-java rejection belongs to, from what it says. */
  static String classify(Throwable e) {
    String m = String.valueOf(e.getMessage()).toLowerCase();
    if (m.contains("timestamp")) {
      return "timestamp";
    }
    if (m.contains("transparency log") || m.contains("log entry") || m.contains("rekor")
        || m.contains("inclusion") || m.contains("checkpoint")) {
      return "transparency log";
    }
    return "signature";
  }
}
