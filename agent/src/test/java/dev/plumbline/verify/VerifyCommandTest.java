package dev.plumbline.verify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.plumbline.attest.CanonicalJson;
import dev.plumbline.attest.Dsse;
import dev.plumbline.attest.DsseEnvelope;
import dev.plumbline.attest.Bundle;
import dev.plumbline.attest.Subjects;
import dev.plumbline.cli.ExitCodes;
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
import java.util.function.Consumer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** End to end through Main.run: a signed bundle verifies, and every kind of tampering is rejected in one line. */
class VerifyCommandTest {
  @TempDir static Path dir;
  static Path key;
  static Path pub;
  static Path artifact;
  static Path bundle;

  @BeforeAll
  static void signOne() throws Exception {
    assertEquals(0, Cli.run("keygen", "--prefix", dir.resolve("k").toString()).code());
    key = dir.resolve("k.key");
    pub = dir.resolve("k.pub");
    Files.createDirectories(dir.resolve("dist"));
    artifact = Files.writeString(dir.resolve("dist/app.tar.gz"), "the product\n");
    Files.writeString(dir.resolve("dist/notes.txt"), "not a subject\n");
    var result = Attestations.sign(dir, key, Map.of("PATH", "/nonexistent"), Records.sample(true), List.of("dist/*.tar.gz"));
    bundle = result.bundle();
    assertEquals(dir.resolve("plumbline.sigstore.json"), bundle);
  }

