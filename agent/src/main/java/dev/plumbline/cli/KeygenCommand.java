package dev.plumbline.cli;

import dev.plumbline.sign.Keys;
import dev.plumbline.sign.SigningException;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code plumbline keygen}. */
@Command(
    name = "keygen",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "Creates an ECDSA P-256 key pair for signing attestations:",
      "  PREFIX.key  private key, PKCS#8 PEM, mode 0600 (only you can read it)",
      "  PREFIX.pub  public key, PEM: give it to whoever verifies",
      "",
      "When the environment variable " + Keys.PASSWORD_ENV + " is set and not",
      "empty, the private key is encrypted with it (PBES2: PBKDF2-HMAC-SHA256,",
      "AES-256-CBC); 'plumbline run --key' reads the same variable to decrypt",
      "it. openssl reads both files.",
      ""
    },
    footer = {
      "",
      "Examples:",
      "  plumbline keygen                      # plumbline.key, plumbline.pub",
      "  PLUMBLINE_KEY_PASSWORD=... plumbline keygen --prefix ci/release",
      "  plumbline run --key plumbline.key --subject 'dist/*' -- make dist",
      "",
      "Exit codes: 0 written, 2 bad usage or the files exist (use --force)."
    })
public final class KeygenCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(names = "--prefix", paramLabel = "PATH", defaultValue = "plumbline", description = "Write PATH.key and PATH.pub (default: plumbline).")
  String prefix;

  @Option(names = "--force", description = "Overwrite existing key files.")
  boolean force;

  /** The environment; tests replace it. */
  Map<String, String> env = System.getenv();

  @Override
  public Integer call() {
    PrintWriter err = spec.commandLine().getErr();
    Path keyFile = Path.of(prefix + ".key");
    Path pubFile = Path.of(prefix + ".pub");
    if (!force) {
      for (Path p : new Path[] {keyFile, pubFile}) {
        if (Files.exists(p)) {
          err.println("plumbline: " + p + " already exists; use --force to overwrite it");
          err.flush();
          return ExitCodes.USAGE;
        }
      }
    }
    String password = env.get(Keys.PASSWORD_ENV);
    boolean encrypted = password != null && !password.isEmpty();
    try {
      KeyPair pair = Keys.generateP256();
      String privatePem = Keys.privateKeyPem(pair.getPrivate(), encrypted ? password.toCharArray() : null);
      writePrivate(keyFile, privatePem);
      Files.writeString(pubFile, Keys.publicKeyPem(pair.getPublic()), StandardCharsets.US_ASCII);
      err.println("plumbline: wrote " + keyFile + " (private, " + (encrypted ? "encrypted with $" + Keys.PASSWORD_ENV : "not encrypted") + ") and " + pubFile + " (public)");
      err.println("plumbline: key fingerprint " + Keys.fingerprint(pair.getPublic()) + " (what verify prints and a policy's signer.keyFingerprints lists)");
      err.flush();
      return ExitCodes.OK;
    } catch (SigningException | IOException e) {
      err.println("plumbline: cannot write the key pair: " + ErrorHandler.oneLine(e));
      err.flush();
      return ExitCodes.USAGE;
    }
  }

  /** Created 0600 from the start, so the key is never readable by others, not even briefly. */
  private void writePrivate(Path file, String pem) throws IOException {
    Path parent = file.toAbsolutePath().getParent();
    if (parent != null) {
      Files.createDirectories(parent);
    }
    Files.deleteIfExists(file);
    try {
      Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    } catch (FileAlreadyExistsException e) {
      throw new IOException(file + " appeared while writing it");
    }
    Files.writeString(file, pem, StandardCharsets.US_ASCII, StandardOpenOption.TRUNCATE_EXISTING);
  }
}
