package dev.plumbline.policy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.plumbline.record.BuildRecord;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;

/** Writes records and (unsigned, fake-signature) bundles for tests of the file-reading commands. */
public final class TestFiles {
  static final ObjectMapper JSON = new ObjectMapper();

  private TestFiles() {}

  public static Path record(Path dir, String name, BuildRecord r) throws IOException {
    Path p = dir.resolve(name);
    JSON.writeValue(p.toFile(), r);
    return p;
  }

  /** A bundle shaped like Plumbline's: Statement v1 whose predicate is the record plus an environment section. */
  public static Path bundle(Path dir, String name, BuildRecord r, String repository) throws IOException {
    ObjectNode predicate = JSON.valueToTree(r);
    ObjectNode ci = predicate.putObject("environment").putObject("ci");
    ci.put("provider", "github-actions");
    ci.putObject("context").put("GITHUB_REPOSITORY", repository).put("GITHUB_REF", "refs/heads/main").put("RUNNER_ENVIRONMENT", "github-hosted");
    ObjectNode statement = JSON.createObjectNode();
    statement.put("_type", "https://in-toto.io/Statement/v1");
    statement.putArray("subject").addObject().put("name", "hello").putObject("digest").put("sha256", "ab".repeat(32));
    statement.put("predicateType", "https://plumbline.dev/attestation/build-environment/v1");
    statement.set("predicate", predicate);
    ObjectNode bundle = JSON.createObjectNode();
    bundle.put("mediaType", "application/vnd.dev.sigstore.bundle.v0.3+json");
    bundle.putObject("verificationMaterial").putObject("publicKey").put("hint", "test");
    ObjectNode env = bundle.putObject("dsseEnvelope");
    env.put("payload", Base64.getEncoder().encodeToString(JSON.writeValueAsBytes(statement)));
    env.put("payloadType", "application/vnd.in-toto+json");
    env.putArray("signatures").addObject().put("sig", "MEUCIQ==");
    Path p = dir.resolve(name);
    JSON.writeValue(p.toFile(), bundle);
    return p;
  }
}
