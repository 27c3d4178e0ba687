package dev.plumbline.verify;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Base64;
import java.util.Set;

/** The bundle is a Sigstore bundle we understand, holding exactly one of a DSSE envelope or a message signature. */
public final class BundleStep implements VerificationStep {
  static final Set<String> MEDIA_TYPES =
      Set.of(
          "application/vnd.dev.sigstore.bundle+json;version=0.1",
          "application/vnd.dev.sigstore.bundle+json;version=0.2",
          "application/vnd.dev.sigstore.bundle+json;version=0.3",
          "application/vnd.dev.sigstore.bundle.v0.3+json");

  @Override
  public void apply(VerificationContext ctx) {
    JsonNode b = ctx.bundle();
    String mediaType = b.path("mediaType").asText(null);
    if (mediaType == null) {
      ctx.add(Check.fail("bundle", "no mediaType: not a Sigstore bundle"));
      return;
    }
    if (!MEDIA_TYPES.contains(mediaType)) {
      ctx.add(Check.fail("bundle", "unsupported bundle mediaType '" + mediaType + "'"));
      return;
    }
    if (!b.path("verificationMaterial").isObject()) {
      ctx.add(Check.fail("bundle", "no verificationMaterial"));
      return;
    }
    boolean dsse = b.has("dsseEnvelope");
    boolean message = b.has("messageSignature");
    if (dsse == message) {
      ctx.add(Check.fail("bundle", dsse ? "holds both a dsseEnvelope and a messageSignature" : "holds neither a dsseEnvelope nor a messageSignature"));
      return;
    }
    if (dsse) {
      JsonNode env = b.get("dsseEnvelope");
      if (!env.isObject() || !env.path("payload").isTextual() || !env.path("payloadType").isTextual()) {
        ctx.add(Check.fail("bundle", "dsseEnvelope lacks payload or payloadType"));
        return;
      }
      if (!env.path("signatures").isArray()) {
        ctx.add(Check.fail("bundle", "dsseEnvelope has no signatures list"));
        return;
      }
      if (!isBase64(env.get("payload").asText())) {
        ctx.add(Check.fail("bundle", "dsseEnvelope payload is not valid base64"));
        return;
      }
      ctx.content(VerificationContext.Content.DSSE);
      ctx.add(Check.pass("bundle", "Sigstore bundle (" + mediaType + ") with a DSSE envelope"));
    } else {
      JsonNode ms = b.get("messageSignature");
      if (!ms.isObject() || !ms.path("signature").isTextual()) {
        ctx.add(Check.fail("bundle", "messageSignature has no signature"));
        return;
      }
      ctx.content(VerificationContext.Content.MESSAGE_SIGNATURE);
      ctx.add(Check.pass("bundle", "Sigstore bundle (" + mediaType + ") with a message signature"));
    }
  }

  static boolean isBase64(String s) {
    try {
      Base64.getDecoder().decode(s);
      return true;
    } catch (IllegalArgumentException e) {
      return false;
    }
  }
}
