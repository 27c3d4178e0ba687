package dev.plumbline.sigstore;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URI;
import java.security.PublicKey;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;

/** Fulcio's v2 REST API, {@code POST /api/v2/signingCert}: a short-lived certificate for a key. */
final class FulcioClient {
  static final MediaType JSON_TYPE = MediaType.get("application/json");
  private static final ObjectMapper JSON = new ObjectMapper();
  private final OkHttpClient http;

  FulcioClient(OkHttpClient http) {
    this.http = http;
  }

  /** The certificate chain, leaf first, for {@code key}; {@code proof} signs the token's subject. */
  List<X509Certificate> signingCert(URI fulcio, IdentityToken token, PublicKey key, byte[] proof)
      throws SigstoreException {
    ObjectNode body = JSON.createObjectNode();
    body.putObject("credentials").put("oidcIdentityToken", token.jwt());
    ObjectNode pkr = body.putObject("publicKeyRequest");
    pkr.putObject("publicKey").put("algorithm", "ECDSA").put("content", Pem.encode("PUBLIC KEY", key.getEncoded()));
    pkr.put("proofOfPossession", Base64.getEncoder().encodeToString(proof));
    Request request = new Request.Builder()
        .url(fulcio.resolve("/api/v2/signingCert").toString())
        .header("Authorization", "Bearer " + token.jwt())
        .header("Accept", "application/json")
        .post(RequestBody.create(body.toString(), JSON_TYPE))
        .build();
    try (Response response = http.newCall(request).execute()) {
      String text = response.body() == null ? "" : response.body().string();
      if (!response.isSuccessful()) {
        throw new SigstoreException("Fulcio " + fulcio + " refused the certificate: HTTP " + response.code() + " " + snippet(text));
      }
      JsonNode json = JSON.readTree(text);
      if (json.has("signedCertificateDetachedSct")) {
        throw new SigstoreException("Fulcio " + fulcio + " returned a detached SCT; only certificates with embedded SCTs are supported");
      }
      JsonNode pems = json.path("signedCertificateEmbeddedSct").path("chain").path("certificates");
      List<X509Certificate> chain = new ArrayList<>();
      for (JsonNode pem : pems) {
        chain.addAll(Pem.certificates(pem.asText()));
      }
      if (chain.isEmpty()) {
        throw new SigstoreException("Fulcio " + fulcio + " returned no certificate");
      }
      if (!chain.get(0).getPublicKey().equals(key)) {
        throw new SigstoreException("Fulcio " + fulcio + " returned a certificate for another key");
      }
      return chain;
    } catch (IOException e) {
      throw new SigstoreException("could not reach Fulcio " + fulcio + ": " + e.getMessage(), e);
    } catch (CertificateException e) {
      throw new SigstoreException("Fulcio " + fulcio + " returned a malformed certificate: " + e.getMessage(), e);
    }
  }

  static String snippet(String text) {
    String one = text.replaceAll("\\s+", " ").strip();
    return one.length() > 200 ? one.substring(0, 200) + "..." : one;
  }
}
