package dev.plumbline.sign;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.plumbline.cli.ExitCodes;
import dev.plumbline.testing.Cli;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KeysTest {
  @TempDir Path dir;

  @Test
  void keygenWritesAPrivateKeyOnlyTheOwnerCanRead() throws Exception {
    Cli.Result r = Cli.run("keygen", "--prefix", dir.resolve("ci/release").toString());
    assertEquals(0, r.code(), r.err());
    Path key = dir.resolve("ci/release.key");
    Path pub = dir.resolve("ci/release.pub");
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(key)));
    assertTrue(Files.readString(key).startsWith("-----BEGIN PRIVATE KEY-----\n"));
    assertTrue(Files.readString(pub).startsWith("-----BEGIN PUBLIC KEY-----\n"));
    KeySigner signer = KeySigner.fromFile(key, java.util.Map.of());
    assertTrue(Keys.samePoint(signer.publicKey(), Keys.readPublicKey(pub)));
    assertTrue(r.err().contains("key fingerprint " + Keys.fingerprint(signer.publicKey())), r.err());
  }

  @Test
  void keygenRefusesToOverwriteWithoutForce() throws Exception {
    String prefix = dir.resolve("k").toString();
    assertEquals(0, Cli.run("keygen", "--prefix", prefix).code());
    String before = Files.readString(dir.resolve("k.key"));
    Cli.Result again = Cli.run("keygen", "--prefix", prefix).assertNoStackTrace();
    assertEquals(ExitCodes.USAGE, again.code());
    assertTrue(again.err().contains("already exists; use --force"), again.err());
    assertEquals(before, Files.readString(dir.resolve("k.key")));
    assertEquals(0, Cli.run("keygen", "--force", "--prefix", prefix).code());
    assertTrue(!before.equals(Files.readString(dir.resolve("k.key"))));
  }

  @Test
  void encryptedKeyNeedsTheRightPassword() throws Exception {
    var pair = Keys.generateP256();
    Path key = Files.writeString(dir.resolve("e.key"), Keys.privateKeyPem(pair.getPrivate(), "pw".toCharArray()));
    SigningException none = assertThrows(SigningException.class, () -> Keys.readPrivateKey(key, null));
    assertTrue(none.getMessage().contains("is encrypted: set PLUMBLINE_KEY_PASSWORD"), none.getMessage());
    SigningException wrong = assertThrows(SigningException.class, () -> Keys.readPrivateKey(key, "nope".toCharArray()));
    assertTrue(wrong.getMessage().contains("wrong password"), wrong.getMessage());
    KeySigner ok = KeySigner.fromFile(key, java.util.Map.of(Keys.PASSWORD_ENV, "pw"));
    assertTrue(Keys.samePoint(ok.publicKey(), pair.getPublic()));
  }

  @Test
  void otherCurvesAreRefused() throws Exception {
    KeyPairGenerator gen = KeyPairGenerator.getInstance("EC");
    gen.initialize(new ECGenParameterSpec("secp384r1"));
    var pair = gen.generateKeyPair();
    Path key = Files.writeString(dir.resolve("p384.key"), Keys.privateKeyPem(pair.getPrivate(), null));
    Path pub = Files.writeString(dir.resolve("p384.pub"), Keys.publicKeyPem(pair.getPublic()));
    assertTrue(assertThrows(SigningException.class, () -> Keys.readPrivateKey(key, null)).getMessage().contains("P-256"));
    assertTrue(assertThrows(SigningException.class, () -> Keys.readPublicKey(pub)).getMessage().contains("P-256"));
  }

  @Test
  void missingAndGarbageFilesHaveOneLineErrors() throws Exception {
    assertTrue(assertThrows(SigningException.class, () -> Keys.readPrivateKey(dir.resolve("none.key"), null)).getMessage().endsWith("does not exist"));
    Path junk = Files.writeString(dir.resolve("junk.key"), "-----BEGIN PRIVATE KEY-----\nnot base64!\n-----END PRIVATE KEY-----\n");
    String msg = assertThrows(SigningException.class, () -> Keys.readPrivateKey(junk, null)).getMessage();
    assertTrue(!msg.contains("\n"), msg);
  }
}
