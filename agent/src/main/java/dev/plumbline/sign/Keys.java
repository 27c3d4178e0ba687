package dev.plumbline.sign;

import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.lang.invoke.MethodHandles;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.interfaces.ECKey;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.ECPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.ECParameterSpec;
import java.security.spec.ECPoint;
import java.security.spec.ECPublicKeySpec;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.Base64;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.openssl.jcajce.JceOpenSSLPKCS8DecryptorProviderBuilder;
import org.bouncycastle.openssl.jcajce.JceOpenSSLPKCS8EncryptorBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.pkcs.PKCS8EncryptedPrivateKeyInfo;
import org.bouncycastle.pkcs.PKCSException;
import org.bouncycastle.util.io.pem.PemObject;
import org.bouncycastle.util.io.pem.PemWriter;

/**
 * ECDSA P-256 keys in the PEM forms other tools read: private keys as PKCS#8 ("PRIVATE KEY", or
 * "ENCRYPTED PRIVATE KEY" with PBES2/AES-256-CBC when a password is given), public keys as
 * SubjectPublicKeyInfo ("PUBLIC KEY"), the forms openssl reads and writes.
 */
public final class Keys {
  /** The environment variable keygen and run read a private key's password from. */
  public static final String PASSWORD_ENV = "PLUMBLINE_KEY_PASSWORD";

  private static final String P256_OID = "1.2.840.10045.3.1.7";

  /**
   * BouncyCastle as an unregistered provider, only for PBES2 key encryption (the JDK names the
   * cipher differently): never added to the JVM's provider list. Made on first use: building it
   * costs 0.2 to 1.4 s of class loading, three quarters of loading an unencrypted key, which does
   * not need it.
   */
  private static final class Bc {
    static final java.security.Provider PROVIDER = new org.bouncycastle.jce.provider.BouncyCastleProvider();
  }

  private Keys() {}

  /**
   * Sets up what reading a PEM key needs, for a caller to have it done on another thread ahead of
   * use: the JDK's EC key factory (finding SunEC instantiates the providers listed before it) and
   * BouncyCastle's PEM reader, whose static logger initializes java.util.logging; together ~13% of
   * the main thread of a key-signed verify.
   */
  public static void prepareReading() {
    try {
      KeyFactory.getInstance("EC");
      MethodHandles.lookup().ensureInitialized(PEMParser.class); // and its superclass PemReader
    } catch (GeneralSecurityException | IllegalAccessException e) {
      throw new IllegalStateException(e);
    }
  }

  public static KeyPair generateP256() {
    try {
      KeyPairGenerator gen = KeyPairGenerator.getInstance("EC");
      gen.initialize(new ECGenParameterSpec("secp256r1"));
      return gen.generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("the JDK cannot make P-256 keys", e);
    }
  }

  /** PKCS#8 PEM, encrypted when {@code password} is non-null and non-empty. */
  public static String privateKeyPem(PrivateKey key, char[] password) throws SigningException {
    try {
      JcaPKCS8Generator gen;
      if (password != null && password.length > 0) {
        gen =
            new JcaPKCS8Generator(
                key,
                new JceOpenSSLPKCS8EncryptorBuilder(org.bouncycastle.openssl.PKCS8Generator.AES_256_CBC)
                    .setPRF(org.bouncycastle.openssl.PKCS8Generator.PRF_HMACSHA256)
                    .setIterationCount(310_000)
                    .setProvider(Bc.PROVIDER)
                    .setPassword(password)
                    .build());
      } else {
        gen = new JcaPKCS8Generator(key, null);
      }
      return pem(gen.generate());
    } catch (OperatorCreationException | org.bouncycastle.util.io.pem.PemGenerationException e) {
      throw new SigningException("cannot encode the private key: " + e.getMessage(), e);
    }
  }

  public static String publicKeyPem(PublicKey key) {
    return pem(new PemObject("PUBLIC KEY", key.getEncoded()));
  }

