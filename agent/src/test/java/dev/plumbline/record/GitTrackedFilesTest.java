package dev.plumbline.record;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GitTrackedFilesTest {
  @TempDir Path tmp;

  @Test
  void parsesNulSeparatedOutput() {
    byte[] out = "Makefile\0src/main.c\0dir with space/é.txt\0".getBytes(StandardCharsets.UTF_8);
    GitTrackedFiles t = GitTrackedFiles.parse(out);
    assertTrue(t.available());
    assertEquals(Set.of("Makefile", "src/main.c", "dir with space/é.txt"), t.paths());
    assertTrue(t.tracks("src/main.c"));
    assertFalse(t.tracks("src/main.o"));
    assertEquals(Set.of(), GitTrackedFiles.parse(new byte[0]).paths());
    assertTrue(GitTrackedFiles.parse(new byte[0]).available());
  }

  private void git(Path dir, String... args) throws Exception {
    String[] cmd = new String[args.length + 1];
    cmd[0] = "git";
    System.arraycopy(args, 0, cmd, 1, args.length);
    Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(60, TimeUnit.SECONDS));
    assertEquals(0, p.exitValue(), out);
  }

  @Test
  void listsWhatARealCheckoutTracks() throws Exception {
    git(tmp, "init", "-q");
    Files.createDirectories(tmp.resolve("src"));
    Files.writeString(tmp.resolve("src/main.c"), "int main(void){return 0;}\n");
    Files.writeString(tmp.resolve("Makefile"), "all:\n");
    Files.writeString(tmp.resolve("untracked.txt"), "x\n");
    git(tmp, "add", "src/main.c", "Makefile");
    assertEquals(new GitTrackedFiles(true, Set.of("Makefile", "src/main.c")), GitTrackedFiles.of(tmp));
    // from a subdirectory, paths are relative to it
    assertEquals(new GitTrackedFiles(true, Set.of("main.c")), GitTrackedFiles.of(tmp.resolve("src")));
  }

  @Test
  void notACheckoutOrNoGit() {
    Path plain = tmp.resolve("plain");
    assertTrue(plain.toFile().mkdir());
    // GIT_CEILING_DIRECTORIES is not ours to set; a temp dir is not inside a checkout here
    assertEquals(GitTrackedFiles.none(), GitTrackedFiles.of(plain));
    assertEquals(GitTrackedFiles.none(), GitTrackedFiles.of(tmp, "/nonexistent/git"));
  }
}
