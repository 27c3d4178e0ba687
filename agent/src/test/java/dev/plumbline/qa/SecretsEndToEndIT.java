package dev.plumbline.qa;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A user's build with secrets in its environment and on its command lines, run through
 * scripts/plumbline (the shaded jar) with signing, then reported: no secret value, nor its sha256
 * in hex or base64, may appear in the record, the bundle, its decoded DSSE payload, the end-of-run
 * summary (text and JSON) or the reports. QA found {@code sh -c 'curl -u user:pw …'} and
 * {@code /bin/echo "$MY_PASSWORD"} leaking; issue 11 item 9 the shapes marked below. Forms checked:
 * the value, its sha256 (hex, base64, base64url; also of value + newline), its base64 and its
 * URL encoding.
 */
@Tag("needs-ptrace")
class SecretsEndToEndIT {
  private static final Path ROOT = Path.of(System.getProperty("plumbline.root", "..")).toAbsolutePath().normalize();
  private static final Path PLUMBLINE = ROOT.resolve("scripts/plumbline");

  private static final Map<String, String> ENV_SECRETS = Map.ofEntries(
      Map.entry("GITHUB_TOKEN", "ghp_QaR3allySecretTokenValue0123456789ab"),
      Map.entry("MY_PASSWORD", "hunter2qa"),
      Map.entry("AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYQASECRETKEY"),
      // issue 11 item 9: hashed with redacted: false before
      Map.entry("MYSQL_PWD", "mysqlPwQa42"),
      Map.entry("SSHPASS", "sshPassQa42"),
      Map.entry("DB_PASS", "db p@ss/Qa42"), // URL-encoding and base64 differ from the value
      Map.entry("SLACK_WEBHOOK_URL", "https://hooks.slack.com/services/T0QA/B0QA/slackEnvSecretQa"),
      Map.entry("SENTRY_DSN", "https://0123456789abcdef0123456789abcdef@o1.ingest.sentry.io/42"),
      // sensitive only because the user says so (--secret-env 'ACME_*')
      Map.entry("ACME_CREDS", "acmeCr3dsQa42"));
  private static final List<String> ARGV_SECRETS = List.of("s3cr3tT0kQa", "pa55w0rdQa", "abc123qa", "adm1nPwQa",
      // issue 11 item 9: argv shapes that leaked
      "privKeyQa123", "signKeyQa456", "clientKeyQa789", "authQa1011", "deployKeyQa1213", "sonarQa1415",
      "accessKeyQa1617", "argvSlackQa1819", "apiKeyQa2021", "0123456789abcdef0123456789abcdef",
      // a --secret-pattern match
      "acme_tok_0123456789");

  @TempDir Path dir;

  record Result(int exit, String out, String err) {}

  private Result plumbline(Map<String, String> env, String... args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>();
    command.add(PLUMBLINE.toString());
    command.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(command).directory(dir.toFile());
    pb.environment().putAll(env);
    pb.redirectOutput(dir.resolve(".out").toFile()).redirectError(dir.resolve(".err").toFile());
    Process p = pb.start();
    if (!p.waitFor(3, TimeUnit.MINUTES)) {
      p.destroyForcibly();
      throw new AssertionError(command + " did not finish");
    }
    return new Result(p.exitValue(), Files.readString(dir.resolve(".out")), Files.readString(dir.resolve(".err")));
  }

