package dev.plumbline.verify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.plumbline.attest.CanonicalJson;
import dev.plumbline.sign.Keys;
import dev.plumbline.testing.Attestations;
import dev.plumbline.testing.Cli;
import dev.plumbline.testing.Records;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every node of a valid bundle replaced by values of other types, and random byte damage: the
 * verifier never throws, and whatever it accepts still carries the payload that was signed.
 */
class BundleMutationTest {
  @TempDir Path dir;

  @Test
  void structuralMutationsNeverCrashAndNeverVerifyForeignContent() throws Exception {
    assertEquals(0, Cli.run("keygen", "--prefix", dir.resolve("k").toString()).code());
    Path artifact = Files.writeString(dir.resolve("a.bin"), "artifact");
    var result = Attestations.sign(dir, dir.resolve("k.key"), Map.of(), Records.sample(true), List.of("a.bin"));
    JsonNode original = CanonicalJson.mapper().readTree(result.bundle().toFile());
    String signedPayload = original.at("/dsseEnvelope/payload").asText();
    Verifier verifier = Verifier.withKey(Keys.readPublicKey(dir.resolve("k.pub")), Verifier.Options.defaults());
    Artifact a = Artifact.parse(artifact.toString());
    assertTrue(verifier.verify(original, a).verified());

    List<Supplier<JsonNode>> replacements = List.of(
        () -> JsonNodeFactory.instance.nullNode(),
        () -> JsonNodeFactory.instance.numberNode(7),
        () -> JsonNodeFactory.instance.textNode("x"),
        () -> JsonNodeFactory.instance.textNode(""),
        () -> JsonNodeFactory.instance.objectNode(),
        () -> JsonNodeFactory.instance.arrayNode(),
        () -> JsonNodeFactory.instance.booleanNode(true));
    List<String> pointers = new ArrayList<>();
    collect(original, "", pointers);
    int runs = 0;
    for (String pointer : pointers) {
      for (Supplier<JsonNode> r : replacements) {
        JsonNode mutated = replace(original, pointer, r.get());
        Verdict v = verifier.verify(mutated, a);
        runs++;
        if (v.verified()) {
          assertEquals(signedPayload, mutated.at("/dsseEnvelope/payload").asText(), "verified only with the signed payload: " + pointer);
        } else {
          assertFalse(v.reason().isBlank());
          assertFalse(v.reason().contains("\n"), v.reason());
        }
      }
    }
    assertTrue(runs > 50, "mutated " + runs + " times");
  }

  @Test
  void randomByteDamageIsRejectedInOneLineThroughTheCli() throws Exception {
    assertEquals(0, Cli.run("keygen", "--prefix", dir.resolve("k").toString()).code());
    Path artifact = Files.writeString(dir.resolve("a.bin"), "artifact");
    var result = Attestations.sign(dir, dir.resolve("k.key"), Map.of(), Records.sample(true), List.of("a.bin"));
    byte[] good = Files.readAllBytes(result.bundle());
    Random random = new Random(42);
    for (int i = 0; i < 40; i++) {
      byte[] bad = good.clone();
      int at = random.nextInt(bad.length);
      bad[at] = (byte) (bad[at] ^ (1 + random.nextInt(255)));
      Path f = Files.write(dir.resolve("bad" + i + ".json"), bad);
      Cli.Result r = Cli.run("verify", "--bundle", f.toString(), "--key", dir.resolve("k.pub").toString(), artifact.toString())
          .assertNoStackTrace();
      assertTrue(r.code() == 0 || r.code() == 1 || r.code() == 2, "exit " + r.code());
      if (r.code() == 0) {
        // damage outside what is signed (e.g. whitespace, the key hint) may leave the signature intact
        JsonNode parsed = CanonicalJson.mapper().readTree(bad);
        assertEquals(CanonicalJson.mapper().readTree(good).at("/dsseEnvelope/payload"), parsed.at("/dsseEnvelope/payload"));
      } else if (r.code() == 2) {
        assertEquals(1, r.err().lines().count(), r.err());
      } else {
        assertEquals(1, r.err().lines().filter(l -> l.startsWith("REJECTED: ")).count(), r.err());
      }
    }
  }

  private static void collect(JsonNode node, String pointer, List<String> out) {
    if (!pointer.isEmpty()) {
      out.add(pointer);
    }
    if (node.isObject()) {
      node.fieldNames().forEachRemaining(n -> collect(node.get(n), pointer + "/" + n, out));
    } else if (node.isArray()) {
      for (int i = 0; i < node.size(); i++) {
        collect(node.get(i), pointer + "/" + i, out);
      }
    }
  }

  private static JsonNode replace(JsonNode root, String pointer, JsonNode value) {
    JsonNode copy = root.deepCopy();
    int slash = pointer.lastIndexOf('/');
    JsonNode parent = slash == 0 ? copy : copy.at(pointer.substring(0, slash));
    String last = pointer.substring(slash + 1);
    if (parent instanceof ObjectNode o) {
      o.set(last, value);
    } else if (parent instanceof ArrayNode arr) {
      arr.set(Integer.parseInt(last), value);
    }
    return copy;
  }
}
