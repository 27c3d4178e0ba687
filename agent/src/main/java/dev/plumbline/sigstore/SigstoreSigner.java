package dev.plumbline.sigstore;

import com.fasterxml.jackson.databind.JsonNode;
import dev.plumbline.sign.Signer;
import dev.plumbline.sign.SigningException;
import dev.plumbline.sign.VerificationMaterial;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import okhttp3.OkHttpClient;

/**
 * The keyless {@link Signer} behind {@code plumbline run --keyless}: {@link #sign} gets the OIDC
 * token, an ephemeral key and its Fulcio certificate, and signs the PAE; {@link #complete} logs the
 * envelope in Rekor and returns the certificate and the verified log entry as verification material.
 * The token is fetched at signing time (CI tokens are short-lived), but {@link #create} already
 * refuses a run that has no token source, before the build starts.
 */
public final class SigstoreSigner implements Signer {
  private final KeylessSigner keyless;
  private final String explicitToken;
  private final Map<String, String> env;
  private final OkHttpClient http;
  private final Clock clock;
  private KeylessSigner.Session session;

  private SigstoreSigner(KeylessSigner keyless, String explicitToken, Map<String, String> env, OkHttpClient http, Clock clock) {
    this.keyless = keyless;
    this.explicitToken = explicitToken;
    this.env = Map.copyOf(env);
    this.http = http;
    this.clock = clock;
  }

  /**
   * @param trustedRoot {@code --trusted-root}, or null for the pinned public-good root
   * @param signingConfig {@code --signing-config}, or null for the public-good services
   */
  public static SigstoreSigner create(String explicitToken, Map<String, String> env, Path trustedRoot, Path signingConfig, Clock clock)
      throws SigningException {
    try {
      IdentityTokens.requireSource(explicitToken, env, clock);
      OkHttpClient http = new OkHttpClient();
      KeylessSigner keyless = KeylessSigner.create(
          SigningConfig.load(signingConfig, clock.instant()), TrustRoots.load(trustedRoot), http, clock);
      return new SigstoreSigner(keyless, explicitToken, env, http, clock);
    } catch (SigstoreException e) {
      throw new SigningException(e.getMessage(), e);
    }
  }

  @Override
  public Signed sign(byte[] pae) throws SigningException {
    try {
      IdentityToken token = IdentityTokens.resolve(explicitToken, env, http, clock);
      session = keyless.open(token);
      byte[] signature = session.sign(pae);
      JsonNode cert = new com.fasterxml.jackson.databind.ObjectMapper().createObjectNode()
          .put("rawBytes", Base64.getEncoder().encodeToString(session.leaf().getEncoded()));
      return new Signed(signature, "", new VerificationMaterial(null, cert, null, List.of(), null));
    } catch (SigstoreException e) {
      throw new SigningException("keyless signing failed: " + e.getMessage(), e);
    } catch (java.security.cert.CertificateEncodingException e) {
      throw new SigningException("keyless signing failed: the Fulcio certificate cannot be encoded", e);
    }
  }

  @Override
  public VerificationMaterial complete(SignedEnvelope envelope, Signed signed) throws SigningException {
    if (session == null) {
      throw new SigningException("keyless signing: complete() called before sign()");
    }
    try {
      KeylessSigner.SignedBundle bundle = keyless.logDsse(session, envelope.payloadType(), envelope.payload(), envelope.signature());
      JsonNode vm = bundle.tree().path("verificationMaterial");
      List<JsonNode> entries = new ArrayList<>();
      vm.path("tlogEntries").forEach(entries::add);
      return new VerificationMaterial(null, vm.get("certificate"), null, entries, vm.get("timestampVerificationData"));
    } catch (SigstoreException e) {
      throw new SigningException("keyless signing failed: " + e.getMessage(), e);
    } finally {
      session = null; // the ephemeral key is not reused
    }
  }
}
