package dev.plumbline.sigstore;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.time.Instant;
import java.util.Base64;

/**
 * An OIDC identity token (JWT) as Fulcio receives it. Its signature is Fulcio's to check; here
 * the claims are only read to know whom the certificate will name and what to prove possession of.
 */
public record IdentityToken(String jwt, String issuer, String subject, String email, Instant expiry) {

  @Override
  public String toString() {
    return "IdentityToken[issuer=" + issuer + ", subject=" + subject + "]"; // never the JWT itself
  }

  /** What Fulcio expects the proof of possession to sign: the e-mail for e-mail identities, else sub. */
  public String proofSubject() {
    return email != null ? email : subject;
  }

  public static IdentityToken parse(String jwt) throws SigstoreInputException {
    String token = jwt.strip();
    JsonNode claims = claims(token);
    String iss = text(claims, "iss");
    String sub = text(claims, "sub");
    if (iss == null || sub == null) {
      throw new SigstoreInputException("identity token has no " + (iss == null ? "iss" : "sub") + " claim");
    }
    Instant exp = claims.hasNonNull("exp") ? Instant.ofEpochSecond(claims.get("exp").asLong()) : null;
    return new IdentityToken(token, iss, sub, text(claims, "email"), exp);
  }

  /**
   * The token's claims, unverified (Fulcio checks the signature); e.g. GitHub's
   * {@code job_workflow_ref}, which names the certificate's identity for reusable workflows.
   */
  public static JsonNode claims(String jwt) throws SigstoreInputException {
    String[] parts = jwt.strip().split("\\.");
    if (parts.length != 3) {
      throw new SigstoreInputException("identity token is not a JWT (expected three dot-separated parts)");
    }
    try {
      JsonNode claims = new ObjectMapper().readTree(Base64.getUrlDecoder().decode(parts[1]));
      if (claims == null || !claims.isObject()) {
        throw new SigstoreInputException("identity token claims are not a JSON object");
      }
      return claims;
    } catch (IOException | IllegalArgumentException e) {
      throw new SigstoreInputException("identity token claims are not base64url JSON", e);
    }
  }

  private static String text(JsonNode claims, String name) {
    JsonNode n = claims.get(name);
    return n == null || !n.isTextual() || n.asText().isEmpty() ? null : n.asText();
  }
}
