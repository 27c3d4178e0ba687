package dev.plumbline.attest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.plumbline.attest.Statement.Subject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SubjectsTest {
  @TempDir Path cwd;

  private void touch(String rel, String content) throws Exception {
    Path p = cwd.resolve(rel);
    Files.createDirectories(p.getParent());
    Files.writeString(p, content);
  }

  @Test
  void globsMatchRelativeToTheWorkingDirectorySortedAndDeduplicated() throws Exception {
    touch("dist/b.tar.gz", "b");
    touch("dist/a.tar.gz", "a");
    touch("dist/sub/c.tar.gz", "c");
    touch("dist/readme.txt", "r");
    touch("app.jar", "j");
    List<Subject> s = Subjects.match(cwd, List.of("dist/*.tar.gz", "./app.jar", "dist/a.tar.gz"));
    assertEquals(List.of("app.jar", "dist/a.tar.gz", "dist/b.tar.gz"), s.stream().map(Subject::name).toList());
    assertEquals(Subjects.sha256Hex("a".getBytes()), s.get(1).digest().get("sha256"));
    List<Subject> deep = Subjects.match(cwd, List.of("dist/**.tar.gz"));
    assertEquals(List.of("dist/a.tar.gz", "dist/b.tar.gz", "dist/sub/c.tar.gz"), deep.stream().map(Subject::name).toList());
    assertEquals(List.of("dist/readme.txt"), Subjects.match(cwd, List.of("*/*.txt")).stream().map(Subject::name).toList());
  }

  @Test
  void aGlobThatMatchesNothingIsAnErrorNamingIt() throws Exception {
    touch("dist/a.tar.gz", "a");
    AttestException e = assertThrows(AttestException.class, () -> Subjects.match(cwd, List.of("dist/*.tar.gz", "dist/*.zip")));
    assertTrue(e.getMessage().contains("'dist/*.zip' matched no file"), e.getMessage());
    assertThrows(AttestException.class, () -> Subjects.match(cwd, List.of("missing/*.jar")));
    assertThrows(AttestException.class, () -> Subjects.match(cwd, List.of("dist")), "a directory is not a subject");
  }
}
