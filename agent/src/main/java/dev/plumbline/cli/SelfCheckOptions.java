package dev.plumbline.cli;

import dev.plumbline.attest.AttestationRun;
import dev.plumbline.attest.Statement;
import dev.plumbline.ci.ActionVerdict;
import dev.plumbline.ci.SelfCheck;
import dev.plumbline.policy.Policy;
import dev.plumbline.policy.PolicyException;
import dev.plumbline.policy.PolicyLoader;
import dev.plumbline.sign.KeySigner;
import dev.plumbline.sign.Signer;
import dev.plumbline.text.Printable;
import dev.plumbline.verify.VerdictText;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code run --verify}: what the bundle must show, settled before the build (the signer's public
 * key or the keyless identity, the policy loaded), and the check after signing, in the agent
 * process that traced the build ({@link SelfCheck}, as the GitHub Action does): nothing is run
 * or loaded from a path the build could have changed.
 */
final class SelfCheckOptions {
  /** A --verify option that cannot work, said before the build runs. */
  static final class BadOptionException extends Exception {
    BadOptionException(String message) {
      super(message);
    }
  }

  private final SelfCheck.ExpectedSigner signer;
  private final Policy policy;

  private SelfCheckOptions(SelfCheck.ExpectedSigner signer, Policy policy) {
    this.signer = signer;
    this.policy = policy;
  }

  /** Null when --verify was not asked for. */
  static SelfCheckOptions prepare(boolean verify, Path policyFile, String identity, String issuer, Path trustedRoot, Signer signer)
      throws BadOptionException {
    if (!verify) {
      if (policyFile != null || identity != null || issuer != null) {
        throw new BadOptionException("--policy, --certificate-identity and --certificate-oidc-issuer go with --verify");
      }
      return null;
    }
    if (signer == null) {
      throw new BadOptionException("--verify checks what was signed: give --key FILE or --keyless");
    }
    SelfCheck.ExpectedSigner expected;
    if (signer instanceof KeySigner k) {
      if (identity != null || issuer != null) {
        throw new BadOptionException("--certificate-identity and --certificate-oidc-issuer are for --keyless: with --key,"
            + " --verify expects that key's signature");
      }
      expected = SelfCheck.ExpectedSigner.key(k.publicKey());
    } else {
      if (identity == null || issuer == null) {
        throw new BadOptionException("--verify --keyless needs the identity to expect: --certificate-identity IDENTITY"
            + " --certificate-oidc-issuer URL");
      }
      expected = SelfCheck.ExpectedSigner.keyless(identity, issuer, trustedRoot);
    }
    Policy loaded = null;
    if (policyFile != null) {
      try {
        loaded = PolicyLoader.load(policyFile);
      } catch (PolicyException e) {
        throw new BadOptionException("--policy: " + e.getMessage());
      }
    }
    return new SelfCheckOptions(expected, loaded);
  }

  /**
   * Verifies the bundle just written against each subject (the record when it is the subject; a
   * subject given by digest by that digest),
   * prints the verdict on {@code err}; true when verified.
   */
  boolean check(AttestationRun attestation, AttestationRun.Result signed, Path cwd, Path recordFile, PrintWriter err) {
    List<String> artifacts = new ArrayList<>();
    if (attestation.subjectGlobs().isEmpty() && attestation.namedSubjects().isEmpty()) {
      artifacts.add((recordFile != null ? cwd.resolve(recordFile) : signed.recordWritten()).toString());
    } else {
      for (Statement.Subject s : signed.subjects()) {
        // a subject given by digest (--subject-digest) is no file here: it is verified by its digest
        artifacts.add(attestation.namedSubjects().contains(s) ? "sha256:" + s.digest().get("sha256") : cwd.resolve(s.name()).toString());
      }
    }
    SelfCheck.Outcome outcome = SelfCheck.signed(signed.bundle(), signer, policy, artifacts, null, Clock.systemUTC());
    if (outcome.verification() != null) {
      err.print(VerdictText.text(outcome.verification()));
    } else {
      err.println("plumbline: --verify: " + outcome.verdict().output() + ": " + Printable.inline(String.valueOf(outcome.reason())));
    }
    err.flush();
    return outcome.verdict() == ActionVerdict.VERIFIED;
  }
}
