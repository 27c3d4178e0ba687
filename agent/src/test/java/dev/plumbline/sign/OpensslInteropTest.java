package dev.plumbline.sign;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.plumbline.attest.CanonicalJson;
import dev.plumbline.attest.Statement;
import dev.plumbline.testing.Attestations;
import dev.plumbline.testing.Cli;
import dev.plumbline.testing.Records;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Our signatures and keys checked by an independent implementation (openssl), and openssl's checked by ours. */
class OpensslInteropTest {
  @TempDir Path dir;

  record Proc(int code, String out) {}

  static Proc openssl(Path cwd, String... args) throws IOException, InterruptedException {
    List<String> argv = new ArrayList<>();
    argv.add("openssl");
    argv.addAll(List.of(args));
    Process p = new ProcessBuilder(argv).directory(cwd.toFile()).redirectErrorStream(true).start();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    p.getInputStream().transferTo(out);
    return new Proc(p.waitFor(), out.toString(StandardCharsets.UTF_8));
  }

  /** PAE written out by hand here, not with Dsse.pae, so the test does not check the code with itself. */
  static byte[] paeByHand(String type, byte[] body) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(String.format("DSSEv1 %d %s %d ", type.getBytes(StandardCharsets.UTF_8).length, type, body.length).getBytes(StandardCharsets.UTF_8));
    out.writeBytes(body);
    return out.toByteArray();
  }

  @Test
  void opensslVerifiesTheBundleWeSign() throws Exception {
    assertEquals(0, Cli.run("keygen", "--prefix", dir.resolve("k").toString()).code());
    Files.writeString(dir.resolve("out.txt"), "hi\n");
    var result = Attestations.sign(dir, dir.resolve("k.key"), Map.of(), Records.sample(true), List.of("out.txt"));
    JsonNode env = CanonicalJson.mapper().readTree(result.bundle().toFile()).get("dsseEnvelope");
    byte[] payload = Base64.getDecoder().decode(env.get("payload").asText());
    Files.write(dir.resolve("pae.bin"), paeByHand(env.get("payloadType").asText(), payload));
    Files.write(dir.resolve("sig.der"), Base64.getDecoder().decode(env.get("signatures").get(0).get("sig").asText()));

    Proc ok = openssl(dir, "dgst", "-sha256", "-verify", "k.pub", "-signature", "sig.der", "pae.bin");
    assertEquals(0, ok.code(), ok.out());
    assertTrue(ok.out().contains("Verified OK"), ok.out());

    // the signature is over the PAE, not the bare payload
    Files.write(dir.resolve("payload.bin"), payload);
    Proc bare = openssl(dir, "dgst", "-sha256", "-verify", "k.pub", "-signature", "sig.der", "payload.bin");
    assertNotEquals(0, bare.code(), bare.out());
  }

  @Test
  void weVerifyABundleSignedByOpenssl() throws Exception {
    assertEquals(0, openssl(dir, "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", "o.key").code());
    assertEquals(0, openssl(dir, "pkey", "-in", "o.key", "-pubout", "-out", "o.pub").code());
    Path artifact = Files.writeString(dir.resolve("app.bin"), "artifact bytes");
    String hex = dev.plumbline.attest.Subjects.sha256Hex(artifact);
    var predicate = dev.plumbline.attest.Predicate.of(Records.sample(true), null);
    byte[] statement = CanonicalJson.bytes(Statement.of(List.of(Statement.Subject.sha256("app.bin", hex)),
        dev.plumbline.attest.Predicate.TYPE, predicate));
    String type = "application/vnd.in-toto+json";
    Files.write(dir.resolve("pae.bin"), paeByHand(type, statement));
    assertEquals(0, openssl(dir, "dgst", "-sha256", "-sign", "o.key", "-out", "sig.der", "pae.bin").code());
    String bundle = "{\"mediaType\":\"application/vnd.dev.sigstore.bundle.v0.3+json\","
        + "\"verificationMaterial\":{\"publicKey\":{\"hint\":\"openssl\"}},"
        + "\"dsseEnvelope\":{\"payloadType\":\"" + type + "\",\"payload\":\"" + Base64.getEncoder().encodeToString(statement)
        + "\",\"signatures\":[{\"sig\":\"" + Base64.getEncoder().encodeToString(Files.readAllBytes(dir.resolve("sig.der"))) + "\"}]}}";
    Path bundleFile = Files.writeString(dir.resolve("b.json"), bundle);
    Cli.Result r = Cli.run("verify", "--bundle", bundleFile.toString(), "--key", dir.resolve("o.pub").toString(), artifact.toString());
    assertEquals(0, r.code(), r.err());
  }

  @Test
  void opensslReadsOurEncryptedKeyAndWeReadOpenssls() throws Exception {
    Cli.Result gen = Cli.run("keygen", "--prefix", dir.resolve("enc").toString());
    assertEquals(0, gen.code());
    // keygen read the password from the process environment; write one with the API to control it
    var pair = Keys.generateP256();
    Files.writeString(dir.resolve("enc2.key"), Keys.privateKeyPem(pair.getPrivate(), "s3cret".toCharArray()));
    assertTrue(Files.readString(dir.resolve("enc2.key")).startsWith("-----BEGIN ENCRYPTED PRIVATE KEY-----"));
    Proc read = openssl(dir, "pkey", "-in", "enc2.key", "-passin", "pass:s3cret", "-pubout");
    assertEquals(0, read.code(), read.out());
    assertEquals(Keys.publicKeyPem(pair.getPublic()).strip(), read.out().strip());
    Proc wrong = openssl(dir, "pkey", "-in", "enc2.key", "-passin", "pass:nope", "-noout");
    assertNotEquals(0, wrong.code());

    assertEquals(0, openssl(dir, "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", "o.key").code());
    assertEquals(0, openssl(dir, "pkcs8", "-topk8", "-v2", "aes-256-cbc", "-in", "o.key", "-passout", "pass:pw", "-out", "o-enc.key").code());
    assertEquals(0, openssl(dir, "pkey", "-in", "o.key", "-pubout", "-out", "o.pub").code());
    var fromOpenssl = Keys.readPrivateKey(dir.resolve("o-enc.key"), "pw".toCharArray());
    assertTrue(Keys.samePoint(Keys.publicKeyOf(fromOpenssl), Keys.readPublicKey(dir.resolve("o.pub"))));
    // the SEC1 form openssl ecparam writes
    assertEquals(0, openssl(dir, "ec", "-in", "o.key", "-out", "o-sec1.key").code());
    assertTrue(Files.readString(dir.resolve("o-sec1.key")).contains("BEGIN EC PRIVATE KEY"));
    assertTrue(Keys.samePoint(Keys.publicKeyOf(Keys.readPrivateKey(dir.resolve("o-sec1.key"), null)), Keys.readPublicKey(dir.resolve("o.pub"))));
  }
}
