package dev.plumbline.sigstore;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import java.time.format.DateTimeParseException;

/**
 * The services keyless signing talks to, from a Sigstore signing_config v0.2 JSON: the Fulcio CA
 * ({@code caUrls}) and a Rekor v1 log ({@code rekorTlogUrls} with {@code majorApiVersion} 1),
 * each the first entry valid now. The OIDC and TSA URLs are read for completeness but not needed:
 * the token comes from the CI, and a Rekor v1 entry's signed integrated time stands in for a TSA.
 */
public record SigningConfig(URI fulcio, URI rekor, URI oidc, URI tsa) {
  static final String PINNED = "/dev/plumbline/sigstore/signing_config.json";
  static final String MEDIA_TYPE = "application/vnd.dev.sigstore.signingconfig.v0.2+json";

  public static SigningConfig publicGood(Instant now) throws SigstoreInputException {
    try (InputStream in = SigningConfig.class.getResourceAsStream(PINNED)) {
      return parse(in.readAllBytes(), "pinned signing config", now);
    } catch (IOException | NullPointerException e) {
      throw new SigstoreInputException("pinned signing config is unreadable", e);
    }
  }

  public static SigningConfig fromFile(Path file, Instant now) throws SigstoreInputException {
    try {
      return parse(Files.readAllBytes(file), "signing config " + file, now);
    } catch (NoSuchFileException e) {
      throw new SigstoreInputException("signing config " + file + " does not exist", e);
    } catch (IOException e) {
      throw new SigstoreInputException("signing config " + file + " is unreadable: " + e.getMessage(), e);
    }
  }

  public static SigningConfig load(Path fileOrNull, Instant now) throws SigstoreInputException {
    return fileOrNull == null ? publicGood(now) : fromFile(fileOrNull, now);
  }

  static SigningConfig parse(byte[] json, String name, Instant now) throws SigstoreInputException {
    JsonNode root;
    try {
      root = new ObjectMapper().readTree(json);
    } catch (IOException e) {
      throw new SigstoreInputException(name + " is not JSON: " + SigstoreException.oneLine(e.getMessage()), e);
    }
    if (!MEDIA_TYPE.equals(root.path("mediaType").asText())) {
      throw new SigstoreInputException(name + ": mediaType must be " + MEDIA_TYPE + ", not '" + root.path("mediaType").asText() + "'");
    }
    URI fulcio = pick(root, "caUrls", 1, now, name, true);
    URI rekor = pick(root, "rekorTlogUrls", 1, now, name, true);
    return new SigningConfig(fulcio, rekor, pick(root, "oidcUrls", 0, now, name, false), pick(root, "tsaUrls", 0, now, name, false));
  }

  /** The first service of the list valid at {@code now} (and of that API version when > 0). */
  private static URI pick(JsonNode root, String list, int apiVersion, Instant now, String name, boolean required)
      throws SigstoreInputException {
    for (JsonNode s : root.path(list)) {
      if (apiVersion > 0 && s.path("majorApiVersion").asInt(-1) != apiVersion) {
        continue;
      }
      try {
        JsonNode v = s.path("validFor");
        if (v.hasNonNull("start") && Instant.parse(v.get("start").asText()).isAfter(now)) {
          continue;
        }
        if (v.hasNonNull("end") && Instant.parse(v.get("end").asText()).isBefore(now)) {
          continue;
        }
        return URI.create(s.path("url").asText());
      } catch (DateTimeParseException | IllegalArgumentException e) {
        throw new SigstoreInputException(name + ": " + list + " has a malformed entry: " + e.getMessage(), e);
      }
    }
    if (required) {
      throw new SigstoreInputException(
          name + ": no " + list + " entry" + (apiVersion > 0 ? " with majorApiVersion " + apiVersion : "") + " valid now");
    }
    return null;
  }
}
