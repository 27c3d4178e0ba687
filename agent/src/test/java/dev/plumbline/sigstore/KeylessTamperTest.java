package dev.plumbline.sigstore;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every security-relevant field of a real DSSE bundle (GitHub Actions provenance), changed in one
 * character at several places: each change is rejected with a one-line SigstoreException, never
 * accepted and never an unchecked exception.
 */
class KeylessTamperTest {
  static final ObjectMapper JSON = new ObjectMapper();

  record Mutation(String field, int position) {
    @Override
    public String toString() {
      return field + "@" + position;
    }
  }

  static final List<String> FIELDS = List.of(
      "/dsseEnvelope/payload",
      "/dsseEnvelope/payloadType",
      "/dsseEnvelope/signatures/0/sig",
      "/verificationMaterial/certificate/rawBytes",
      "/verificationMaterial/tlogEntries/0/canonicalizedBody",
      "/verificationMaterial/tlogEntries/0/inclusionPromise/signedEntryTimestamp",
      "/verificationMaterial/tlogEntries/0/inclusionProof/rootHash",
      "/verificationMaterial/tlogEntries/0/inclusionProof/hashes/0",
      "/verificationMaterial/tlogEntries/0/inclusionProof/checkpoint/envelope",
      "/verificationMaterial/tlogEntries/0/logId/keyId",
      "/verificationMaterial/tlogEntries/0/integratedTime",
      "/verificationMaterial/tlogEntries/0/logIndex");

  static JsonNode original() throws Exception {
    return JSON.readTree(Files.readString(KeylessBundleVerifierTest.sample("bundle.dsse.sigstore")));
  }

  static Stream<Mutation> mutations() throws Exception {
    JsonNode b = original();
    List<Mutation> out = new ArrayList<>();
    for (String f : FIELDS) {
      int len = b.at(f).asText().length();
      for (int pos : new int[] {0, len / 3, len / 2, len - 5}) {
        out.add(new Mutation(f, Math.max(0, Math.min(pos, len - 1))));
      }
    }
    return out.stream().distinct();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("mutations")
  void aChangedCharacterIsRejected(Mutation m) throws Exception {
    JsonNode b = original();
    String value = b.at(m.field()).asText();
    char c = value.charAt(m.position());
    char replacement = c == 'A' ? 'B' : c == '0' ? '1' : (Character.isDigit(c) ? '0' : 'A');
    String changed = value.substring(0, m.position()) + replacement + value.substring(m.position() + 1);
    int slash = m.field().lastIndexOf('/');
    JsonNode parent = b.at(m.field().substring(0, slash));
    String key = m.field().substring(slash + 1);
    if (parent.isArray()) {
      ((com.fasterxml.jackson.databind.node.ArrayNode) parent).set(Integer.parseInt(key), changed);
    } else {
      ((ObjectNode) parent).put(key, changed);
    }
    SigstoreException e = assertThrows(SigstoreException.class, () -> {
      var bundle = Bundles.parse(JSON.writeValueAsString(b), "tampered");
      KeylessBundleVerifier.create(TrustRoots.publicGood()).verify(bundle,
          ArtifactDigest.ofFile(KeylessBundleVerifierTest.sample("artifact.txt")),
          CertificateIdentity.exact(KeylessBundleVerifierTest.GH_IDENTITY, KeylessBundleVerifierTest.GH_ISSUER));
    }, "accepted after changing " + m);
    assertFalse(e.getMessage().contains("\n"), e.getMessage());
    assertTrue(e.getMessage().length() > 10, e.getMessage());
  }
}
