package dev.plumbline.verify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.plumbline.attest.Bundle;
import dev.plumbline.attest.CanonicalJson;
import dev.plumbline.attest.Dsse;
import dev.plumbline.attest.DsseEnvelope;
import dev.plumbline.attest.Subjects;
import dev.plumbline.sign.KeySigner;
import dev.plumbline.sign.Keys;
import dev.plumbline.testing.Attestations;
import dev.plumbline.testing.Cli;
import dev.plumbline.testing.Records;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every way of making a correctly signed bundle mean two things, or something other than a
 * Plumbline build attestation, is rejected (exit 1) with one line naming it. Each bundle here is
 * signed with the real key, so only strictness can reject it.
 */
class StrictPayloadTest {
  @TempDir static Path dir;
  static Path key;
  static Path pub;
  static Path artifact;
  static String statement;

  @BeforeAll
  static void signOne() throws Exception {
    assertEquals(0, Cli.run("keygen", "--prefix", dir.resolve("k").toString()).code());
    key = dir.resolve("k.key");
    pub = dir.resolve("k.pub");
    artifact = Files.writeString(dir.resolve("app.tar.gz"), "the product\n");
    Path bundle = Attestations.sign(dir, key, Map.of("PATH", "/nonexistent"), Records.sample(true), List.of("app.tar.gz")).bundle();
    statement = new String(Base64.getDecoder().decode(
        CanonicalJson.mapper().readTree(bundle.toFile()).at("/dsseEnvelope/payload").asText()), StandardCharsets.UTF_8);
    assertTrue(statement.contains("\"complete\":true"), statement.substring(0, 200));
  }

  /** The statement text, changed as given, signed with the real key into a bundle's JSON text. */
  private static String signed(String payload) throws Exception {
    byte[] bytes = payload.getBytes(StandardCharsets.UTF_8);
    KeySigner signer = KeySigner.fromFile(key, Map.of());
    var s = signer.sign(Dsse.pae(Dsse.IN_TOTO_PAYLOAD_TYPE, bytes));
    Bundle b = Bundle.of(s.material(), DsseEnvelope.of(Dsse.IN_TOTO_PAYLOAD_TYPE, bytes, s.signature(), s.keyid()));
    return new String(CanonicalJson.bytes(b), StandardCharsets.UTF_8);
  }

  private static Cli.Result verify(String name, String bundleText, String... extra) throws Exception {
    Path file = Files.writeString(dir.resolve(name + ".json"), bundleText);
    List<String> args = new java.util.ArrayList<>(List.of("verify", "--bundle", file.toString(), "--key", pub.toString()));
    args.addAll(List.of(extra));
    args.add(artifact.toString());
    return Cli.run(args.toArray(new String[0])).assertNoStackTrace();
  }

  private static void assertRejected(Cli.Result r, String fragment) {
    assertEquals(1, r.code(), r.err());
    List<String> rejected = r.err().lines().filter(l -> l.startsWith("REJECTED: ")).toList();
    assertEquals(1, rejected.size(), r.err());
    assertTrue(rejected.get(0).contains(fragment), "expected '" + fragment + "' in: " + rejected.get(0));
  }

  @Test
  void theUnchangedStatementVerifies() throws Exception {
    Cli.Result r = verify("plain", signed(statement));
    assertEquals(0, r.code(), r.err());
    assertTrue(r.err().contains("Trust: "), r.err());
  }

  @Test
  void completeAsAStringIsRejected() throws Exception {
    assertRejected(verify("string", signed(statement.replace("\"complete\":true", "\"complete\":\"true\""))), "predicateType");
  }

  @Test
  void completeAsANumberIsRejected() throws Exception {
    assertRejected(verify("number", signed(statement.replace("\"complete\":true", "\"complete\":1"))), "predicateType");
  }

  @Test
  void aDuplicateKeyInThePayloadIsRejected() throws Exception {
    // the first "complete" says false, the last (Jackson's default pick) true
    String twice = statement.replace("\"complete\":true", "\"complete\":false,\"complete\":true");
    assertRejected(verify("dup-payload", signed(twice)), "duplicate key");
    String topLevel = statement.replaceFirst("^\\{", "{\"predicateType\":\"https://example.com/other\",");
    assertRejected(verify("dup-payload-top", signed(topLevel)), "duplicate key");
  }

  @Test
  void aDuplicateKeyInTheEnvelopeIsRejected() throws Exception {
    String bundle = signed(statement);
    String twice = bundle.replace("\"payloadType\":", "\"payloadType\":\"application/json\",\"payloadType\":");
    assertRejected(verify("dup-envelope", twice), "duplicate key");
  }

  @Test
  void aDuplicateKeyInTheBundleIsRejected() throws Exception {
    String bundle = signed(statement);
    String twice = bundle.replaceFirst("^\\{", "{\"mediaType\":\"application/vnd.dev.sigstore.bundle+json;version=0.1\",");
    assertRejected(verify("dup-bundle", twice), "duplicate key");
  }

  @Test
  void anotherPredicateTypeIsRejectedUnlessAskedFor() throws Exception {
    String other = signed(statement.replace("https://plumbline.dev/attestation/build-environment/v1", "https://slsa.dev/provenance/v1"));
    assertRejected(verify("other-type", other), "predicateType");
    assertEquals(0, verify("other-type-allowed", other, "--allow-non-attestation").code());
  }

  @Test
  void aPlainMessageSignatureIsRejectedUnlessAskedFor() throws Exception {
    byte[] content = Files.readAllBytes(artifact);
    var s = KeySigner.fromFile(key, Map.of()).sign(content);
    ObjectNode b = CanonicalJson.mapper().createObjectNode();
    b.put("mediaType", "application/vnd.dev.sigstore.bundle.v0.3+json");
    b.putObject("verificationMaterial").putObject("publicKey").put("hint", Keys.hint(Keys.readPublicKey(pub)));
    ObjectNode ms = b.putObject("messageSignature");
    ms.putObject("messageDigest").put("algorithm", "SHA2_256")
        .put("digest", Base64.getEncoder().encodeToString(java.util.HexFormat.of().parseHex(Subjects.sha256Hex(artifact))));
    ms.put("signature", Base64.getEncoder().encodeToString(s.signature()));
    String text = CanonicalJson.mapper().writeValueAsString(b);
    assertRejected(verify("message", text), "not a Plumbline build attestation");
    Cli.Result allowed = verify("message-allowed", text, "--allow-non-attestation");
    assertEquals(0, allowed.code(), allowed.err());
  }
}