  @Test
  void noSecretOrItsHashLeavesTheBuild() throws Exception {
    ConcurrentLinkedQueue<String> requests = new ConcurrentLinkedQueue<>();
    try (ServerSocket server = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"))) {
      Thread listener = new Thread(() -> serve(server, requests), "loopback-http");
      listener.setDaemon(true);
      listener.start();
      int port = server.getLocalPort();

      assertEquals(0, plumbline(Map.of(), "keygen").exit());
      String script = "curl -s -H 'Authorization: Bearer " + ARGV_SECRETS.get(0) + "' "
          + "'http://user:" + ARGV_SECRETS.get(1) + "@127.0.0.1:" + port + "/?token=" + ARGV_SECRETS.get(2) + "' >/dev/null; "
          + "curl -s -u admin:" + ARGV_SECRETS.get(3) + " http://127.0.0.1:" + port + "/ >/dev/null; "
          // sensitive variables passed on as plain arguments: no rule can recognise them, masking must
          + "/bin/echo \"$MY_PASSWORD\" \"$AWS_SECRET_ACCESS_KEY\" >/dev/null; "
          // issue 11 item 9
          + "/bin/echo --private-key privKeyQa123 --signing-key signKeyQa456 --client-key=clientKeyQa789 --auth=authQa1011 >/dev/null; "
          + "env DEPLOY_KEY=deployKeyQa1213 /bin/true; /bin/echo -Dsonar.login=sonarQa1415 >/dev/null; "
          + "curl -s -H 'apikey: apiKeyQa2021' 'http://127.0.0.1:" + port + "/?access_key=accessKeyQa1617' >/dev/null; "
          + "/bin/echo https://hooks.slack.com/services/T1/B1/argvSlackQa1819 \"$SLACK_WEBHOOK_URL\" \"$SENTRY_DSN\" >/dev/null; "
          + "/bin/echo \"$(printf %s \"$DB_PASS\" | base64)\" \"$(printf 'u:%s' \"$MYSQL_PWD\" | base64)\" >/dev/null; "
          + "/bin/echo \"https://h/?q=$(python3 -c 'import os,urllib.parse;print(urllib.parse.quote(os.environ[\"DB_PASS\"]))')\" >/dev/null; "
          + "/bin/echo \"$SSHPASS\" \"$ACME_CREDS\" note-acme_tok_0123456789 >/dev/null; "
          + "nslookup_like=\"$MYSQL_PWD.exfil.invalid\"; /bin/echo \"$nslookup_like\" >/dev/null; true";
      String[] rules = {"--secret-env", "ACME_*", "--secret-pattern", "acme_tok_[0-9]+"};
      Result run = plumbline(ENV_SECRETS, concat(new String[] {"run", "--key", "plumbline.key", "--record", "build.json"}, rules,
          new String[] {"--", "sh", "-c", script}));
      assertEquals(0, run.exit(), run.err());
      Result json = plumbline(ENV_SECRETS, concat(new String[] {"run", "--json"}, rules, new String[] {"--", "sh", "-c", script}));
      assertEquals(0, json.exit(), json.err());
      assertEquals(0, plumbline(Map.of(), "report", "--record", "build.json", "--markdown", "r.md", "--html", "r.html").exit());
      Result fromBundle = plumbline(Map.of(), "report", "--bundle", "plumbline.sigstore.json");
      assertEquals(0, fromBundle.exit(), fromBundle.err());

      // the build really sent its secrets: the checks below are not vacuous
      String seen = String.join("\n", requests);
      assertTrue(seen.contains("Bearer " + ARGV_SECRETS.get(0)), seen);
      assertTrue(seen.contains("token=" + ARGV_SECRETS.get(2)), seen);
      assertTrue(seen.contains("apikey: apiKeyQa2021"), seen);

      Map<String, String> outputs = new LinkedHashMap<>();
      outputs.put("record", Files.readString(dir.resolve("build.json")));
      String bundle = Files.readString(dir.resolve("plumbline.sigstore.json"));
      outputs.put("bundle", bundle);
      JsonNode envelope = new ObjectMapper().readTree(bundle).at("/dsseEnvelope/payload");
      String payload = new String(Base64.getDecoder().decode(envelope.asText()), StandardCharsets.UTF_8);
      outputs.put("payload", payload);
      outputs.put("summary (text)", run.err());
      outputs.put("summary (json)", json.out() + json.err());
      outputs.put("report.md", Files.readString(dir.resolve("r.md")));
      outputs.put("report.html", Files.readString(dir.resolve("r.html")));
      outputs.put("report of the bundle", fromBundle.out());

      List<String> secrets = new ArrayList<>(ENV_SECRETS.values());
      secrets.addAll(ARGV_SECRETS);
      for (Map.Entry<String, String> o : outputs.entrySet()) {
        for (String secret : secrets) {
          for (String form : forms(secret)) {
            assertFalse(o.getValue().contains(form), o.getKey() + " contains " + form + " (a form of " + secret + ")");
          }
        }
      }
      // what was redacted is still there in shape, and the variables by name
      assertTrue(payload.contains("Authorization: Bearer ***"), payload);
      assertTrue(payload.contains("curl -s -u admin:*** http"), payload);
      assertTrue(payload.contains("\"GITHUB_TOKEN\""), "the variable's name is listed");
      JsonNode vars = new ObjectMapper().readTree(payload).at("/predicate/environment/variables");
      for (JsonNode v : vars) {
        if (ENV_SECRETS.containsKey(v.path("name").asText())) {
          assertTrue(v.path("redacted").asBoolean(), v.toString());
          assertFalse(v.has("sha256"), v.toString());
        }
      }
      assertTrue(payload.contains("--private-key\", \"***\"") || payload.contains("--private-key *** "), payload);
      assertTrue(payload.contains("hooks.slack.com/services/***"), payload);
      assertTrue(payload.contains("\"/bin/echo\", \"***\", \"***\"") || payload.contains("[\"/bin/echo\",\"***\",\"***\"]"),
          "the echo's arguments are masked: " + payload);
    }
  }

  private static void serve(ServerSocket server, ConcurrentLinkedQueue<String> requests) {
    while (!server.isClosed()) {
      try (Socket s = server.accept()) {
        InputStream in = s.getInputStream();
        StringBuilder head = new StringBuilder();
        int b;
        while ((b = in.read()) >= 0) {
          head.append((char) b);
          if (head.length() >= 4 && head.substring(head.length() - 4).equals("\r\n\r\n")) {
            break;
          }
        }
        requests.add(head.toString());
        OutputStream out = s.getOutputStream();
        out.write("HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok".getBytes(StandardCharsets.US_ASCII));
        out.flush();
      } catch (IOException e) {
        return;
      }
    }
  }

  private static List<String> forms(String secret) throws Exception {
    List<String> forms = new ArrayList<>();
    forms.add(secret);
    for (String s : List.of(secret, secret + "\n")) {
      byte[] h = MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
      forms.add(HexFormat.of().formatHex(h));
      forms.add(Base64.getEncoder().encodeToString(h));
      forms.add(Base64.getUrlEncoder().withoutPadding().encodeToString(h));
    }
    forms.add(Base64.getEncoder().withoutPadding().encodeToString(secret.getBytes(StandardCharsets.UTF_8)));
    forms.add(java.net.URLEncoder.encode(secret, StandardCharsets.UTF_8));
    forms.add(java.net.URLEncoder.encode(secret, StandardCharsets.UTF_8).replace("+", "%20"));
    forms.add(java.net.URLEncoder.encode(secret, StandardCharsets.UTF_8).replace("+", "%20").replace("%2F", "/")); // Python's quote
    return forms;
  }

  private static String[] concat(String[]... parts) {
    List<String> all = new ArrayList<>();
    for (String[] p : parts) {
      all.addAll(List.of(p));
    }
    return all.toArray(new String[0]);
  }
}
