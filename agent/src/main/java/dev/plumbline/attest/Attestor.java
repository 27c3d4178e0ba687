package dev.plumbline.attest;

import com.fasterxml.jackson.databind.JsonNode;
import dev.plumbline.attest.Statement.Subject;
import dev.plumbline.sign.Signer;
import dev.plumbline.sign.SigningException;
import dev.plumbline.sign.VerificationMaterial;
import java.util.List;

/** Statement → DSSE → signature → bundle. Pure: reads and writes no files. */
public final class Attestor {
  private final Signer signer;

  public Attestor(Signer signer) {
    this.signer = signer;
  }

  /** The in-toto statement for these subjects over this predicate, serialized canonically. */
  public static byte[] statementBytes(List<Subject> subjects, JsonNode predicate) {
    return CanonicalJson.bytes(Statement.of(subjects, Predicate.TYPE, predicate));
  }

  public Bundle sign(byte[] statement) throws SigningException {
    byte[] pae = Dsse.pae(Dsse.IN_TOTO_PAYLOAD_TYPE, statement);
    Signer.Signed signed = signer.sign(pae);
    DsseEnvelope envelope = DsseEnvelope.of(Dsse.IN_TOTO_PAYLOAD_TYPE, statement, signed.signature(), signed.keyid());
    VerificationMaterial material =
        signer.complete(new Signer.SignedEnvelope(Dsse.IN_TOTO_PAYLOAD_TYPE, statement, signed.signature()), signed);
    return Bundle.of(material, envelope);
  }
}
