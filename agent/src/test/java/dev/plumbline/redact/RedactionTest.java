package dev.plumbline.redact;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RedactionTest {
  /**
   * One definition of each shape: a value the environment capture calls a credential is removed
   * from an argument too, and the other way round (they used to disagree on ghp_ length, sk-, PEM
   * types, PyPI and Google keys).
   */
  @Test
  void environmentAndArgvAgreeOnEveryTokenShape() {
    List<String> tokens = List.of(
        "ghp_" + "a".repeat(20), "gho_" + "b".repeat(36), "github_pat_" + "c".repeat(22), "glpat-" + "d".repeat(16),
        "xoxb-1234567890", "npm_" + "e".repeat(30), "pypi-" + "f".repeat(50), "AIza" + "g".repeat(35),
        "AKIAIOSFODNN7EXAMPLE", "sk-" + "h".repeat(20), "sk_live_" + "i".repeat(16),
        "eyJhbGciOi.eyJzdWIiOi.sig", "-----BEGIN CERTIFICATE-----\nMII\n-----END CERTIFICATE-----",
        "-----BEGIN PGP PRIVATE KEY BLOCK-----\nlQ\n-----END PGP PRIVATE KEY BLOCK-----");
    for (String t : tokens) {
      assertTrue(TokenFormats.contains(t), t);
      assertEquals(List.of("x", "***"), ArgvRedactor.redact(List.of("x", t)), t);
      assertEquals("***", Redaction.builtIn().text(t), t);
    }
    for (String url : List.of("https://u:pw@h/x", "https://0123456789abcdef0123@o1.ingest.sentry.io/1",
        "https://hooks.slack.com/services/T0/B0/secret")) {
      assertTrue(TokenFormats.contains(url), url);
      assertTrue(ArgvRedactor.redact(List.of("x", url)).get(1).contains("***"), url);
    }
    for (String plain : List.of("ghp_short", "task-abcdefghijklmnopqrstuvwxyz", "https://user@example.com/",
        "https://hooks.slack.com/", "/usr/lib/x86_64-linux-gnu/libc.so.6", "0123456789abcdef0123456789abcdef")) {
      assertFalse(TokenFormats.contains(plain), plain);
    }
  }

  @Test
  void issueElevenVariablesAreSensitiveByName() {
    SecretNames names = SecretNames.builtIn();
    for (String n : List.of("MYSQL_PWD", "SSHPASS", "DB_PASS", "SLACK_WEBHOOK_URL", "SENTRY_DSN", "DEPLOY_KEY", "BW_SESSION",
        "CI_JOB_JWT_V2", "SONAR_LOGIN")) {
      assertTrue(names.isSensitiveVariable(n), n);
    }
    for (String n : List.of("PWD", "OLDPWD", "GOPRIVATE", "XDG_SESSION_TYPE", "PATH", "GITHUB_SHA", "DESKTOP_SESSION")) {
      assertFalse(names.isSensitiveVariable(n), n);
    }
  }

  /** Whatever an argv assignment calls secret, the environment capture does too. */
  @Test
  void argumentSecretsAreAlwaysEnvironmentSecrets() {
    SecretNames names = SecretNames.builtIn();
    for (String n : List.of("DB_PASSWORD", "SECRET_KEY_BASE", "API_KEY", "sonar.login", "REDISCLI_AUTH", "DATABASE_URL",
        "signingPassword", "NPM_AUTH", "X_COOKIE", "client_secret")) {
      assertTrue(names.isSecretAssignment(n), n);
      assertTrue(names.isSensitiveVariable(n), n);
    }
  }

  @Test
  void userNamesAndGlobsAddToTheRules() {
    Redaction r = Redaction.withUserRules(List.of("ACME_CREDS", "*_PASS*", "corp?id"), List.of("acme_[a-z0-9]{12}"));
    assertTrue(r.isSensitiveVariable("ACME_CREDS", "v"));
    assertTrue(r.isSensitiveVariable("ldap_passphrase_old", "v"));
    assertTrue(r.isSensitiveVariable("CORP_ID", "v"));
    assertFalse(r.isSensitiveVariable("HOME", "/home/u"));
    assertTrue(r.isSensitiveVariable("NOTE", "see acme_0123456789ab"), "a user pattern judges values");
    assertEquals(List.of("env", "ACME_CREDS=***", "corpXid=***", "tool", "x-***-y"),
        r.argv(List.of("env", "ACME_CREDS=v", "corpXid=1", "tool", "x-acme_0123456789ab-y")));
    assertEquals(List.of("env", "ACME_CREDS=v"), Redaction.builtIn().argv(List.of("env", "ACME_CREDS=v")),
        "the built-in rules alone do not know the name");
    assertEquals("dir/***", r.text("dir/acme_0123456789ab"));
  }

  @Test
  void malformedUserRulesAreOneLineErrors() {
    IllegalArgumentException bad = assertThrows(IllegalArgumentException.class,
        () -> Redaction.withUserRules(List.of(), List.of("acme_[")));
    assertTrue(bad.getMessage().startsWith("secret pattern 'acme_[' is not a regular expression"), bad.getMessage());
    assertFalse(bad.getMessage().contains("\n"), bad.getMessage());
    assertThrows(IllegalArgumentException.class, () -> Redaction.withUserRules(List.of(), List.of("x*")));
    assertThrows(IllegalArgumentException.class, () -> Redaction.withUserRules(List.of("A B"), List.of()));
  }

  /** Every form a build may pass a sensitive value on in: raw, base64 at any alignment, URL-encoded. */
  @Test
  void sensitiveValuesAreMaskedInEveryEncoding() {
    String secret = "s3cr3t value/+=&";
    Redaction r = Redaction.builtIn().maskingValuesOf(Map.of("MY_PASSWORD", secret, "HOME", "/home/u"));
    for (String prefix : List.of("", "u", "us", "user:")) {
      for (Base64.Encoder enc : List.of(Base64.getEncoder(), Base64.getUrlEncoder())) {
        String encoded = enc.encodeToString((prefix + secret).getBytes(StandardCharsets.UTF_8));
        String masked = r.text("Basic " + encoded);
        assertTrue(masked.contains("***"), prefix + ": " + masked);
        assertTrue(masked.length() < 6 + 3 + 8, "at most a few boundary characters survive: " + masked);
      }
    }
    String echoed = Base64.getEncoder().encodeToString((secret + "\n").getBytes(StandardCharsets.UTF_8));
    assertTrue(r.text(echoed).length() <= 3 + 4, r.text(echoed));
    assertEquals("q=***", r.text("q=" + URLEncoder.encode(secret, StandardCharsets.UTF_8)));
    assertEquals("q=***", r.text("q=" + URLEncoder.encode(secret, StandardCharsets.UTF_8).replace("+", "%20")));
    assertEquals("q=***", r.text("q=s3cr3t%20value/%2B%3D%26"), "Python's quote leaves '/'");
    assertEquals("q=***", r.text("q=s3cr3t%20value/+=&"), "encodeURI leaves the reserved characters");
    assertEquals(List.of("deploy", "***"), r.argv(List.of("deploy", secret)));
    assertEquals("/home/u/x", r.text("/home/u/x"), "a plain variable is not masked");
  }

  /** A variable holding a copy of a secret would publish the secret's hash: it is sensitive too. */
  @Test
  void aCopyOfASecretIsSensitive() {
    Map<String, String> env = Map.of("GITHUB_TOKEN", "ghp_" + "z".repeat(36), "MIRROR", "x-ghp_" + "z".repeat(36),
        "DB_PASS", "hunter2qa", "CONN", "host=db password=hunter2qa", "LANG", "C.UTF-8");
    Redaction r = Redaction.builtIn().maskingValuesOf(env);
    assertTrue(r.isSensitiveVariable("MIRROR", env.get("MIRROR")));
    assertTrue(r.isSensitiveVariable("CONN", env.get("CONN")));
    assertFalse(r.isSensitiveVariable("LANG", env.get("LANG")));
  }

  @Test
  void shortValuesAndAbsolutePathsAreNotMasked() {
    Redaction r = Redaction.builtIn().maskingValuesOf(Map.of("PIN_SECRET", "1234", "SSH_AUTH_SOCK", "/tmp/agent.1"));
    assertEquals(List.of("x", "1234", "/tmp/agent.1"), r.argv(List.of("x", "1234", "/tmp/agent.1")));
  }

  @Test
  void redactingTextTwiceIsRedactingOnce() {
    Redaction r = Redaction.withUserRules(List.of(), List.of("acme_[a-z]+")).maskingValuesOf(Map.of("T_TOKEN", "abcdefgh"));
    for (String s : List.of("https://u:pw@h/abcdefgh", "acme_x ghp_" + "q".repeat(30), "YWJjZGVmZ2g=")) {
      String once = r.text(s);
      assertEquals(once, r.text(once), s);
    }
  }
}
