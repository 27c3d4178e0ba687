package dev.plumbline.sign;

import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.util.Map;

/** Signs with a local ECDSA P-256 key (SHA-256, DER signatures), as written by {@code plumbline keygen}. */
public final class KeySigner implements Signer {
  private final PrivateKey privateKey;
  private final PublicKey publicKey;
  private final String hint;

  public KeySigner(PrivateKey privateKey) throws SigningException {
    this.privateKey = privateKey;
    this.publicKey = Keys.publicKeyOf(privateKey);
    this.hint = Keys.hint(publicKey);
  }

  /** Reads the key file, decrypting it with the password from {@link Keys#PASSWORD_ENV} in {@code env}. */
  public static KeySigner fromFile(Path keyFile, Map<String, String> env) throws SigningException {
    String password = env.get(Keys.PASSWORD_ENV);
    return new KeySigner(Keys.readPrivateKey(keyFile, password == null ? null : password.toCharArray()));
  }

  /** From PEM text (a CI secret that never touches the disk), with the password from {@code env} as above. */
  public static KeySigner fromPem(String pem, String source, Map<String, String> env) throws SigningException {
    String password = env.get(Keys.PASSWORD_ENV);
    return new KeySigner(Keys.parsePrivateKey(pem, source, password == null ? null : password.toCharArray()));
  }

  public PublicKey publicKey() {
    return publicKey;
  }

  @Override
  public Signed sign(byte[] pae) throws SigningException {
    try {
      Signature s = Signature.getInstance("SHA256withECDSA");
      s.initSign(privateKey);
      s.update(pae);
      return new Signed(s.sign(), hint, VerificationMaterial.publicKeyHint(hint));
    } catch (GeneralSecurityException e) {
      throw new SigningException("signing failed: " + e.getMessage(), e);
    }
  }
}
