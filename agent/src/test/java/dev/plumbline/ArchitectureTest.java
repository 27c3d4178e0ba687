package dev.plumbline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** Keeps the layering the style guide asks for, by reading the sources. */
class ArchitectureTest {
  private static final Path MAIN = Path.of("src/main/java/dev/plumbline");

  private static List<Path> sources() throws IOException {
    try (Stream<Path> s = Files.walk(MAIN)) {
      return s.filter(p -> p.toString().endsWith(".java")).sorted().toList();
    }
  }

  private static List<String> offenders(String needle, String allowedPackageDir) throws IOException {
    return sources().stream()
        .filter(p -> !MAIN.relativize(p).toString().startsWith(allowedPackageDir + "/"))
        .filter(p -> read(p).contains(needle))
        .map(p -> MAIN.relativize(p).toString())
        .toList();
  }

  private static String read(Path p) {
    try {
      return Files.readString(p);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  @Test
  void sourcesAreFound() throws IOException {
    assertTrue(sources().size() > 5, "the test must actually read the sources");
  }

  @Test
  void jnaIsUsedOnlyInTheLinuxBindingsPackage() throws IOException {
    assertEquals(List.of(), offenders("com.sun.jna", "linux"));
  }

  @Test
  void libraryCodeDoesNotPrint() throws IOException {
    List<String> printing =
        sources().stream()
            .filter(p -> !MAIN.relativize(p).toString().startsWith("cli/"))
            .filter(p -> read(p).matches("(?s).*System\\.(out|err)\\.print.*"))
            .map(p -> MAIN.relativize(p).toString())
            .toList();
    assertEquals(List.of(), printing, "only the CLI decides what a person sees");
  }
}
