package dev.plumbline.verify;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.plumbline.attest.CanonicalJson;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/** Reads a bundle file as JSON; what is not JSON at all is unreadable input, not a rejection. */
public final class BundleFile {
  private BundleFile() {}

  public static JsonNode read(Path file) throws VerifyException {
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(file);
    } catch (NoSuchFileException e) {
      throw new VerifyException("bundle " + file + " does not exist");
    } catch (IOException e) {
      throw new VerifyException("cannot read bundle " + file + ": " + e.getMessage(), e);
    }
    return parse(bytes, file.toString());
  }

  public static JsonNode parse(byte[] bytes, String source) throws VerifyException {
    if (bytes.length == 0) {
      throw new VerifyException("bundle " + source + " is empty");
    }
    try {
      JsonNode node = CanonicalJson.strictMapper().readTree(bytes);
      if (node == null || !node.isObject()) {
        throw new VerifyException("bundle " + source + " is not a JSON object");
      }
      return node;
    } catch (com.fasterxml.jackson.core.exc.StreamReadException e) {
      if (isDuplicateKey(e)) {
        throw new MalformedBundleException("bundle " + source + " has a duplicate key: " + firstLine(e.getOriginalMessage()));
      }
      String where = e.getLocation() == null ? "" : " at line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr();
      throw new VerifyException("bundle " + source + " is not valid JSON" + where + ": " + firstLine(e.getOriginalMessage()));
    } catch (JsonProcessingException e) {
      String where = e.getLocation() == null ? "" : " at line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr();
      throw new VerifyException("bundle " + source + " is not valid JSON" + where + ": " + firstLine(e.getOriginalMessage()));
    } catch (IOException e) {
      throw new VerifyException("cannot read bundle " + source + ": " + e.getMessage(), e);
    }
  }

  /**
   * Valid JSON that a strict reader refuses (a key twice in one object, at any level): a
   * rejection, not unreadable input, since someone made it to be read two ways.
   */
  public static final class MalformedBundleException extends VerifyException {
    MalformedBundleException(String message) {
      super(message);
    }
  }

  /** Whether Jackson refused the input for a key that appears twice in one object. */
  public static boolean isDuplicateKey(JsonProcessingException e) {
    String m = e.getOriginalMessage();
    return m != null && m.startsWith("Duplicate field");
  }

  private static String firstLine(String s) {
    return s == null ? "malformed" : s.lines().findFirst().orElse("malformed").strip();
  }
}
