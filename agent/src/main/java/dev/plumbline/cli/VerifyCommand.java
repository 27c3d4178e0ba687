package dev.plumbline.cli;

import dev.plumbline.attest.Predicate;
import dev.plumbline.policy.KeyFingerprints;
import dev.plumbline.policy.PolicyException;
import dev.plumbline.policy.PolicyLoader;
import dev.plumbline.policy.PolicyStep;
import dev.plumbline.report.PolicyReport;
import dev.plumbline.sign.Keys;
import dev.plumbline.sign.SigningException;
import dev.plumbline.verify.Artifact;
import dev.plumbline.verify.BundleFile;
import dev.plumbline.verify.Verdict;
import dev.plumbline.verify.VerdictText;
import dev.plumbline.verify.VerificationStep;
import dev.plumbline.verify.Verifier;
import dev.plumbline.verify.VerifyException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code plumbline verify}. */
@Command(
    name = "verify",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "Verifies a signed build attestation offline and prints a verdict:",
      "the bundle's signature, that the payload is an in-toto statement with",
      "our predicate, that ARTIFACT is one of its subjects, and that the trace",
      "was complete. Then it shows what the build ran and contacted.",
      "",
      "ARTIFACT is a file, or sha256:HEX for its digest. Key-signed",
      "message-signature bundles of other Sigstore clients verify too.",
      ""
    },
    footer = {
      "",
      "Examples:",
      "  plumbline verify --bundle plumbline.sigstore.json \\",
      "      --key plumbline.pub dist/app.tar.gz",
      "  plumbline verify --bundle b.json --key k.pub --format json sha256:9f86d08...",
      "  plumbline verify --bundle plumbline.sigstore.json \\",
      "      --certificate-identity-regexp 'https://github.com/acme/app/.*' \\",
      "      --certificate-oidc-issuer https://token.actions.githubusercontent.com \\",
      "      dist/app.tar.gz",
      "  plumbline verify --bundle plumbline.sigstore.json --github-repository acme/app \\",
      "      --github-workflow release.yml --github-ref refs/tags/v1.2.0 dist/app.tar.gz",
      "",
      "With --policy, every rule of the policy is evaluated after those checks (docs/policy.md).",
      "",
      "Exit codes: 0 verified, 1 rejected (signature, subject, type, completeness, policy),",
      "2 bad usage or unreadable input (missing file, not JSON, not a key)."
    })
public final class VerifyCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(names = "--bundle", paramLabel = "FILE", description = "The Sigstore bundle to verify (required).")
  Path bundle;

  @Mixin SignerOptions signer = new SignerOptions();

  @Option(names = "--format", paramLabel = "FORMAT", defaultValue = "text",
      description = "text (on stderr, default), json or markdown (on stdout).")
  String format;

  // ---- policy (policy area, docs/policy.md) ----
  @Option(names = "--policy", paramLabel = "POLICY",
      description = "Also evaluate this build policy (YAML or JSON) after the signature and subject checks.")
  Path policy;
  // ---- end policy ----

  @Option(names = "--allow-incomplete", description = "Accept an attestation whose trace is marked incomplete.")
  boolean allowIncomplete;

  @Option(names = "--allow-non-attestation", description = "Accept a bundle that is not a Plumbline build attestation"
      + " (a plain message signature, another predicate type): only its signature and subject are checked.")
  boolean allowNonAttestation;

  @Parameters(index = "0", arity = "0..1", paramLabel = "ARTIFACT", description = "The artifact file, or sha256:HEX (required).")
  String artifact;

  /**
   * Started by {@link Main#run} before picocli builds this command's model: reading a key (which
   * the main thread does first, right after the model) and then the JSON reading that every verify
   * of an attestation needs ({@link Keys#prepareReading}, {@link Predicate#prepareRecordReader}).
   */
  static void prepareAhead() {
    AheadOfUse.start("verify-prepare", () -> {
      Keys.prepareReading();
      Predicate.prepareRecordReader();
    });
  }

  @Override
  public Integer call() {
    PrintWriter err = spec.commandLine().getErr();
    PrintWriter out = spec.commandLine().getOut();
    // checked here rather than by picocli, so an unknown option is reported before a missing one
    if (bundle == null) {
      return usage(err, "verify needs the bundle: --bundle FILE");
    }
    if (artifact == null) {
      return usage(err, "verify needs the ARTIFACT: a file, or sha256:HEX");
    }
    if (!format.equals("text") && !format.equals("json") && !format.equals("markdown")) {
      return usage(err, "--format must be text, json or markdown, not '" + format + "'");
    }
    Verdict verdict;
    PolicyStep policyStep = null;
    try {
      Verifier verifier = Verifier.standard(signatureSteps(), options());
      if (policy != null) {
        policyStep = new PolicyStep(PolicyLoader.load(policy), signer.key == null ? null : KeyFingerprints.of(Keys.readPublicKey(signer.key)), Clock.systemUTC());
        verifier = verifier.then(policyStep);
      }
      Artifact subject = Artifact.parse(artifact);
      try {
        verdict = verifier.verify(BundleFile.read(bundle), subject);
      } catch (BundleFile.MalformedBundleException e) {
        verdict = Verdict.rejected("bundle", e.getMessage());
      }
    } catch (VerifyException | SigningException | PolicyException e) {
      return usage(err, ErrorHandler.oneLine(e));
    }
    if (format.equals("markdown")) {
      out.print(PolicyReport.verdictMarkdown(verdict, policyStep == null ? null : policyStep.evaluation()));
      out.flush();
    } else if (format.equals("json")) {
      out.print(VerdictText.json(verdict));
      out.flush();
    } else {
      err.print(VerdictText.text(verdict));
      err.flush();
    }
    return verdict.verified() ? ExitCodes.OK : ExitCodes.REJECTED;
  }

  Verifier.Options options() {
    Verifier.Options base = allowNonAttestation ? Verifier.Options.anyPredicateType() : Verifier.Options.defaults();
    return base.allowingIncomplete(allowIncomplete);
  }

  List<VerificationStep> signatureSteps() throws VerifyException, SigningException {
    return signer.signatureSteps("verify");
  }

  private static int usage(PrintWriter err, String message) {
    err.println("plumbline: " + message);
    err.flush();
    return ExitCodes.USAGE;
  }
}
