package dev.plumbline.sigstore;

import java.nio.charset.StandardCharsets;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.Collection;
import java.util.List;

/**
 * Who signed, read from a Fulcio certificate: the SAN identity, the OIDC issuer, and from the
 * Fulcio extensions (OIDs 1.3.6.1.4.1.57264.1.*) the CI context. Absent extensions are null.
 */
public record SignerInfo(
    String identity,
    String issuer,
    String repository,
    String workflowRef,
    String ref,
    String commit,
    String trigger,
    String runUri,
    Instant notBefore,
    Instant notAfter) {

  static final String OID_PREFIX = "1.3.6.1.4.1.57264.1.";
  // v2 extensions hold a DER UTF8String; the deprecated v1 ones (1..6) hold raw UTF-8 bytes
  static final String ISSUER_V1 = OID_PREFIX + "1";
  static final String TRIGGER_V1 = OID_PREFIX + "2";
  static final String SHA_V1 = OID_PREFIX + "3";
  static final String REPOSITORY_V1 = OID_PREFIX + "5";
  static final String REF_V1 = OID_PREFIX + "6";
  static final String ISSUER = OID_PREFIX + "8";
  static final String BUILD_SIGNER_URI = OID_PREFIX + "9";
  static final String SOURCE_REPOSITORY_URI = OID_PREFIX + "12";
  static final String SOURCE_REPOSITORY_DIGEST = OID_PREFIX + "13";
  static final String SOURCE_REPOSITORY_REF = OID_PREFIX + "14";
  static final String BUILD_CONFIG_URI = OID_PREFIX + "18";
  static final String BUILD_TRIGGER = OID_PREFIX + "20";
  static final String RUN_INVOCATION_URI = OID_PREFIX + "21";

  /** Reads the signer of a Fulcio leaf certificate. */
  public static SignerInfo of(X509Certificate leaf) throws SigstoreVerificationException {
    String identity = san(leaf);
    String issuer = first(derUtf8(leaf, ISSUER), raw(leaf, ISSUER_V1));
    if (issuer == null) {
      throw new SigstoreVerificationException("identity", "certificate has no OIDC issuer extension (1.3.6.1.4.1.57264.1.8)");
    }
    String repository = first(derUtf8(leaf, SOURCE_REPOSITORY_URI), githubRepo(raw(leaf, REPOSITORY_V1)));
    String workflowRef = first(derUtf8(leaf, BUILD_CONFIG_URI), derUtf8(leaf, BUILD_SIGNER_URI));
    return new SignerInfo(
        identity,
        issuer,
        repository,
        workflowRef,
        first(derUtf8(leaf, SOURCE_REPOSITORY_REF), raw(leaf, REF_V1)),
        first(derUtf8(leaf, SOURCE_REPOSITORY_DIGEST), raw(leaf, SHA_V1)),
        first(derUtf8(leaf, BUILD_TRIGGER), raw(leaf, TRIGGER_V1)),
        derUtf8(leaf, RUN_INVOCATION_URI),
        leaf.getNotBefore().toInstant(),
        leaf.getNotAfter().toInstant());
  }

  private static String githubRepo(String ownerSlashName) {
    return ownerSlashName == null ? null : "https://github.com/" + ownerSlashName;
  }

  private static String first(String a, String b) {
    return a != null ? a : b;
  }

  private static String san(X509Certificate leaf) throws SigstoreVerificationException {
    Collection<List<?>> sans;
    try {
      sans = leaf.getSubjectAlternativeNames();
    } catch (CertificateParsingException e) {
      throw new SigstoreVerificationException("identity", "certificate SAN is malformed", e);
    }
    if (sans == null || sans.size() != 1) {
      throw new SigstoreVerificationException(
          "identity", "certificate must have exactly one SAN, it has " + (sans == null ? 0 : sans.size()));
    }
    List<?> san = sans.iterator().next();
    int type = (Integer) san.get(0);
    if (type != 1 && type != 6) { // rfc822Name, uniformResourceIdentifier
      throw new SigstoreVerificationException("identity", "certificate SAN is neither an e-mail nor a URI");
    }
    return (String) san.get(1);
  }

  /** The extension's content (inside the OCTET STRING the JDK returns) as raw UTF-8. */
  static String raw(X509Certificate cert, String oid) {
    byte[] content = octets(cert.getExtensionValue(oid));
    return content == null ? null : new String(content, StandardCharsets.UTF_8);
  }

  /** The extension's content decoded as a DER UTF8String (or another string type). */
  static String derUtf8(X509Certificate cert, String oid) {
    byte[] content = octets(cert.getExtensionValue(oid));
    if (content == null) {
      return null;
    }
    Tlv tlv = Tlv.read(content, 0);
    if (tlv == null || !(tlv.tag == 0x0c || tlv.tag == 0x13 || tlv.tag == 0x16)) {
      return null;
    }
    return new String(content, tlv.start, tlv.length, StandardCharsets.UTF_8);
  }

  private static byte[] octets(byte[] extensionValue) {
    if (extensionValue == null) {
      return null;
    }
    Tlv tlv = Tlv.read(extensionValue, 0);
    if (tlv == null || tlv.tag != 0x04) {
      return null;
    }
    byte[] out = new byte[tlv.length];
    System.arraycopy(extensionValue, tlv.start, out, 0, tlv.length);
    return out;
  }

  /** One DER tag-length-value header: tag byte, where the value starts, and its length. */
  private record Tlv(int tag, int start, int length) {
    static Tlv read(byte[] b, int pos) {
      if (pos + 2 > b.length) {
        return null;
      }
      int tag = b[pos] & 0xff;
      int len = b[pos + 1] & 0xff;
      int start = pos + 2;
      if (len > 0x80) {
        int n = len & 0x7f;
        if (n > 3 || start + n > b.length) {
          return null;
        }
        len = 0;
        for (int i = 0; i < n; i++) {
          len = (len << 8) | (b[start + i] & 0xff);
        }
        start += n;
      } else if (len == 0x80) {
        return null; // indefinite length is not DER
      }
      return start + len <= b.length ? new Tlv(tag, start, len) : null;
    }
  }
}
