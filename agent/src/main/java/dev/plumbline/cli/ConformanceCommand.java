package dev.plumbline.cli;

import dev.plumbline.sigstore.ArtifactDigest;
import dev.plumbline.sigstore.Bundles;
import dev.plumbline.sigstore.CertificateIdentity;
import dev.plumbline.sigstore.IdentityTokens;
import dev.plumbline.sigstore.KeylessBundleVerifier;
import dev.plumbline.sigstore.KeylessSigner;
import dev.plumbline.sigstore.SigningConfig;
import dev.plumbline.sigstore.SigstoreException;
import dev.plumbline.sigstore.SigstoreInputException;
import dev.plumbline.sigstore.TrustRoots;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import okhttp3.OkHttpClient;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code plumbline sigstore-conformance}: the Sigstore client conformance CLI protocol
 * (github.com/sigstore/sigstore-conformance), driven by {@code scripts/sigstore-conformance-client}.
 * Hidden: users run {@code plumbline verify} and {@code plumbline run --keyless}.
 */
@Command(
    name = "sigstore-conformance",
    hidden = true,
    mixinStandardHelpOptions = true,
    description = "Sigstore conformance-suite client protocol (verify-bundle, sign-bundle).",
    subcommands = {ConformanceCommand.VerifyBundle.class, ConformanceCommand.SignBundle.class})
public final class ConformanceCommand implements Callable<Integer> {
  @Override
  public Integer call() {
    return ExitCodes.USAGE;
  }

  /** Exit code and one line on stderr for a Sigstore failure. */
  static int fail(CommandSpec spec, SigstoreException e) {
    spec.commandLine().getErr().println("plumbline: " + ErrorHandler.oneLine(e));
    return e instanceof SigstoreInputException ? ExitCodes.USAGE : ExitCodes.REJECTED;
  }

  @Command(name = "verify-bundle", mixinStandardHelpOptions = true, description = "Verify a bundle.")
  static final class VerifyBundle implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Option(names = "--bundle", required = true, paramLabel = "FILE")
    Path bundle;

    @ArgGroup(exclusive = true, multiplicity = "1")
    Mode mode;

    static final class Mode {
      @ArgGroup(exclusive = false)
      Keyless keyless;

      @Option(names = "--key", paramLabel = "FILE", description = "PEM public key (key mode).")
      Path key;
    }

    static final class Keyless {
      @Option(names = "--certificate-identity", required = true, paramLabel = "ID")
      String identity;

      @Option(names = "--certificate-oidc-issuer", required = true, paramLabel = "URL")
      String issuer;
    }

    @Option(names = "--trusted-root", paramLabel = "FILE")
    Path trustedRoot;

    @Parameters(paramLabel = "FILE_OR_DIGEST")
    String artifact;

    @Override
    public Integer call() {
      try {
        var digest = ArtifactDigest.parse(artifact);
        if (mode.key != null) {
          return KeyModeConformance.verify(spec, bundle, mode.key, trustedRoot, digest, artifact);
        }
        var parsed = Bundles.readKeyless(bundle);
        var verifier = KeylessBundleVerifier.create(TrustRoots.load(trustedRoot));
        var result =
            verifier.verify(parsed, digest, CertificateIdentity.exact(mode.keyless.identity, mode.keyless.issuer));
        spec.commandLine().getErr().println("plumbline: verified: signed by " + dev.plumbline.text.Printable.inline(result.signer().identity()));
        return ExitCodes.OK;
      } catch (SigstoreException e) {
        return fail(spec, e);
      }
    }
  }

  @Command(name = "sign-bundle", mixinStandardHelpOptions = true, description = "Sign a file keyless into a bundle.")
  static final class SignBundle implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Option(names = "--in-toto", description = "FILE is an in-toto statement to sign as a DSSE envelope.")
    boolean inToto;

    @Option(names = "--identity-token", required = true, paramLabel = "TOKEN")
    String identityToken;

    @Option(names = "--bundle", required = true, paramLabel = "FILE")
    Path bundle;

    @Option(names = "--trusted-root", paramLabel = "FILE")
    Path trustedRoot;

    @Option(names = "--signing-config", paramLabel = "FILE")
    Path signingConfig;

    @Parameters(paramLabel = "FILE")
    Path file;

    @Override
    public Integer call() {
      try {
        Clock clock = Clock.systemUTC();
        var signer = KeylessSigner.create(
            SigningConfig.load(signingConfig, clock.instant()), TrustRoots.load(trustedRoot), new OkHttpClient(), clock);
        var token = IdentityTokens.resolve(identityToken, System.getenv(), new OkHttpClient(), clock);
        KeylessSigner.SignedBundle signed;
        if (inToto) {
          byte[] statement;
          try {
            statement = Files.readAllBytes(file);
          } catch (IOException e) {
            throw new SigstoreInputException("statement " + file + " is unreadable: " + e.getMessage(), e);
          }
          signed = signer.signDsse(token, "application/vnd.in-toto+json", statement);
        } else {
          signed = signer.signArtifact(token, ArtifactDigest.ofFile(file));
        }
        try {
          Files.writeString(bundle, signed.json());
        } catch (IOException e) {
          throw new SigstoreInputException("cannot write bundle " + bundle + ": " + e.getMessage(), e);
        }
        spec.commandLine().getErr().println("plumbline: signed as " + dev.plumbline.text.Printable.inline(signed.signer().identity()) + ", log index " + signed.logIndex());
        return ExitCodes.OK;
      } catch (SigstoreInputException e) {
        return fail(spec, e);
      } catch (SigstoreException e) {
        // the services or the token failed: not the input's fault, not a rejected bundle
        spec.commandLine().getErr().println("plumbline: " + ErrorHandler.oneLine(e));
        return ExitCodes.OUTPUT_FAILED;
      }
    }
  }
}
