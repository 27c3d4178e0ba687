package dev.plumbline.attest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CanonicalJsonTest {
  @Test
  void signedBytesArePureAsciiAndRoundTripTheSameText() throws Exception {
    Map<String, Object> value = Map.of("path", "src/café/ünïcode-✓.c", "argv", List.of("echo", "日本"));
    byte[] bytes = CanonicalJson.bytes(value);
    for (byte b : bytes) {
      assertTrue(b >= 0, "non-ASCII byte in signed payload: " + new String(bytes, "UTF-8"));
    }
    assertEquals(
        CanonicalJson.mapper().valueToTree(value), CanonicalJson.mapper().readTree(bytes),
        "escaping must not change what the payload says");
  }

  @Test
  void keysAreSortedAtEveryLevel() {
    String json = new String(CanonicalJson.bytes(Map.of("b", Map.of("z", 1, "a", 2), "a", 0)));
    assertEquals("{\"a\":0,\"b\":{\"a\":2,\"z\":1}}", json);
  }
}