  private static String hint() {
    try {
      return Keys.fingerprint(Keys.readPublicKey(pub));
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  private static Cli.Result verify(Path bundleFile, String... extra) {
    String[] args = new String[5 + extra.length];
    args[0] = "verify";
    args[1] = "--bundle";
    args[2] = bundleFile.toString();
    args[3] = "--key";
    args[4] = pub.toString();
    System.arraycopy(extra, 0, args, 5, extra.length);
    return Cli.run(args).assertNoStackTrace();
  }

  private static Path tampered(String name, Consumer<ObjectNode> change) throws Exception {
    ObjectNode b = (ObjectNode) CanonicalJson.mapper().readTree(bundle.toFile());
    change.accept(b);
    return Files.write(dir.resolve(name + ".json"), CanonicalJson.mapper().writeValueAsBytes(b));
  }

  private static ObjectNode env(ObjectNode b) {
    return (ObjectNode) b.get("dsseEnvelope");
  }

  private static void assertRejected(Cli.Result r, int code, String reasonFragment) {
    assertEquals(code, r.code(), r.err());
    assertTrue(r.err().contains(reasonFragment), "expected '" + reasonFragment + "' in:\n" + r.err());
    if (code == ExitCodes.USAGE) {
      assertEquals(1, r.err().lines().count(), "one line: " + r.err());
    } else {
      assertEquals(1, r.err().lines().filter(l -> l.startsWith("REJECTED: ")).count(), r.err());
    }
  }

  @Test
  void signedBundleVerifiesAndShowsWhatTheBuildDid() {
    Cli.Result r = verify(bundle, artifact.toString());
    assertEquals(0, r.code(), r.err());
    assertTrue(r.err().contains("VERIFIED: signed by key " + hint()), r.err());
    assertTrue(r.err().contains("/usr/bin/cc"), r.err());
    assertTrue(r.err().contains("deb.debian.org (198.51.100.7:443) tcp  audited"), r.err());
    assertTrue(r.err().contains("Completeness: complete"), r.err());
    assertTrue(r.err().contains("dist/app.tar.gz"), r.err());
  }

  @Test
  void digestFormOfTheArtifactVerifies() throws Exception {
    assertEquals(0, verify(bundle, "sha256:" + Subjects.sha256Hex(artifact)).code());
  }

  @Test
  void jsonFormatGoesToStdout() throws Exception {
    Cli.Result r = verify(bundle, "--format", "json", artifact.toString());
    assertEquals(0, r.code());
    JsonNode j = CanonicalJson.mapper().readTree(r.out());
    assertTrue(j.get("verified").asBoolean());
    assertEquals("https://plumbline.dev/attestation/build-environment/v1", j.get("predicateType").asText());
    assertEquals("make", j.at("/predicate/invocation/argv/0").asText());
  }

  @Test
  void changedPayloadIsRejected() throws Exception {
    Path p = tampered("payload", b -> {
      String stmt = new String(Base64.getDecoder().decode(env(b).get("payload").asText()), StandardCharsets.UTF_8);
      String evil = stmt.replace("/usr/bin/cc", "/usr/bin/xx");
      assertFalse(evil.equals(stmt));
      env(b).put("payload", Base64.getEncoder().encodeToString(evil.getBytes(StandardCharsets.UTF_8)));
    });
    assertRejected(verify(p, artifact.toString()), ExitCodes.REJECTED, "does not verify");
  }

  @Test
  void changedSignatureIsRejected() throws Exception {
    Path p = tampered("sig", b -> {
      ObjectNode sig = (ObjectNode) env(b).get("signatures").get(0);
      byte[] der = Base64.getDecoder().decode(sig.get("sig").asText());
      der[der.length - 1] ^= 1;
      sig.put("sig", Base64.getEncoder().encodeToString(der));
    });
    assertRejected(verify(p, artifact.toString()), ExitCodes.REJECTED, "does not verify");
  }

  @Test
  void garbageSignatureBytesAreRejected() throws Exception {
    Path p = tampered("garbage-sig", b -> ((ObjectNode) env(b).get("signatures").get(0)).put("sig", "AAAA"));
    assertRejected(verify(p, artifact.toString()), ExitCodes.REJECTED, "does not verify");
  }

  @Test
  void wrongKeyIsRejected() throws Exception {
    Path other = dir.resolve("other");
    assertEquals(0, Cli.run("keygen", "--prefix", other.toString()).code());
    Cli.Result r = Cli.run("verify", "--bundle", bundle.toString(), "--key", other + ".pub", artifact.toString()).assertNoStackTrace();
    assertRejected(r, ExitCodes.REJECTED, "does not verify with key");
  }

  @Test
  void wrongArtifactIsRejected() {
    assertRejected(verify(bundle, dir.resolve("dist/notes.txt").toString()), ExitCodes.REJECTED, "is not a subject");
  }

  @Test
  void changedPayloadTypeBreaksTheSignature() throws Exception {
    Path p = tampered("ptype", b -> env(b).put("payloadType", "application/json"));
    assertRejected(verify(p, artifact.toString()), ExitCodes.REJECTED, "does not verify");
  }

  @Test
  void correctlySignedOtherPayloadTypeIsRejected() throws Exception {
    byte[] statement = Base64.getDecoder().decode(
        CanonicalJson.mapper().readTree(bundle.toFile()).at("/dsseEnvelope/payload").asText());
    KeySigner signer = KeySigner.fromFile(key, Map.of());
    var signed = signer.sign(Dsse.pae("application/json", statement));
    Bundle b = Bundle.of(signed.material(), DsseEnvelope.of("application/json", statement, signed.signature(), signed.keyid()));
    Path p = Files.write(dir.resolve("other-type.json"), CanonicalJson.bytes(b));
    assertRejected(verify(p, artifact.toString()), ExitCodes.REJECTED, "payloadType: 'application/json' is not application/vnd.in-toto+json");
  }

  @Test
  void duplicateSignaturesAreRejected() throws Exception {
    Path p = tampered("dup", b -> {
      ArrayNode sigs = (ArrayNode) env(b).get("signatures");
      sigs.add(sigs.get(0).deepCopy());
    });
    assertRejected(verify(p, artifact.toString()), ExitCodes.REJECTED, "2 signatures");
  }

  @Test
  void missingSignaturesAreRejected() throws Exception {
    Path empty = tampered("nosig", b -> env(b).putArray("signatures"));
    assertRejected(verify(empty, artifact.toString()), ExitCodes.REJECTED, "no signature");
    Path absent = tampered("nosigfield", b -> env(b).remove("signatures"));
    assertRejected(verify(absent, artifact.toString()), ExitCodes.REJECTED, "no signatures list");
  }

  @Test
  void badBase64IsRejected() throws Exception {
    Path sig = tampered("b64sig", b -> ((ObjectNode) env(b).get("signatures").get(0)).put("sig", "!!not base64!!"));
    assertRejected(verify(sig, artifact.toString()), ExitCodes.REJECTED, "signature is not valid base64");
    Path payload = tampered("b64payload", b -> env(b).put("payload", "%%%"));
    assertRejected(verify(payload, artifact.toString()), ExitCodes.REJECTED, "payload is not valid base64");
  }

  @Test
  void truncatedAndMalformedJsonAreUnreadableInput() throws Exception {
    byte[] all = Files.readAllBytes(bundle);
    Path truncated = Files.write(dir.resolve("truncated.json"), java.util.Arrays.copyOf(all, all.length / 2));
    assertRejected(verify(truncated, artifact.toString()), ExitCodes.USAGE, "is not valid JSON");
    Path malformed = Files.writeString(dir.resolve("malformed.json"), "{\"mediaType\": }");
    assertRejected(verify(malformed, artifact.toString()), ExitCodes.USAGE, "is not valid JSON");
    Path empty = Files.writeString(dir.resolve("empty.json"), "");
    assertRejected(verify(empty, artifact.toString()), ExitCodes.USAGE, "is empty");
    Path array = Files.writeString(dir.resolve("array.json"), "[]");
    assertRejected(verify(array, artifact.toString()), ExitCodes.USAGE, "not a JSON object");
  }

  @Test
  void notABundleIsRejected() throws Exception {
    Path p = tampered("mediatype", b -> b.put("mediaType", "application/vnd.dev.sigstore.bundle.v9+json"));
    assertRejected(verify(p, artifact.toString()), ExitCodes.REJECTED, "unsupported bundle mediaType");
  }

  @Test
  void incompleteTraceIsRejectedUnlessAllowed() throws Exception {
    Path sub = Files.createDirectories(dir.resolve("incomplete"));
    Path prod = Files.writeString(sub.resolve("out.bin"), "x");
    var result = Attestations.sign(sub, key, Map.of(), Records.sample(false), List.of("out.bin"));
    assertRejected(verify(result.bundle(), prod.toString()), ExitCodes.REJECTED, "the trace is incomplete: io_uring used by pid 42");
    Cli.Result allowed = verify(result.bundle(), "--allow-incomplete", prod.toString());
    assertEquals(0, allowed.code(), allowed.err());
    assertTrue(allowed.err().contains("INCOMPLETE"), allowed.err());
  }

  @Test
  void usageProblemsExitTwoInOneLine() throws Exception {
    assertRejected(verify(dir.resolve("nope.json"), artifact.toString()), ExitCodes.USAGE, "does not exist");
    assertRejected(verify(bundle, dir.resolve("missing.bin").toString()), ExitCodes.USAGE, "artifact");
    assertRejected(verify(bundle, "sha256:abc"), ExitCodes.USAGE, "not a sha256 digest");
    Path notKey = Files.writeString(dir.resolve("not.pub"), "hello");
    Cli.Result r = Cli.run("verify", "--bundle", bundle.toString(), "--key", notKey.toString(), artifact.toString()).assertNoStackTrace();
    assertRejected(r, ExitCodes.USAGE, "not a PEM file");
    Cli.Result privateAsPublic = Cli.run("verify", "--bundle", bundle.toString(), "--key", key.toString(), artifact.toString()).assertNoStackTrace();
    assertRejected(privateAsPublic, ExitCodes.USAGE, "holds no public key");
    Cli.Result noKey = Cli.run("verify", "--bundle", bundle.toString(), artifact.toString()).assertNoStackTrace();
    assertRejected(noKey, ExitCodes.USAGE, "--key");
    assertRejected(verify(bundle, "--format", "xml", artifact.toString()), ExitCodes.USAGE, "--format");
    assertRejected(Cli.run("verify", "--key", pub.toString(), artifact.toString()).assertNoStackTrace(), ExitCodes.USAGE, "--bundle FILE");
    assertRejected(verify(bundle), ExitCodes.USAGE, "needs the ARTIFACT");
  }

  @Test
  void publicKeyHintIsTheSpkiDigest() throws Exception {
    JsonNode b = CanonicalJson.mapper().readTree(bundle.toFile());
    assertEquals(Bundle.MEDIA_TYPE, b.get("mediaType").asText());
    assertEquals(Keys.hint(Keys.readPublicKey(pub)), b.at("/verificationMaterial/publicKey/hint").asText());
    assertTrue(b.at("/verificationMaterial/tlogEntries").isArray());
    assertEquals(Dsse.IN_TOTO_PAYLOAD_TYPE, b.at("/dsseEnvelope/payloadType").asText());
  }
}
