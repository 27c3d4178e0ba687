package dev.plumbline.sigstore;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;

/** Rekor's v1 REST API, {@code POST /api/v1/log/entries}: logs an entry, returns its proof. */
final class RekorClient {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final OkHttpClient http;

  RekorClient(OkHttpClient http) {
    this.http = http;
  }

  /** A logged entry as Rekor v1 returns it (hashes and log id in hex). */
  record LoggedEntry(
      String uuid,
      String body,
      long integratedTime,
      String logIdHex,
      long logIndex,
      String signedEntryTimestamp,
      long proofLogIndex,
      String rootHashHex,
      long treeSize,
      List<String> hashesHex,
      String checkpoint) {}

  LoggedEntry create(URI rekor, String proposedEntry) throws SigstoreException {
    Request request = new Request.Builder()
        .url(rekor.resolve("/api/v1/log/entries").toString())
        .header("Accept", "application/json")
        .post(RequestBody.create(proposedEntry, FulcioClient.JSON_TYPE))
        .build();
    try (Response response = http.newCall(request).execute()) {
      String text = response.body() == null ? "" : response.body().string();
      if (response.code() != 201) {
        throw new SigstoreException("Rekor " + rekor + " did not log the entry: HTTP " + response.code() + " " + FulcioClient.snippet(text));
      }
      return parse(rekor, JSON.readTree(text));
    } catch (IOException e) {
      throw new SigstoreException("could not reach Rekor " + rekor + ": " + e.getMessage(), e);
    }
  }

  static LoggedEntry parse(URI rekor, JsonNode json) throws SigstoreException {
    Iterator<Map.Entry<String, JsonNode>> fields = json.fields();
    if (!fields.hasNext()) {
      throw new SigstoreException("Rekor " + rekor + " returned no entry");
    }
    var e = fields.next();
    JsonNode v = e.getValue();
    JsonNode proof = v.path("verification").path("inclusionProof");
    if (proof.isMissingNode() || !proof.hasNonNull("checkpoint")) {
      throw new SigstoreException("Rekor " + rekor + " returned no inclusion proof with checkpoint");
    }
    List<String> hashes = new ArrayList<>();
    proof.path("hashes").forEach(h -> hashes.add(h.asText()));
    String set = v.path("verification").path("signedEntryTimestamp").asText("");
    if (set.isEmpty()) {
      throw new SigstoreException("Rekor " + rekor + " returned no signed entry timestamp");
    }
    return new LoggedEntry(
        e.getKey(),
        v.path("body").asText(),
        v.path("integratedTime").asLong(),
        v.path("logID").asText(),
        v.path("logIndex").asLong(),
        set,
        proof.path("logIndex").asLong(),
        proof.path("rootHash").asText(),
        proof.path("treeSize").asLong(),
        hashes,
        proof.path("checkpoint").asText());
  }
}
