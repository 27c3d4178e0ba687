package dev.plumbline.attest;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class DsseTest {
  @Test
  void paeMatchesTheSpecTestVector() {
    byte[] pae = Dsse.pae("http://example.com/HelloWorld", "hello world".getBytes(StandardCharsets.UTF_8));
    assertArrayEquals("DSSEv1 29 http://example.com/HelloWorld 11 hello world".getBytes(StandardCharsets.US_ASCII), pae);
  }

  @Test
  void paeCountsBytesNotCharacters() {
    byte[] payload = "é".getBytes(StandardCharsets.UTF_8); // 2 bytes, 1 char
    assertEquals("DSSEv1 1 t 2 é", new String(Dsse.pae("t", payload), StandardCharsets.UTF_8));
  }

  @Test
  void emptyPayloadIsEncodedWithZeroLength() {
    assertEquals("DSSEv1 1 t 0 ", new String(Dsse.pae("t", new byte[0]), StandardCharsets.US_ASCII));
  }

  @Test
  void canonicalJsonSortsKeysAtEveryLevel() {
    var tree = CanonicalJson.mapper().createObjectNode();
    tree.putObject("b").put("z", 1).put("a", 2);
    tree.put("a", true);
    assertEquals("{\"a\":true,\"b\":{\"a\":2,\"z\":1}}", CanonicalJson.string(tree));
  }
}
