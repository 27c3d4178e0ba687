package dev.plumbline.trace.decode;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import dev.plumbline.redact.ArgvRedactor;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Tracee memory is attacker-controlled: decoders must answer or throw {@link DecodeException},
 * never anything else, on any bytes. Seeded, so a failure reproduces.
 */
class DecoderFuzzTest {
  private static final int ROUNDS = 20_000;

  private static byte[] bytes(Random r, int max) {
    byte[] b = new byte[r.nextInt(max + 1)];
    r.nextBytes(b);
    if (b.length >= 2 && r.nextBoolean()) {
      int[] families = {0, 1, 2, 10, 16, 17, 0xffff};
      int f = families[r.nextInt(families.length)];
      b[0] = (byte) f;
      b[1] = (byte) (f >>> 8);
    }
    return b;
  }

  @Test
  void socketAddresses() {
    Random r = new Random(1);
    int decoded = 0;
    for (int i = 0; i < ROUNDS; i++) {
      byte[] b = bytes(r, 140);
      try {
        SocketAddress a = SocketAddress.decode(b);
        assertNotNull(a.family());
        assertNotNull(a.display());
        assertFalse(a.display().contains("\n"), a.display());
        decoded++;
      } catch (DecodeException e) {
        assertFalse(e.getMessage().contains("\n"));
      }
    }
    assertFalse(decoded == 0 || decoded == ROUNDS, "both outcomes must be exercised: " + decoded);
  }

  @Test
  void messageHeadersAndSocketCalls() {
    Random r = new Random(2);
    for (int i = 0; i < ROUNDS; i++) {
      Abi abi = Abi.values()[r.nextInt(Abi.values().length)];
      byte[] b = bytes(r, 200);
      try {
        MessageHeaders.MsgName n = MessageHeaders.message(b, r.nextInt(64) - 8, abi).name();
        assertFalse(n.length() < 0);
      } catch (DecodeException e) {
        assertFalse(e.getMessage().contains("\n"));
      }
      try {
        MessageHeaders.messages(b, r.nextInt(8) - 1, abi);
      } catch (DecodeException e) {
        assertFalse(e.getMessage().contains("\n"));
      }
      try {
        SocketCall c = SocketCall.decode(r.nextInt(25) - 2, b, abi);
        assertEquals(SocketCall.argWords(c.name()), c.args().length);
      } catch (DecodeException e) {
        assertFalse(e.getMessage().contains("\n"));
      }
    }
  }

  @Test
  void cmdlineAndRedaction() {
    Random r = new Random(3);
    String alphabet = "aA0-_=:/@?&%.,'\" \t\n\\{}eyJghp_AKIA-pPuU";
    for (int i = 0; i < ROUNDS / 4; i++) {
      List<String> argv = Cmdline.parse(bytes(r, 80));
      List<String> words = new ArrayList<>(argv);
      for (int w = r.nextInt(6); w > 0; w--) {
        StringBuilder sb = new StringBuilder();
        for (int c = r.nextInt(30); c > 0; c--) {
          sb.append(alphabet.charAt(r.nextInt(alphabet.length())));
        }
        words.add(sb.toString());
      }
      List<String> once = ArgvRedactor.redact(words);
      assertEquals(words.size(), once.size());
      assertEquals(once, ArgvRedactor.redact(once), "redaction must be idempotent for " + words);
    }
  }
}
