package dev.plumbline.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.plumbline.testing.Cli;
import dev.plumbline.testing.Coreutils;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A program whose ELF interpreter lies in a btrfs subvolume, as on hosts installed on btrfs
 * (Fedora, openSUSE): the maps show the filesystem's device for the loader and stat the
 * subvolume's, and inode numbers repeat across subvolumes, so the loader, which the tracer can only
 * reach by name, is taken for the mapping where the name cannot have been made another file (the
 * process shares the agent's view, the build is not root, the directories above it are root's and
 * writable by no one else) and not taken on trust in a mount namespace of the build's own.
 */
@Tag("needs-ptrace")
@Tag("needs-btrfs")
class BtrfsLoaderTest {
  @TempDir Path dir;
  /** Where the filesystem is mounted: in /run, root's and writable by root alone (not /tmp, which everyone can write). */
  private Path top;
  private Path mount;
  private Path loader;
  private Path program;

  private static void sh(String... command) throws Exception {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    assertTrue(p.waitFor(120, TimeUnit.SECONDS), String.join(" ", command));
    assertEquals(0, p.exitValue(), String.join(" ", command) + ": " + out);
  }

  @BeforeEach
  void btrfsWithASubvolume() throws Exception {
    Path image = dir.resolve("btrfs.img");
    sh("truncate", "-s", "160M", image.toString());
    sh("mkfs.btrfs", "-q", image.toString());
    top = Files.createTempDirectory(Path.of("/run"), "plumbline-btrfs");
    mount = Files.createDirectories(top.resolve("mnt"));
    sh("mount", "-o", "loop", image.toString(), mount.toString());
    // root's and writable by no one else, like /usr on such a host; nobody (the build) can enter
    sh("chmod", "0755", dir.toString(), top.toString(), mount.toString());
    Path sub = mount.resolve("sub");
    sh("btrfs", "subvolume", "create", sub.toString());
    loader = sub.resolve("ld-linux.so");
    sh("cp", "/lib64/ld-linux-x86-64.so.2", loader.toString());
    Path source = Files.writeString(dir.resolve("hello.c"), "int main(void) { return 0; }\n");
    program = sub.resolve("hello");
    sh("gcc", "-o", program.toString(), source.toString(), "-Wl,--dynamic-linker=" + loader);
  }

  @AfterEach
  void unmount() throws Exception {
    if (mount != null) {
      sh("umount", "-l", mount.toString());
    }
    if (top != null) {
      sh("rm", "-rf", top.toString());
    }
  }

  /** The build as {@code nobody} (separate-user: the tests run as root, and a root build can mount over any name). */
  private JsonNode run(String... build) throws Exception {
    Path record = dir.resolve("record.json");
    Files.deleteIfExists(record);
    List<String> args = new java.util.ArrayList<>(List.of("run", "--user", "nobody", "--record", record.toString(), "--"));
    args.addAll(List.of(build));
    Cli.Result r = Cli.run(args.toArray(String[]::new)).assertNoStackTrace();
    assertEquals(0, r.code(), r.err());
    return new ObjectMapper().readTree(record.toFile());
  }

  private Path runAsRoot(String... build) throws Exception {
    Path record = dir.resolve("root-record.json");
    List<String> args = new java.util.ArrayList<>(List.of("run", "--record", record.toString(), "--"));
    args.addAll(List.of(build));
    Cli.Result r = Cli.run(args.toArray(String[]::new)).assertNoStackTrace();
    assertEquals(0, r.code(), r.err());
    return record;
  }

  @Test
  void aLoaderInASubvolumeIsHashedAndTheRecordStaysComplete() throws Exception {
    // the case at issue: stat's device for the loader is the subvolume's, not the filesystem's
    assertNotEquals(Files.getAttribute(mount, "unix:dev"), Files.getAttribute(loader, "unix:dev"));
    JsonNode record = run(program.toString());
    assertTrue(record.path("completeness").path("complete").asBoolean(), record.path("completeness").toString());
    JsonNode entry = null;
    for (JsonNode library : record.path("libraries")) {
      if (library.path("path").asText().equals(loader.toString())) {
        entry = library;
      }
    }
    assertTrue(entry != null, "the loader is listed: " + record.path("libraries"));
    assertEquals(Coreutils.digest("sha256sum", loader), entry.path("sha256").asText());
  }

  @Test
  void aLoaderNamedInAMountNamespaceOfTheBuildsOwnIsNotTakenOnTrust() throws Exception {
    // there, a subvolume of the build's with the loader's inode number mounted over the name would
    // show the same device and inode in the maps: the record must say the loader was not hashed
    JsonNode record = run("unshare", "-Urm", program.toString());
    // and a root build is not taken at its word either, even in the agent's view
    JsonNode asRoot = new ObjectMapper().readTree(runAsRoot(program.toString()).toFile());
    assertFalse(asRoot.path("completeness").path("complete").asBoolean(), asRoot.path("completeness").toString());
    JsonNode completeness = record.path("completeness");
    assertFalse(completeness.path("complete").asBoolean(), completeness.toString());
    assertTrue(completeness.path("reasons").toString().contains("library not hashed: " + loader), completeness.toString());
    for (JsonNode library : record.path("libraries")) {
      assertFalse(library.path("path").asText().equals(loader.toString()) && library.hasNonNull("sha256"),
          "no digest is given on the name's word: " + library);
    }
  }
}
