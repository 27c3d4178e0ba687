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
  /** Issue 11 item 9: these were hashed with {@code redacted: false}. */
  static final Map<String, String> LEAKED_BEFORE = Map.of(
      "MYSQL_PWD", "mysqlPw0rd", "SSHPASS", "sshPassw0rd", "DB_PASS", "dbPassw0rd",
      "SLACK_WEBHOOK_URL", "https://hooks.slack.com/services/T01/B02/abcdefSECRET",
      "SENTRY_DSN", "https://0123456789abcdef0123456789abcdef@o1.ingest.sentry.io/2",
      "MIRROR", "note: mysqlPw0rd"); // a copy of a secret in an innocent name

  @TempDir Path dir;

  @Test
  void neitherValuesNorTheirHashesAppear() throws Exception {
    assertEquals(0, Cli.run("keygen", "--prefix", dir.resolve("k").toString()).code());
    Files.writeString(dir.resolve("out.txt"), "hi\n");
    Map<String, String> env = new java.util.HashMap<>(Map.of(
        "GITHUB_TOKEN", TOKEN, "MY_PASSWORD", PASSWORD, "BUILD_NOTE", SNEAKY, "HOME", "/home/builder",
        "GITHUB_ACTIONS", "true", "GITHUB_REPOSITORY", "acme/app"));
    env.putAll(LEAKED_BEFORE);
    var result = Attestations.sign(dir, dir.resolve("k.key"), env, Records.sample(true), List.of("out.txt"));

    String bundleText = Files.readString(result.bundle());
    JsonNode bundle = CanonicalJson.mapper().readTree(bundleText);
    String statement = new String(Base64.getDecoder().decode(bundle.at("/dsseEnvelope/payload").asText()), StandardCharsets.UTF_8);

    List<String> secrets = new java.util.ArrayList<>(List.of(TOKEN, PASSWORD, SNEAKY));
    secrets.addAll(LEAKED_BEFORE.values());
    for (String secret : secrets) {
      for (String form : forms(secret)) {
        assertFalse(statement.contains(form), "statement contains a form of a secret: " + form);
        assertFalse(bundleText.contains(form), "bundle contains a form of a secret: " + form);
      }
    }
    JsonNode vars = CanonicalJson.mapper().readTree(statement).at("/predicate/environment/variables");
    for (JsonNode v : vars) {
      String name = v.get("name").asText();
      if (List.of("GITHUB_TOKEN", "MY_PASSWORD", "BUILD_NOTE").contains(name) || LEAKED_BEFORE.containsKey(name)) {
        assertTrue(v.get("redacted").asBoolean(), name);
        assertFalse(v.has("sha256"), name);
      }
    }
    assertEquals(6 + LEAKED_BEFORE.size(), vars.size(), "every name is listed");
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
