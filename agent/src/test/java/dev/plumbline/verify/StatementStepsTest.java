package dev.plumbline.verify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.plumbline.attest.Bundle;
import dev.plumbline.attest.CanonicalJson;
import dev.plumbline.attest.Dsse;
import dev.plumbline.attest.DsseEnvelope;
import dev.plumbline.sign.KeySigner;
import dev.plumbline.sign.Keys;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Steps on signed statements that are not ours: other predicate types, older statement types, a policy step appended. */
class StatementStepsTest {
  static final String SUBJECT = "a0cfc71271d6e278e57cd332ff957c3f7043fdda354c4cbb190a30d56efa01bf";

  private static Verdict verify(String statement, Verifier.Options options, VerificationStep extra) throws Exception {
    var pair = Keys.generateP256();
    KeySigner signer = new KeySigner(pair.getPrivate());
    byte[] payload = statement.getBytes(StandardCharsets.UTF_8);
    var signed = signer.sign(Dsse.pae(Dsse.IN_TOTO_PAYLOAD_TYPE, payload));
    Bundle b = Bundle.of(signed.material(), DsseEnvelope.of(Dsse.IN_TOTO_PAYLOAD_TYPE, payload, signed.signature(), signed.keyid()));
    Verifier v = Verifier.withKey(signer.publicKey(), options);
    if (extra != null) {
      v = v.then(extra);
    }
    return v.verify(CanonicalJson.tree(b), new Artifact(SUBJECT, null));
  }

  private static String statement(String type, String predicateType) {
    return "{\"_type\":\"" + type + "\",\"subject\":[{\"name\":\"a.txt\",\"digest\":{\"sha256\":\"" + SUBJECT + "\"}}],"
        + "\"predicateType\":\"" + predicateType + "\",\"predicate\":{\"buildType\":\"x\"}}";
  }

  @Test
  void otherPredicateTypesAreRejectedByDefaultAndAcceptedInInteropMode() throws Exception {
    String slsa = statement("https://in-toto.io/Statement/v1", "https://slsa.dev/provenance/v1");
    Verdict strict = verify(slsa, Verifier.Options.defaults(), null);
    assertFalse(strict.verified());
    assertTrue(strict.reason().startsWith("predicateType: 'https://slsa.dev/provenance/v1' is not"), strict.reason());
    Verdict any = verify(slsa, Verifier.Options.anyPredicateType(), null);
    assertTrue(any.verified(), any.reason());
    assertEquals(Check.Status.SKIP, any.checks().get(any.checks().size() - 1).status(), "completeness does not apply");
  }

  @Test
  void statementV01OnlyInInteropMode() throws Exception {
    String old = statement("https://in-toto.io/Statement/v0.1", "https://slsa.dev/provenance/v0.2");
    assertFalse(verify(old, Verifier.Options.defaults(), null).verified());
    assertTrue(verify(old, Verifier.Options.anyPredicateType(), null).verified());
    assertFalse(verify(statement("https://example/Statement", "p"), Verifier.Options.anyPredicateType(), null).verified());
  }

  @Test
  void anAppendedStepSeesTheSignedPredicateAndCanReject() throws Exception {
    String slsa = statement("https://in-toto.io/Statement/v1", "https://slsa.dev/provenance/v1");
    List<String> seen = new java.util.ArrayList<>();
    VerificationStep policy = ctx -> {
      seen.add(ctx.predicate().path("buildType").asText());
      ctx.add(Check.fail("policy", "buildType x is not allowed"));
    };
    Verdict v = verify(slsa, Verifier.Options.anyPredicateType(), policy);
    assertEquals(List.of("x"), seen);
    assertFalse(v.verified());
    assertEquals("policy: buildType x is not allowed", v.reason());
  }
}
