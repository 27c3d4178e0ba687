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
      JsonNode node = CanonicalJson.mapper().readTree(bytes);
      if (node == null || !node.isObject()) {
        throw new VerifyException("bundle " + source + " is not a JSON object");
      }
      return node;
    } catch (JsonProcessingException e) {
      String where = e.getLocation() == null ? "" : " at line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr();
      throw new VerifyException("bundle " + source + " is not valid JSON" + where + ": " + firstLine(e.getOriginalMessage()));
    } catch (IOException e) {
      throw new VerifyException("cannot read bundle " + source + ": " + e.getMessage(), e);
    }
  }

  private static String firstLine(String s) {
    return s == null ? "malformed" : s.lines().findFirst().orElse("malformed").strip();
  }
}
