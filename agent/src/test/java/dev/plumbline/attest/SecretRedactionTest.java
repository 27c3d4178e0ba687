package dev.plumbline.attest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.plumbline.testing.Attestations;
import dev.plumbline.testing.Cli;
import dev.plumbline.testing.Records;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Secrets in the environment leave no trace in the attestation: not the value, not its hash in any encoding. */
class SecretRedactionTest {
  static final String TOKEN = "ghp_R3allyS3cretT0kenValue0123456789abcd";
  static final String PASSWORD = "hunter2";
  static final String SNEAKY = "AKIAIOSFODNN7EXAMPL3"; // looks like an AWS key id, in an innocent name

  @TempDir Path dir;

  @Test
  void neitherValuesNorTheirHashesAppear() throws Exception {
    assertEquals(0, Cli.run("keygen", "--prefix", dir.resolve("k").toString()).code());
    Files.writeString(dir.resolve("out.txt"), "hi\n");
    Map<String, String> env = Map.of(
        "GITHUB_TOKEN", TOKEN, "MY_PASSWORD", PASSWORD, "BUILD_NOTE", SNEAKY, "HOME", "/home/builder",
        "GITHUB_ACTIONS", "true", "GITHUB_REPOSITORY", "acme/app");
    var result = Attestations.sign(dir, dir.resolve("k.key"), env, Records.sample(true), List.of("out.txt"));

    String bundleText = Files.readString(result.bundle());
    JsonNode bundle = CanonicalJson.mapper().readTree(bundleText);
    String statement = new String(Base64.getDecoder().decode(bundle.at("/dsseEnvelope/payload").asText()), StandardCharsets.UTF_8);

    for (String secret : List.of(TOKEN, PASSWORD, SNEAKY)) {
      for (String form : forms(secret)) {
        assertFalse(statement.contains(form), "statement contains a form of a secret: " + form);
        assertFalse(bundleText.contains(form), "bundle contains a form of a secret: " + form);
      }
    }
    JsonNode vars = CanonicalJson.mapper().readTree(statement).at("/predicate/environment/variables");
    for (JsonNode v : vars) {
      String name = v.get("name").asText();
      if (List.of("GITHUB_TOKEN", "MY_PASSWORD", "BUILD_NOTE").contains(name)) {
        assertTrue(v.get("redacted").asBoolean(), name);
        assertFalse(v.has("sha256"), name);
      }
    }
    assertEquals(6, vars.size(), "every name is listed");
    // the plain variable is present by hash: the check above is not vacuous
    assertTrue(statement.contains(hex(sha256("/home/builder"))));
    assertTrue(statement.contains("acme/app"));
  }

  private static List<String> forms(String secret) throws Exception {
    byte[] h = sha256(secret);
    return List.of(secret, hex(h), hex(h).toUpperCase(), Base64.getEncoder().encodeToString(h),
        Base64.getUrlEncoder().withoutPadding().encodeToString(h), Base64.getEncoder().encodeToString(secret.getBytes(StandardCharsets.UTF_8)));
  }

  private static byte[] sha256(String s) throws Exception {
    return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
  }

  private static String hex(byte[] b) {
    return HexFormat.of().formatHex(b);
  }
}
