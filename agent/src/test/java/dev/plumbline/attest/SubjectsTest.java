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
    AttestException dir = assertThrows(AttestException.class, () -> Subjects.match(cwd, List.of("dist/")), "a directory is not a subject");
    assertTrue(dir.getMessage().equals("--subject 'dist/' is a directory: name its files, e.g. 'dist/*'"), dir.getMessage());
  }

  @Test
  void aSubjectThatLinksOutOfTheWorkingDirectoryIsRefused(@TempDir Path outside) throws Exception {
    Path secret = Files.writeString(Files.createDirectories(outside.resolve("sub")).resolve("secret"), "not the build's");
    Files.createSymbolicLink(cwd.resolve("out.txt"), secret);
    AttestException literal = assertThrows(AttestException.class, () -> Subjects.match(cwd, List.of("out.txt")));
    assertTrue(literal.getMessage().contains("link out of the working directory"), literal.getMessage());
    // through a linked directory, by glob
    Files.createSymbolicLink(cwd.resolve("dist"), outside);
    AttestException glob = assertThrows(AttestException.class, () -> Subjects.match(cwd, List.of("dist/sub/*")));
    assertTrue(glob.getMessage().contains("link out of the working directory"), glob.getMessage());
  }

  @Test
  void aLinkThatStaysInsideTheWorkingDirectoryIsFollowed() throws Exception {
    Files.createDirectories(cwd.resolve("build"));
    Files.writeString(cwd.resolve("build/app"), "app");
    Files.createSymbolicLink(cwd.resolve("app"), cwd.resolve("build/app"));
    List<Subject> s = Subjects.match(cwd, List.of("app"));
    assertEquals(1, s.size());
    assertEquals(Subjects.sha256Hex("app".getBytes(java.nio.charset.StandardCharsets.UTF_8)), s.get(0).digest().get("sha256"));
  }
}