  private static String pem(PemObject object) {
    StringWriter out = new StringWriter();
    try (PemWriter w = new PemWriter(out)) {
      w.writeObject(object);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    String pem = out.toString();
    return pem.endsWith("\n") ? pem : pem + "\n";
  }

  /**
   * {@code sha256:HEX} of the DER SubjectPublicKeyInfo: the one fingerprint people see, from
   * keygen, verify and in policies ({@code signer.keyFingerprints}).
   */
  public static String fingerprint(PublicKey key) {
    try {
      return "sha256:" + java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(key.getEncoded()));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Standard base64 of SHA-256 over the DER SubjectPublicKeyInfo: the bundle's publicKey hint (a format field, not shown to people). */
  public static String hint(PublicKey key) {
    try {
      return Base64.getEncoder().encodeToString(java.security.MessageDigest.getInstance("SHA-256").digest(key.getEncoded()));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * Reads a P-256 private key from PEM: PKCS#8, encrypted PKCS#8 (password required), or the
   * SEC1 "EC PRIVATE KEY" form openssl ecparam writes.
   */
  public static PrivateKey readPrivateKey(Path file, char[] password) throws SigningException {
    return parsePrivateKey(readText(file, "private key"), file.toString(), password);
  }

  /** As {@link #readPrivateKey}, from PEM text (e.g. a CI secret that never touches the disk); {@code source} names it in errors. */
  public static PrivateKey parsePrivateKey(String text, String source, char[] password) throws SigningException {
    String file = source;
    Object parsed = parsePem(text, file);
    try {
      PrivateKeyInfo info;
      if (parsed instanceof PKCS8EncryptedPrivateKeyInfo encrypted) {
        if (password == null || password.length == 0) {
          throw new SigningException(
              "private key " + file + " is encrypted: set " + PASSWORD_ENV + " to its password");
        }
        try {
          info = encrypted.decryptPrivateKeyInfo(new JceOpenSSLPKCS8DecryptorProviderBuilder().setProvider(Bc.PROVIDER).build(password));
        } catch (PKCSException e) {
          throw new SigningException("cannot decrypt private key " + file + ": wrong password in " + PASSWORD_ENV + "?", e);
        }
      } else if (parsed instanceof PrivateKeyInfo plain) {
        info = plain;
      } else if (parsed instanceof PEMKeyPair pair) {
        info = pair.getPrivateKeyInfo();
      } else {
        throw new SigningException(file + " holds no private key (expected a PEM \"PRIVATE KEY\")");
      }
      PrivateKey key = KeyFactory.getInstance("EC").generatePrivate(new PKCS8EncodedKeySpec(info.getEncoded()));
      requireP256(key, file);
      return key;
    } catch (IOException | GeneralSecurityException | OperatorCreationException e) {
      throw new SigningException("cannot read private key " + file + ": not an EC P-256 key", e);
    } catch (IllegalArgumentException e) {
      throw new SigningException("cannot read private key " + file + ": " + e.getMessage(), e);
    }
  }

  /** Reads a P-256 public key from a PEM "PUBLIC KEY" (SubjectPublicKeyInfo). */
  public static PublicKey readPublicKey(Path file) throws SigningException {
    return parsePublicKey(readText(file, "public key"), file.toString());
  }

  public static PublicKey parsePublicKey(String text, String source) throws SigningException {
    Object parsed = parsePem(text, source);
    if (!(parsed instanceof SubjectPublicKeyInfo spki)) {
      throw new SigningException(source + " holds no public key (expected a PEM \"PUBLIC KEY\")");
    }
    try {
      PublicKey key = KeyFactory.getInstance("EC").generatePublic(new X509EncodedKeySpec(spki.getEncoded()));
      requireP256(key, source);
      if (!onCurve((ECPublicKey) key)) {
        throw new SigningException("cannot read public key " + source + ": the point is not on the P-256 curve");
      }
      return key;
    } catch (IOException | GeneralSecurityException | IllegalArgumentException e) {
      throw new SigningException("cannot read public key " + source + ": not a valid EC P-256 key", e);
    }
  }

  /**
   * The public half of a P-256 private key: Q = d·G, computed with BouncyCastle's P-256 curve
   * (fixed-width field arithmetic) and a comb multiplier. Not through SECNamedCurves: its table
   * of every SEC curve loaded 34 classes and its generic curve multiplied with BigInteger, ~60 ms
   * of CPU against ~20 in a fresh JVM, on each key-signed run (docs/benchmarks.md).
   */
  public static PublicKey publicKeyOf(PrivateKey key) throws SigningException {
    if (!(key instanceof ECPrivateKey ec)) {
      throw new SigningException("not an EC private key");
    }
    ECParameterSpec params = ec.getParams();
    org.bouncycastle.math.ec.ECCurve curve = new org.bouncycastle.math.ec.custom.sec.SecP256R1Curve();
    org.bouncycastle.math.ec.ECPoint g;
    try { // the key's own generator, refused when it is not on P-256 (another curve's key)
      g = curve.validatePoint(params.getGenerator().getAffineX(), params.getGenerator().getAffineY());
    } catch (IllegalArgumentException e) {
      throw new SigningException("not a P-256 key", e);
    }
    org.bouncycastle.math.ec.ECPoint q = new org.bouncycastle.math.ec.FixedPointCombMultiplier().multiply(g, ec.getS()).normalize();
    ECPoint w = new ECPoint(q.getAffineXCoord().toBigInteger(), q.getAffineYCoord().toBigInteger());
    try {
      return KeyFactory.getInstance("EC").generatePublic(new ECPublicKeySpec(w, params));
    } catch (GeneralSecurityException e) {
      throw new SigningException("cannot derive the public key: " + e.getMessage(), e);
    }
  }

  private static void requireP256(java.security.Key key, Object file) throws SigningException {
    if (!(key instanceof ECKey ec) || ec.getParams().getCurve().getField().getFieldSize() != 256
        || !isP256(ec.getParams())) {
      throw new SigningException(file + " is not an ECDSA P-256 key (only P-256 with SHA-256 is supported)");
    }
  }

  /** The JDK accepts any coordinates; a key off the curve is a corrupt or crafted file. */
  private static boolean onCurve(ECPublicKey key) {
    java.math.BigInteger p = ((java.security.spec.ECFieldFp) key.getParams().getCurve().getField()).getP();
    java.math.BigInteger a = key.getParams().getCurve().getA();
    java.math.BigInteger b = key.getParams().getCurve().getB();
    java.math.BigInteger x = key.getW().getAffineX();
    java.math.BigInteger y = key.getW().getAffineY();
    if (x.signum() < 0 || y.signum() < 0 || x.compareTo(p) >= 0 || y.compareTo(p) >= 0) {
      return false;
    }
    return y.multiply(y).mod(p).equals(x.pow(3).add(a.multiply(x)).add(b).mod(p));
  }

  private static boolean isP256(ECParameterSpec params) {
    try {
      java.security.AlgorithmParameters ap = java.security.AlgorithmParameters.getInstance("EC");
      ap.init(params);
      ECGenParameterSpec name = ap.getParameterSpec(ECGenParameterSpec.class);
      return name.getName().equals(P256_OID) || name.getName().equals("secp256r1");
    } catch (GeneralSecurityException e) {
      return false;
    }
  }

  private static Object parsePem(String text, Object file) throws SigningException {
    try (PEMParser parser = new PEMParser(new StringReader(text))) {
      Object o = parser.readObject();
      if (o == null) {
        throw new SigningException(file + " is not a PEM file (no -----BEGIN line)");
      }
      return o;
    } catch (IOException | IllegalArgumentException | IllegalStateException e) {
      throw new SigningException(file + " is not a valid PEM file: " + firstLine(e.getMessage()), e);
    }
  }

  private static String readText(Path file, String what) throws SigningException {
    try {
      return Files.readString(file, StandardCharsets.UTF_8);
    } catch (NoSuchFileException e) {
      throw new SigningException(what + " " + file + " does not exist");
    } catch (java.nio.charset.MalformedInputException e) {
      throw new SigningException(what + " " + file + " is not a text PEM file", e);
    } catch (IOException e) {
      throw new SigningException("cannot read " + what + " " + file + ": " + e.getMessage(), e);
    }
  }

  private static String firstLine(String s) {
    if (s == null) {
      return "unreadable";
    }
    int nl = s.indexOf('\n');
    return nl < 0 ? s : s.substring(0, nl);
  }

  /** Unused by production code; lets tests compare key material without depending on encodings. */
  static boolean samePoint(PublicKey a, PublicKey b) {
    return a instanceof ECPublicKey x && b instanceof ECPublicKey y && x.getW().equals(y.getW());
  }
}
