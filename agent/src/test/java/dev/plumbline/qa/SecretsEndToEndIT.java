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
 * {@code /bin/echo "$MY_PASSWORD"} leaking.
 */
@Tag("needs-ptrace")
class SecretsEndToEndIT {
  private static final Path ROOT = Path.of(System.getProperty("plumbline.root", "..")).toAbsolutePath().normalize();
  private static final Path PLUMBLINE = ROOT.resolve("scripts/plumbline");

  private static final Map<String, String> ENV_SECRETS = Map.of(
      "GITHUB_TOKEN", "ghp_QaR3allySecretTokenValue0123456789ab",
      "MY_PASSWORD", "hunter2qa",
      "AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYQASECRETKEY");
  private static final List<String> ARGV_SECRETS = List.of("s3cr3tT0kQa", "pa55w0rdQa", "abc123qa", "adm1nPwQa");

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
          + "/bin/echo \"$MY_PASSWORD\" \"$AWS_SECRET_ACCESS_KEY\" >/dev/null; true";
      Result run = plumbline(ENV_SECRETS, "run", "--key", "plumbline.key", "--record", "build.json", "--", "sh", "-c", script);
      assertEquals(0, run.exit(), run.err());
      Result json = plumbline(ENV_SECRETS, "run", "--json", "--", "sh", "-c", script);
      assertEquals(0, json.exit(), json.err());
      assertEquals(0, plumbline(Map.of(), "report", "--record", "build.json", "--markdown", "r.md", "--html", "r.html").exit());
      Result fromBundle = plumbline(Map.of(), "report", "--bundle", "plumbline.sigstore.json");
      assertEquals(0, fromBundle.exit(), fromBundle.err());

      // the build really sent its secrets: the checks below are not vacuous
      String seen = String.join("\n", requests);
      assertTrue(seen.contains("Bearer " + ARGV_SECRETS.get(0)), seen);
      assertTrue(seen.contains("token=" + ARGV_SECRETS.get(2)), seen);

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
    return forms;
  }
}
