package dev.plumbline.redact;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class ArgvRedactorTest {

  private static Arguments redacts(List<String> in, List<String> out) {
    return Arguments.of(in, out);
  }

  private static Arguments keeps(List<String> in) {
    return Arguments.of(in, in);
  }

  static Stream<Arguments> secrets() {
    return Stream.of(
        // URLs
        redacts(List.of("git", "clone", "https://user:hunter2@example.com/repo.git"),
            List.of("git", "clone", "https://user:***@example.com/repo.git")),
        redacts(List.of("git", "clone", "https://oauth2:abc123@gitlab.example.com/g/p.git"),
            List.of("git", "clone", "https://oauth2:***@gitlab.example.com/g/p.git")),
        redacts(List.of("pip", "install", "--index-url", "https://__token__:s3cr3t@pypi.example.com/simple", "x"),
            List.of("pip", "install", "--index-url", "https://__token__:***@pypi.example.com/simple", "x")),
        redacts(List.of("curl", "https://api.example.com/v1?token=abc&page=2&access_token=def#frag"),
            List.of("curl", "https://api.example.com/v1?token=***&page=2&access_token=***#frag")),
        redacts(List.of("wget", "https://acct.blob.core.windows.net/c/f?sv=2021&se=2025&sig=AbC%2Fd"),
            List.of("wget", "https://acct.blob.core.windows.net/c/f?sv=2021&se=2025&sig=***")),
        redacts(List.of("curl", "https://b.s3.amazonaws.com/k?X-Amz-Credential=AK%2F&X-Amz-Signature=ff00&x=1"),
            List.of("curl", "https://b.s3.amazonaws.com/k?X-Amz-Credential=***&X-Amz-Signature=***&x=1")),
        redacts(List.of("curl", "https://h/?key=AIzaNOTGOOGLE&client_secret=zz&github_token=yy"),
            List.of("curl", "https://h/?key=***&client_secret=***&github_token=***")),
        // options
        redacts(List.of("tool", "--password", "hunter2", "--verbose"), List.of("tool", "--password", "***", "--verbose")),
        redacts(List.of("tool", "--password=hunter2"), List.of("tool", "--password=***")),
        redacts(List.of("tool", "--token", "abc", "--secret", "def"), List.of("tool", "--token", "***", "--secret", "***")),
        redacts(List.of("tool", "--api-key", "k1", "--api_key=k2", "--apiKey", "k3", "--apikey", "k4"),
            List.of("tool", "--api-key", "***", "--api_key=***", "--apiKey", "***", "--apikey", "***")),
        redacts(List.of("gh", "--auth-token", "x", "--access-token=y", "--client-secret", "z", "--db-pass", "w"),
            List.of("gh", "--auth-token", "***", "--access-token=***", "--client-secret", "***", "--db-pass", "***")),
        redacts(List.of("aws", "--aws-secret-access-key", "wJalr"), List.of("aws", "--aws-secret-access-key", "***")),
        redacts(List.of("vault", "-token", "s.abc", "-password=x"), List.of("vault", "-token", "***", "-password=***")),
        redacts(List.of("gpg", "--passphrase", "p"), List.of("gpg", "--passphrase", "***")),
        // headers
        redacts(List.of("curl", "-H", "Authorization: Bearer abc.def", "https://h"),
            List.of("curl", "-H", "Authorization: Bearer ***", "https://h")),
        redacts(List.of("curl", "--header", "authorization: Basic dXNlcjpwYXNz"),
            List.of("curl", "--header", "authorization: Basic ***")),
        redacts(List.of("curl", "-HAuthorization: token abc"), List.of("curl", "-HAuthorization: token ***")),
        redacts(List.of("wget", "--header=Authorization: Bearer x"), List.of("wget", "--header=Authorization: Bearer ***")),
        redacts(List.of("curl", "-H", "PRIVATE-TOKEN: glx", "-H", "X-Api-Key: k", "-H", "Cookie: sid=1"),
            List.of("curl", "-H", "PRIVATE-TOKEN: ***", "-H", "X-Api-Key: ***", "-H", "Cookie: ***")),
        redacts(List.of("git", "-c", "http.extraheader=AUTHORIZATION: basic eC1hY2Nlc3M=", "fetch"),
            List.of("git", "-c", "http.extraheader=AUTHORIZATION: basic ***", "fetch")),
        // curl and httpie user:password
        redacts(List.of("curl", "-u", "alice:pw", "https://h"), List.of("curl", "-u", "alice:***", "https://h")),
        redacts(List.of("curl", "-ualice:pw", "--proxy-user", "bob:pw2"), List.of("curl", "-ualice:***", "--proxy-user", "bob:***")),
        redacts(List.of("http", "-a", "alice:pw", "example.org"), List.of("http", "-a", "alice:***", "example.org")),
        // -p only where it means password
        redacts(List.of("mysql", "-uroot", "-phunter2", "db"), List.of("mysql", "-uroot", "-p***", "db")),
        redacts(List.of("sudo", "-E", "/usr/bin/mysqldump", "-psecret", "db"), List.of("sudo", "-E", "/usr/bin/mysqldump", "-p***", "db")),
        redacts(List.of("sshpass", "-p", "pw", "ssh", "-p", "22", "host"), List.of("sshpass", "-p", "***", "ssh", "-p", "22", "host")),
        redacts(List.of("docker", "login", "-u", "me", "-p", "pw", "registry.example"),
            List.of("docker", "login", "-u", "me", "-p", "***", "registry.example")),
        redacts(List.of("redis-cli", "-h", "127.0.0.1", "-a", "pw"), List.of("redis-cli", "-h", "127.0.0.1", "-a", "***")),
        redacts(List.of("openssl", "enc", "-pass", "pass:pw", "-passin", "env:VAR"),
            List.of("openssl", "enc", "-pass", "pass:***", "-passin", "env:VAR")),
        redacts(List.of("keytool", "-list", "-storepass", "changeit"), List.of("keytool", "-list", "-storepass", "***")),
        // assignments and properties
        redacts(List.of("env", "GITHUB_TOKEN=abc", "DB_PASSWORD=x", "AWS_SECRET_ACCESS_KEY=y", "make"),
            List.of("env", "GITHUB_TOKEN=***", "DB_PASSWORD=***", "AWS_SECRET_ACCESS_KEY=***", "make")),
        redacts(List.of("make", "PASSWORD=x", "SSHPASS=y", "PGPASSWORD=z", "API_KEY=k", "install"),
            List.of("make", "PASSWORD=***", "SSHPASS=***", "PGPASSWORD=***", "API_KEY=***", "install")),
        redacts(List.of("mvn", "-Dgpg.passphrase=pp", "-Djavax.net.ssl.trustStorePassword=changeit", "deploy"),
            List.of("mvn", "-Dgpg.passphrase=***", "-Djavax.net.ssl.trustStorePassword=***", "deploy")),
        redacts(List.of("gradle", "-PsigningPassword=x", "-PapiKey=y"), List.of("gradle", "-PsigningPassword=***", "-PapiKey=***")),
        redacts(List.of("cmake", "-DAPI_TOKEN:STRING=t", "."), List.of("cmake", "-DAPI_TOKEN:STRING=***", ".")),
        // token formats anywhere
        redacts(List.of("echo", "ghp_" + "a".repeat(36)), List.of("echo", "***")),
        redacts(List.of("git", "push", "https://x-access-token:ghs_" + "B".repeat(36) + "@github.com/o/r"),
            List.of("git", "push", "https://x-access-token:***@github.com/o/r")),
        redacts(List.of("git", "clone", "https://gho_" + "c".repeat(36) + "@github.com/o/r"),
            List.of("git", "clone", "https://***@github.com/o/r")),
        redacts(List.of("x", "--flag=github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz"), List.of("x", "--flag=***")),
        redacts(List.of("x", "AKIAIOSFODNN7EXAMPLE"), List.of("x", "***")),
        redacts(List.of("x", "id=AKIAIOSFODNN7EXAMPLE,other"), List.of("x", "id=***,other")),
        redacts(List.of("x", "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U"),
            List.of("x", "***")),
        redacts(List.of("x", "xoxb-1234567890", "xoxp-123456789"), List.of("x", "***", "xoxp-123456789")),
        redacts(List.of("x", "glpat-abcdefghij0123456789", "xoxb-1234567890-abc", "npm_" + "Z".repeat(36)),
            List.of("x", "***", "***", "***")),
        redacts(List.of("npm", "config", "set", "//registry.npmjs.org/:_authToken=npmsecret"),
            List.of("npm", "config", "set", "//registry.npmjs.org/:_authToken=***")),
        redacts(List.of("x", "-----BEGIN OPENSSH PRIVATE KEY-----\nb3Bl\n-----END OPENSSH PRIVATE KEY-----"),
            List.of("x", "***")),
        // shell strings
        redacts(List.of("sh", "-c", "GITHUB_TOKEN=abc make && curl -H 'Authorization: Bearer xyz' https://h"),
            List.of("sh", "-c", "GITHUB_TOKEN=*** make && curl -H 'Authorization: Bearer ***' https://h")),
        redacts(List.of("bash", "-c", "deploy --token abc --password=def --env prod"),
            List.of("bash", "-c", "deploy --token *** --password=*** --env prod")),
        redacts(List.of("tool", "-c", "--token", "abc"), List.of("tool", "-c", "--token", "***")),
        // program-specific options inside shell strings (found by QA: curl -u leaked from sh -c)
        redacts(List.of("sh", "-c", "curl -s -u admin:adm1nPw http://h >/dev/null; mysql -ppw db|tee o"),
            List.of("sh", "-c", "curl -s -u admin:*** http://h >/dev/null; mysql -p*** db|tee o")),
        // an inline option value ends at a shell operator (it swallowed '|tee log' and broke idempotence)
        redacts(List.of("sh", "-c", "deploy --token abc|tee log; x --password=def&& y; z --password -|mysql U"),
            List.of("sh", "-c", "deploy --token ***|tee log; x --password=***&& y; z --password ***|mysql U")),
        redacts(List.of("bash", "-ec", "cd x && curl --user \"admin:pw\" http://h\nsshpass -p 'pw 2' ssh h"),
            List.of("bash", "-ec", "cd x && curl --user 'admin:***' http://h\nsshpass -p '***' ssh h")),
        // assignments as option values, lists and JSON
        redacts(List.of("docker", "run", "--env=DB_PASSWORD=x", "-e", "API_TOKEN=y", "img"),
            List.of("docker", "run", "--env=DB_PASSWORD=***", "-e", "API_TOKEN=***", "img")),
        redacts(List.of("kubectl", "create", "secret", "generic", "s", "--from-literal=password=abc"),
            List.of("kubectl", "create", "secret", "generic", "s", "--from-literal=password=***")),
        redacts(List.of("terraform", "apply", "-var=db_password=x", "-var", "region=eu"),
            List.of("terraform", "apply", "-var=db_password=***", "-var", "region=eu")),
        redacts(List.of("helm", "install", "--set", "replicas=2,db.password=x,image.tag=1"),
            List.of("helm", "install", "--set", "replicas=2,db.password=***,image.tag=1")),
        redacts(List.of("curl", "-d", "{\"user\": \"u\", \"password\": \"p\\\"w\", \"apiKey\":\"k\"}", "http://h"),
            List.of("curl", "-d", "{\"user\": \"u\", \"password\": \"***\", \"apiKey\":\"***\"}", "http://h")),
        redacts(List.of("java", "-jar", "app.jar", "--spring.datasource.password=s"),
            List.of("java", "-jar", "app.jar", "--spring.datasource.password=***")),
        redacts(List.of("env", "SECRET_KEY_BASE=abc", "SLACK_WEBHOOK_URL=https://hooks.slack.example/T/B/x",
                "ACTIONS_RUNTIME_TOKEN=t", "DB_PASS=p"),
            List.of("env", "SECRET_KEY_BASE=***", "SLACK_WEBHOOK_URL=***", "ACTIONS_RUNTIME_TOKEN=***", "DB_PASS=***")),
        // more programs with password options
        redacts(List.of("htpasswd", "-bc", ".htpasswd", "alice", "pw"), List.of("htpasswd", "-bc", ".htpasswd", "alice", "***")),
        redacts(List.of("htpasswd", "-nb", "alice", "pw"), List.of("htpasswd", "-nb", "alice", "***")),
        redacts(List.of("smbclient", "//h/share", "-U", "alice%pw"), List.of("smbclient", "//h/share", "-U", "alice%***")),
        redacts(List.of("7z", "a", "-psecret", "out.7z", "dir"), List.of("7z", "a", "-p***", "out.7z", "dir")),
        redacts(List.of("ssh-keygen", "-t", "ed25519", "-N", "phrase", "-f", "k"),
            List.of("ssh-keygen", "-t", "ed25519", "-N", "***", "-f", "k")),
        redacts(List.of("ldapsearch", "-x", "-D", "cn=admin", "-w", "pw"), List.of("ldapsearch", "-x", "-D", "cn=admin", "-w", "***")),
        redacts(List.of("zip", "-P", "pw", "-r", "o.zip", "d"), List.of("zip", "-P", "***", "-r", "o.zip", "d")),
        redacts(List.of("openssl", "enc", "-aes-256-cbc", "-k", "pw"), List.of("openssl", "enc", "-aes-256-cbc", "-k", "***")),
        redacts(List.of("az", "login", "--service-principal", "-u", "id", "-p", "pw", "--tenant", "t"),
            List.of("az", "login", "--service-principal", "-u", "id", "-p", "***", "--tenant", "t")),
        redacts(List.of("twine", "upload", "-u", "__token__", "-p", "pypi-x", "dist/*"),
            List.of("twine", "upload", "-u", "__token__", "-p", "***", "dist/*")),
        redacts(List.of("env", "PASSWORD=two words"), List.of("env", "PASSWORD=***")),
        // issue 11 item 9: shapes that leaked
        redacts(List.of("ansible-playbook", "--private-key", "LS0tLS1CRUdJTiBPUEVOU1NI", "--signing-key", "k3y",
                "--client-key=c1ientk3y", "--auth=user:pw", "site.yml"),
            List.of("ansible-playbook", "--private-key", "***", "--signing-key", "***", "--client-key=***", "--auth=***",
                "site.yml")),
        redacts(List.of("env", "DEPLOY_KEY=dk", "MYSQL_PWD=m", "SSHPASS=s", "DB_PASS=d", "SENTRY_DSN=https://k@s/1",
                "SLACK_WEBHOOK_URL=https://hooks.slack.com/services/T0/B0/x", "make"),
            List.of("env", "DEPLOY_KEY=***", "MYSQL_PWD=***", "SSHPASS=***", "DB_PASS=***", "SENTRY_DSN=***",
                "SLACK_WEBHOOK_URL=***", "make")),
        redacts(List.of("mvn", "-Dsonar.login=sq1", "-Dsonar.host.url=https://sonar", "verify"),
            List.of("mvn", "-Dsonar.login=***", "-Dsonar.host.url=https://sonar", "verify")),
        redacts(List.of("curl", "https://s3.example/b?access_key=AK&secret_key=SK&x=1"),
            List.of("curl", "https://s3.example/b?access_key=***&secret_key=***&x=1")),
        redacts(List.of("curl", "-X", "POST", "https://hooks.slack.com/services/T000/B000/XXXXsecret", "-d", "{}"),
            List.of("curl", "-X", "POST", "https://hooks.slack.com/services/***", "-d", "{}")),
        redacts(List.of("curl", "-H", "apikey: k1", "-H", "X-Goog-Api-Key:k2", "-H", "X-Access-Token: k3", "https://h"),
            List.of("curl", "-H", "apikey: ***", "-H", "X-Goog-Api-Key:***", "-H", "X-Access-Token: ***", "https://h")),
        redacts(List.of("sh", "-c", "curl -H 'apikey: k1' https://h"), List.of("sh", "-c", "curl -H 'apikey: ***' https://h")),
        redacts(List.of("sentry-cli", "--dsn", "https://0123456789abcdef0123456789abcdef@o1.ingest.sentry.io/2"),
            List.of("sentry-cli", "--dsn", "***")),
        redacts(List.of("x", "https://0123456789abcdef0123456789abcdef@o1.ingest.sentry.io/2"),
            List.of("x", "https://***@o1.ingest.sentry.io/2")),
        redacts(List.of("x", "sk-proj0123456789abcdefghij", "-----BEGIN PGP PRIVATE KEY BLOCK-----\nlQ\n-----END PGP PRIVATE KEY BLOCK-----"),
            List.of("x", "***", "***")),
        // where the two old rule sets disagreed, the safer answer (ghp_ from 20 characters, sk- here too)
        redacts(List.of("echo", "ghp_" + "a".repeat(24), "glpat-" + "b".repeat(16)), List.of("echo", "***", "***")),
        redacts(List.of("bw", "list", "items", "--session", "s3ss"), List.of("bw", "list", "items", "--session", "***")));
  }

  static Stream<Arguments> notSecrets() {
    return Stream.of(
        keeps(List.of("mkdir", "-p", "build/out")),
        keeps(List.of("ssh", "-p", "2222", "host")),
        keeps(List.of("cp", "-p", "a", "b")),
        keeps(List.of("docker", "run", "-p", "8080:80", "nginx")),
        keeps(List.of("mysql", "-p", "mydb")), // -p alone prompts; the next word is the database
        keeps(List.of("docker", "login", "--password-stdin", "-u", "me")),
        keeps(List.of("tool", "--password-file", "/run/secrets/pw", "--token-url", "https://h/t")),
        keeps(List.of("aws", "secretsmanager", "get-secret-value", "--secret-id", "prod/db")),
        keeps(List.of("psql", "--password", "-h", "db")),
        keeps(List.of("tool", "--no-password", "x")),
        keeps(List.of("tool", "--password=")),
        keeps(List.of("ffmpeg", "-i", "in.mp4", "-pass", "2", "out.mp4")),
        keeps(List.of("git", "add", "-u")),
        keeps(List.of("sort", "-u", "file")),
        keeps(List.of("curl", "-u", "alice", "https://h")), // no password given: curl prompts
        keeps(List.of("env", "PWD=/home/me", "OLDPWD=/tmp", "TOKENIZERS_PARALLELISM=false", "MAX_TOKENS=5", "PATH=/bin")),
        keeps(List.of("env", "PASSWORD_FILE=/run/secrets/pw", "GIT_ASKPASS=/usr/bin/true", "SSH_AUTH_SOCK=/tmp/a")),
        keeps(List.of("make", "CFLAGS=-O2 -g", "PREFIX=/usr", "-j2")),
        keeps(List.of("gcc", "-O2", "-fstack-protector-strong", "-Wl,-z,relro", "-o", "hello", "main.c")),
        keeps(List.of("java", "-Dfile.encoding=UTF-8", "-Dkey.store.type=PKCS12", "-jar", "a.jar")),
        keeps(List.of("curl", "https://user@example.com/path?page=2&sort=name", "-H", "Accept: application/json")),
        keeps(List.of("curl", "http://127.0.0.1:8080/api?q=token")),
        keeps(List.of("git", "clone", "git@github.com:o/r.git")),
        keeps(List.of("echo", "ghp_short", "AKIA123", "eyJnotajwt")),
        keeps(List.of("tool", "--key", "plumbline.key", "--private-key", "id_ed25519")),
        keeps(List.of("grep", "-r", "password", "src/")),
        keeps(List.of("sh", "-c", "make -j2 CC=gcc && ./hello --name world")),
        keeps(List.of("sh", "-c", "curl -u \"$USER:$TOKEN\" http://h; deploy --password \"$PW\"; ssh -p 22 h")),
        keeps(List.of("sh", "-c", "echo 'it''s' \\; cp -p a b && (mkdir -p 'x y')")),
        keeps(List.of("ls", "-la", "--color=auto")),
        keeps(List.of("docker", "run", "--env=PATH=/bin", "-e", "HOME=/root", "img")),
        keeps(List.of("helm", "install", "--set", "replicas=2,image.tag=1.0", "--set-string", "a.b=c")),
        keeps(List.of("zip", "-r", "out.zip", "dir")),
        keeps(List.of("7z", "x", "-o/tmp/out", "a.7z")),
        keeps(List.of("ssh-keygen", "-t", "ed25519", "-N", "", "-f", "key")),
        keeps(List.of("htpasswd", "-c", ".htpasswd", "alice")),
        keeps(List.of("curl", "-d", "{\"user\": \"u\", \"page\": \"2\"}", "http://h")),
        keeps(List.of("az", "group", "list", "-o", "table")),
        keeps(List.of("make", "check", "TESTS=a.test,b.test", "key=value")),
        keeps(List.of("gcc", "-DHAVE_PASSWD_H=1", "-DTOKEN_SIZE=64", "-DSECRET_LEN=32", "-DPASSWORD_POLICY=strict", "-c", "a.c")),
        keeps(List.of("env", "GOOGLE_APPLICATION_CREDENTIALS=/run/sa.json", "ACTIONS_ID_TOKEN_REQUEST_URL=https://h/t")),
        keeps(List.of("curl", "-d", "{\"passwordPolicy\": \"strict\", \"tokenCount\": \"3\"}", "http://h")),
        keeps(List.of("ansible", "--private-key", "~/.ssh/deploy", "--client-key=/etc/k8s/client.key", "--signing-key",
            "release.asc", "--public-key", "pub")),
        keeps(List.of("docker", "run", "-v", "data:/data", "-e", "DESKTOP_SESSION=ubuntu", "img", "--cache-key=linux-1")),
        keeps(List.of("sh", "-c", "echo note: fine; git clone https://github.com/o/r.git && task-runner build")),
        keeps(List.of("curl", "https://hooks.slack.com/", "https://user@example.com/x?sort=key_name")),
        keeps(List.of()));
  }

  @ParameterizedTest
  @MethodSource({"secrets", "notSecrets"})
  void redactsExactlyTheSecrets(List<String> argv, List<String> expected) {
    assertEquals(expected, ArgvRedactor.redact(argv));
  }

  /** Random shell strings (quotes, operators, secret options): redacting twice is redacting once. */
  @org.junit.jupiter.api.Test
  void shellStringsAreIdempotentUnderRandomInput() {
    java.util.Random random = new java.util.Random(20261122);
    String chars = "ab -'\"\\;|&()\n=:$@/pu-cURLsh";
    String[] words = {"curl", "-u", "a:b", "mysql", "-pX", "sshpass", "-p", "'", "\"", "\\", "sh", "-c", ";", "&&",
        "|", "$X", "--password", "--token=", "x=y", "API_TOKEN=v", "https://u:p@h/?token=t"};
    for (int i = 0; i < 20000; i++) {
      StringBuilder script = new StringBuilder();
      int n = random.nextInt(30);
      for (int k = 0; k < n; k++) {
        if (random.nextBoolean()) {
          script.append(chars.charAt(random.nextInt(chars.length())));
        } else {
          script.append(words[random.nextInt(words.length)]).append(' ');
        }
      }
      List<String> once = ArgvRedactor.redact(List.of("sh", "-c", script.toString()));
      assertEquals(once, ArgvRedactor.redact(once), "script: " + script);
    }
  }

  /** The tracer may redact at the exec stop and the recorder again: a second pass changes nothing. */
  @ParameterizedTest
  @MethodSource({"secrets", "notSecrets"})
  void redactingTwiceIsRedactingOnce(List<String> argv, List<String> expected) {
    assertEquals(expected, ArgvRedactor.redact(ArgvRedactor.redact(argv)));
  }
}
