package dev.plumbline.record;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BuildRecordsTest {
  @TempDir Path tmp;

  static BuildRecord sample() {
    return BuildRecorderTest.build(100, Instant.parse("2026-01-01T00:00:00Z"), false,
        BuildRecorderTest.recorder(BuildRecorderTest.TRACKED));
  }

  @Test
  void writesSortedPrettyJsonWithTrailingNewlineAndReadsItBack() throws Exception {
    BuildRecord rec = sample();
    Path file = tmp.resolve("record.json");
    BuildRecords.write(rec, file);
    String json = Files.readString(file);
    assertEquals(BuildRecords.toJson(rec), json);
    assertTrue(json.endsWith("}\n") && !json.endsWith("\n\n"));
    assertTrue(json.startsWith("{\n  \"agent\" : {"), json.substring(0, 40));
    // top-level keys in alphabetical order
    int agent = json.indexOf("\n  \"agent\"");
    int completeness = json.indexOf("\n  \"completeness\"");
    int dns = json.indexOf("\n  \"dns\"");
    int files = json.indexOf("\n  \"files\"");
    int format = json.indexOf("\n  \"format\"");
    int tools = json.indexOf("\n  \"tools\"");
    assertTrue(agent < completeness && completeness < dns && dns < files && files < format && format < tools, json);
    assertFalse(json.contains("s3cr3t"), "argv secrets never reach the file");
    assertEquals(rec, BuildRecords.read(file));
    assertEquals(json, BuildRecords.toJson(BuildRecords.read(file)));
    // group/other may read it as the umask allows (not a temp file's 0600), and no temp file is left
    try (var listing = Files.list(tmp)) {
      assertEquals(java.util.List.of(file), listing.toList());
    }
    Path plain = Files.writeString(tmp.resolve("plain"), "x"); // what the umask gives an ordinary file
    assertEquals(Files.getPosixFilePermissions(plain), Files.getPosixFilePermissions(file));
    BuildRecords.write(rec, file); // replaces
    assertEquals(json, Files.readString(file));
  }

  @Test
  void oneLineErrors() throws Exception {
    Path missing = tmp.resolve("missing.json");
    assertEquals("cannot read record " + missing + ": no such file",
        assertThrows(RecordException.class, () -> BuildRecords.read(missing)).getMessage());

    Path broken = tmp.resolve("broken.json");
    Files.writeString(broken, "{\n  \"format\": \"https://plumbline.dev/record/v1\",\n  \"tools\": [\n");
    String m = assertThrows(RecordException.class, () -> BuildRecords.read(broken)).getMessage();
    assertTrue(m.startsWith(broken + ": malformed JSON: "), m);
    assertFalse(m.contains("\n"), m);

    Path wrongFormat = tmp.resolve("other.json");
    Files.writeString(wrongFormat, "{\"format\": \"https://example.com/x\", \"completeness\": {\"complete\": true, \"reasons\": []}}");
    assertEquals(wrongFormat + ": not a build record: format is \"https://example.com/x\", expected \""
            + BuildRecord.FORMAT + "\"",
        assertThrows(RecordException.class, () -> BuildRecords.read(wrongFormat)).getMessage());

    Path wrongType = tmp.resolve("type.json");
    Files.writeString(wrongType, "{\"format\": \"" + BuildRecord.FORMAT + "\", \"tools\": {\"a\": 1}}");
    String t = assertThrows(RecordException.class, () -> BuildRecords.read(wrongType)).getMessage();
    assertTrue(t.startsWith(wrongType + ": not a build record: "), t);
    assertTrue(t.contains("(in tools)"), t);
    assertFalse(t.contains("\n"), t);

    Path array = tmp.resolve("array.json");
    Files.writeString(array, "[]");
    String a = assertThrows(RecordException.class, () -> BuildRecords.read(array)).getMessage();
    assertTrue(a.startsWith(array + ": not a build record: "), a);

    Path noCompleteness = tmp.resolve("nc.json");
    Files.writeString(noCompleteness, "{\"format\": \"" + BuildRecord.FORMAT + "\"}");
    assertEquals(noCompleteness + ": not a build record: completeness is missing",
        assertThrows(RecordException.class, () -> BuildRecords.read(noCompleteness)).getMessage());
  }

  @Test
  void unknownPropertiesFromLaterVersionsAreIgnored() throws Exception {
    String json = BuildRecords.toJson(sample()).replaceFirst("\\{", "{\"addedLater\": {\"x\": 1},");
    assertEquals(sample(), BuildRecords.parse(json, "x.json"));
  }

  @Test
  void writeIntoMissingDirectoryCreatesItAndAnUnwritablePlaceIsAOneLineError() throws Exception {
    Path file = tmp.resolve("no/such/dir/record.json");
    BuildRecords.write(sample(), file);
    assertEquals(sample(), BuildRecords.read(file), "written into the directories it created");
    Path underAFile = tmp.resolve("no/such/dir/record.json/inside.json");
    String m = assertThrows(RecordException.class, () -> BuildRecords.write(sample(), underAFile)).getMessage();
    assertTrue(m.startsWith("cannot write record " + underAFile), m);
    assertEquals(1, m.lines().count(), m);
  }

  /** Truncated and corrupted records give a one-line RecordException, nothing else. */
  @Test
  void corruptedRecordsOnlyEverFailWithRecordException() {
    String json = BuildRecords.toJson(sample());
    java.util.Random r = new java.util.Random(7);
    int rejected = 0;
    for (int i = 0; i < 3000; i++) {
      String bad;
      if (i < json.length() && i % 2 == 0) {
        bad = json.substring(0, r.nextInt(json.length()));
      } else {
        char[] c = json.toCharArray();
        for (int k = 1 + r.nextInt(3); k > 0; k--) {
          String alphabet = "{}[]\":,0a-\\ ";
          c[r.nextInt(c.length)] = alphabet.charAt(r.nextInt(alphabet.length()));
        }
        bad = new String(c);
      }
      try {
        BuildRecords.parse(bad, "x.json");
      } catch (RecordException e) {
        rejected++;
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
        assertTrue(e.getMessage().startsWith("x.json: "), e.getMessage());
      }
    }
    assertTrue(rejected > 1000, "most corruptions must be rejected: " + rejected);
  }
}
