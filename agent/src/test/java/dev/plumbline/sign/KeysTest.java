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

  /**
   * publicKeyOf (BouncyCastle's P-256 curve and comb multiplier) against the JDK's key pairs, and at
   * the scalars at the ends of the range: 1 gives the generator, n - 1 its negation (x, p - y).
   */
  @Test
  void publicKeyOfIsTheGeneratedPairsPublicKey() throws Exception {
    KeyPairGenerator gen = KeyPairGenerator.getInstance("EC");
    gen.initialize(new ECGenParameterSpec("secp256r1"));
    for (int i = 0; i < 20; i++) {
      java.security.KeyPair pair = gen.generateKeyPair();
      assertTrue(Keys.samePoint(pair.getPublic(), Keys.publicKeyOf(pair.getPrivate())), "pair " + i);
    }
    java.security.spec.ECParameterSpec p256 = ((java.security.interfaces.ECKey) gen.generateKeyPair().getPublic()).getParams();
    java.security.KeyFactory ec = java.security.KeyFactory.getInstance("EC");
    java.math.BigInteger n = p256.getOrder();
    java.math.BigInteger p = ((java.security.spec.ECFieldFp) p256.getCurve().getField()).getP();
    java.security.spec.ECPoint g = p256.getGenerator();
    java.security.PublicKey one = Keys.publicKeyOf(ec.generatePrivate(new java.security.spec.ECPrivateKeySpec(java.math.BigInteger.ONE, p256)));
    assertEquals(g, ((java.security.interfaces.ECPublicKey) one).getW());
    java.security.PublicKey last = Keys.publicKeyOf(ec.generatePrivate(new java.security.spec.ECPrivateKeySpec(n.subtract(java.math.BigInteger.ONE), p256)));
    assertEquals(new java.security.spec.ECPoint(g.getAffineX(), p.subtract(g.getAffineY())), ((java.security.interfaces.ECPublicKey) last).getW());
  }

  @Test
  void publicKeyOfRefusesAnotherCurvesKey() throws Exception {
    KeyPairGenerator gen = KeyPairGenerator.getInstance("EC");
    gen.initialize(new ECGenParameterSpec("secp384r1"));
    SigningException e = assertThrows(SigningException.class, () -> Keys.publicKeyOf(gen.generateKeyPair().getPrivate()));
    assertTrue(e.getMessage().contains("not a P-256 key"), e.getMessage());
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
