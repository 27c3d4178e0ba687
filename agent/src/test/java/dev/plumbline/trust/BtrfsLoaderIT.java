package dev.plumbline.trust;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.plumbline.testing.Coreutils;
import dev.plumbline.testing.Trees;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * A program whose ELF interpreter lies in a btrfs subvolume, as on hosts installed on btrfs
 * (Fedora, openSUSE), run through the real launcher. The maps show the filesystem's device for the
 * loader and stat the subvolume's, and inode numbers repeat across subvolumes, so the loader,
 * which the tracer can only reach by name, is taken for the mapping only where the name cannot
 * have been made another file: the process shares the agent's view, the build cannot be root (an
 * unprivileged agent, here nobody through setpriv), and the directories above it are root's and
 * writable by no one else. Everywhere else the record says the loader was not hashed.
 */
@Tag("needs-btrfs")
class BtrfsLoaderIT {
  /** In /run, root's and writable by root alone (not /tmp, which everyone can write). */
  static Path top;
  static Path mount;
  static Path loader;
  static Path program;
  static Path work;

  private static void sh(String... command) throws Exception {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    assertTrue(p.waitFor(120, TimeUnit.SECONDS), String.join(" ", command));
    assertEquals(0, p.exitValue(), String.join(" ", command) + ": " + out);
  }

  @BeforeAll
  static void btrfsWithASubvolume() throws Exception {
    top = Files.createTempDirectory(Path.of("/run"), "plumbline-btrfs");
    Files.setPosixFilePermissions(top, PosixFilePermissions.fromString("rwxr-xr-x"));
    Path image = top.resolve("btrfs.img");
    sh("truncate", "-s", "160M", image.toString());
    sh("mkfs.btrfs", "-q", image.toString());
    mount = Files.createDirectories(top.resolve("mnt"));
    sh("mount", "-o", "loop", image.toString(), mount.toString());
    sh("chmod", "0755", mount.toString());
    Path sub = mount.resolve("sub");
    sh("btrfs", "subvolume", "create", sub.toString());
    loader = sub.resolve("ld-linux.so");
    sh("cp", "/lib64/ld-linux-x86-64.so.2", loader.toString());
    Path source = Files.writeString(top.resolve("hello.c"), "int main(void) { return 0; }\n");
    program = sub.resolve("hello");
    sh("gcc", "-o", program.toString(), source.toString(), "-Wl,--dynamic-linker=" + loader);
    work = Files.createDirectories(top.resolve("work"));
    Files.setAttribute(work, "unix:uid", TrustBoundaryIT.NOBODY);
    Files.setAttribute(work, "unix:gid", TrustBoundaryIT.NOBODY);
  }

  @AfterAll
  static void unmount() throws Exception {
    if (mount != null) {
      sh("umount", "-l", mount.toString());
    }
    if (top != null) {
      Trees.delete(top);
    }
  }

  private static JsonNode record(Path record, TrustBoundaryIT.Run run) throws Exception {
    assertEquals(0, run.code(), run.output());
    return new ObjectMapper().readTree(record.toFile());
  }

  private static List<String> run(Path record, String... build) {
    List<String> argv = new ArrayList<>(List.of(TrustBoundaryIT.LAUNCHER.toString(), "run", "--record", record.toString(), "--"));
    argv.addAll(List.of(build));
    return argv;
  }

  @Test
  void aLoaderInASubvolumeIsHashedAndTheRecordStaysComplete() throws Exception {
    // the case at issue: stat's device for the loader is the subvolume's, not the filesystem's
    assertNotEquals(Files.getAttribute(mount, "unix:dev"), Files.getAttribute(loader, "unix:dev"));
    Path file = work.resolve("same-view.json");
    JsonNode record = record(file, TrustBoundaryIT.asNobody(work, Map.of(), "", run(file, program.toString())));
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
  void aLoaderNamedInAMountNamespaceOfTheBuildsOwnOrByABuildThatMayBeRootIsNotTakenOnTrust() throws Exception {
    // in its own namespace a subvolume of the build's with the loader's inode number mounted over
    // the name would show the same device and inode in the maps; a build that may be root (build-root,
    // or separate-user, where a root agent's filter lets sudo elevate) can mount over it anywhere
    Path own = work.resolve("own-view.json");
    Path root = top.resolve("build-root.json");
    Path separate = top.resolve("separate-user.json");
    List<JsonNode> records = List.of(
        record(own, TrustBoundaryIT.asNobody(work, Map.of(), "", run(own, "unshare", "-Urm", program.toString()))),
        record(root, asRoot(run(root, program.toString()))),
        record(separate, asRoot(run(separate, program.toString()), "--user", "nobody")));
    for (JsonNode record : records) {
      JsonNode completeness = record.path("completeness");
      assertFalse(completeness.path("complete").asBoolean(), completeness.toString());
      assertTrue(completeness.path("reasons").toString().contains("library not hashed: " + loader), completeness.toString());
      for (JsonNode library : record.path("libraries")) {
        assertFalse(library.path("path").asText().equals(loader.toString()) && library.hasNonNull("sha256"),
            "no digest is given on the name's word: " + library);
      }
    }
  }

  /** The launcher as root, the options after {@code run} given first. */
  private static TrustBoundaryIT.Run asRoot(List<String> argv, String... runOptions) throws Exception {
    List<String> cmd = new ArrayList<>(argv.subList(0, 2));
    cmd.addAll(List.of(runOptions));
    cmd.addAll(argv.subList(2, argv.size()));
    ProcessBuilder pb = new ProcessBuilder(cmd).directory(work.toFile()).redirectErrorStream(true)
        .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes());
    assertTrue(p.waitFor(300, TimeUnit.SECONDS), out);
    return new TrustBoundaryIT.Run(p.exitValue(), out);
  }
}
