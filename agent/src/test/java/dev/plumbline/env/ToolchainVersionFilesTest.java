package dev.plumbline.env;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Versions read from a toolchain's files instead of starting a JVM or node (the slow probes before a signed build). */
class ToolchainVersionFilesTest {
  @TempDir Path dir;

  private Path executable(Path p) throws Exception {
    Files.createDirectories(p.getParent());
    Files.writeString(p, "#!/bin/sh\nexit 1\n");
    Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
    return p;
  }

  @Test
  void aJdkMavenAndNpmAreReadFromTheirFiles() throws Exception {
    Path java = executable(dir.resolve("jdk/bin/java"));
    Files.writeString(dir.resolve("jdk/release"), "IMPLEMENTOR=\"Acme\"\nJAVA_RUNTIME_VERSION=\"21.0.2+13\"\nJAVA_VERSION=\"21.0.2\"\n");
    assertEquals(Optional.of("java 21.0.2+13 (Acme)"), ToolchainInventory.versionFromFiles("java", java));

    Path mvn = executable(dir.resolve("maven/bin/mvn"));
    Files.createDirectories(dir.resolve("maven/lib"));
    try (OutputStream out = Files.newOutputStream(dir.resolve("maven/lib/maven-core-3.x.jar"));
        ZipOutputStream zip = new ZipOutputStream(out)) {
      zip.putNextEntry(new ZipEntry("META-INF/maven/org.apache.maven/maven-core/pom.properties"));
      zip.write("groupId=org.apache.maven\nversion=3.9.6\n".getBytes(StandardCharsets.UTF_8));
    }
    assertEquals(Optional.of("Apache Maven 3.9.6"), ToolchainInventory.versionFromFiles("mvn", mvn));

    Path npm = executable(dir.resolve("npm/bin/npm-cli.js"));
    Files.writeString(dir.resolve("npm/package.json"),
        "{\"name\": \"npm\", \"engines\": {\"version\": \"0.0.1\"}, \"files\": [\"x\"], \"version\": \"10.2.4\"}");
    Path link = Files.createSymbolicLink(dir.resolve("npm-link"), npm);
    assertEquals(Optional.of("10.2.4"), ToolchainInventory.versionFromFiles("npm", link), "found from the real path");
  }

  @Test
  void anUnknownLayoutIsAskedInstead() throws Exception {
    Path wrapper = executable(dir.resolve("shims/java"));
    assertEquals(Optional.empty(), ToolchainInventory.versionFromFiles("java", wrapper));
    assertEquals(Optional.empty(), ToolchainInventory.versionFromFiles("mvn", executable(dir.resolve("x/bin/mvn"))));
    assertEquals(Optional.empty(), ToolchainInventory.versionFromFiles("gcc", executable(dir.resolve("y/bin/gcc"))));
  }

  /** pyenv's shim for python3, as {@code pyenv rehash} writes it. */
  private Path pyenvShim(Path root) throws Exception {
    Path shim = dir.resolve(root).resolve("shims/python3");
    Files.createDirectories(shim.getParent());
    Files.writeString(shim, "#!/usr/bin/env bash\nset -e\n[ -n \"$PYENV_DEBUG\" ] && set -x\n\nprogram=\"${0##*/}\"\n\n"
        + "export PYENV_ROOT=\"" + root + "\"\nexec \"" + root + "/libexec/pyenv\" exec \"$program\" \"$@\"\n");
    Files.setPosixFilePermissions(shim, PosixFilePermissions.fromString("rwxr-xr-x"));
    executable(root.resolve("versions/3.11.7/bin/python3"));
    Files.createDirectories(root.resolve("versions/3.11.7/include/python3.11"));
    Files.writeString(root.resolve("versions/3.11.7/include/python3.11/patchlevel.h"),
        "#define PY_MINOR_VERSION        11\n#define PY_VERSION              \"3.11.7\"\n");
    return shim;
  }

  @Test
  void aPyenvShimIsAnsweredFromTheVersionPyenvWouldPick() throws Exception {
    Path root = dir.resolve("pyenv");
    Path shim = pyenvShim(root);
    Path probeDir = Files.createDirectories(dir.resolve("probe-dir"));
    Files.writeString(root.resolve("version"), "# global\n3.11.7\n");
    assertEquals(Optional.of("Python 3.11.7"), ToolchainInventory.pyenvShimVersion(shim, probeDir));
    // the probe's directory has a .python-version of its own: that one wins, and "system" is asked
    Files.writeString(probeDir.resolve(".python-version"), "system\n");
    assertEquals(Optional.empty(), ToolchainInventory.pyenvShimVersion(shim, probeDir));
    Files.delete(probeDir.resolve(".python-version"));
    // a version pyenv does not have, or one without python3, is asked too
    Files.writeString(root.resolve("version"), "3.12.1\n");
    assertEquals(Optional.empty(), ToolchainInventory.pyenvShimVersion(shim, probeDir));
    // a shim of another root (copied elsewhere) is not trusted to be pyenv's
    Path copy = Files.createDirectories(dir.resolve("elsewhere/shims")).resolve("python3");
    Files.copy(shim, copy);
    Files.writeString(root.resolve("version"), "3.11.7\n");
    assertEquals(Optional.empty(), ToolchainInventory.pyenvShimVersion(copy, probeDir));
  }

  /** A GOROOT as Debian's golang-go and the official tarballs lay it out: bin/go and VERSION. */
  private Path goroot(String name, String version, int machine) throws Exception {
    Path go = dir.resolve(name).resolve("bin/go");
    Files.createDirectories(go.getParent());
    byte[] elf = new byte[64]; // an ELF header: 64-bit, little-endian, System V ABI, e_machine
    elf[0] = 0x7f;
    elf[1] = 'E';
    elf[2] = 'L';
    elf[3] = 'F';
    elf[4] = 2;
    elf[5] = 1;
    elf[6] = 1;
    elf[18] = (byte) machine;
    elf[19] = (byte) (machine >> 8);
    Files.write(go, elf);
    Files.setPosixFilePermissions(go, PosixFilePermissions.fromString("rwxr-xr-x"));
    Files.writeString(dir.resolve(name).resolve("VERSION"), version);
    return go;
  }

  @Test
  void goIsReadFromItsVersionFileAndItsElfHeader() throws Exception {
    Path go = goroot("go-1.19", "go1.19.8", 62);
    Path link = Files.createSymbolicLink(dir.resolve("go"), go); // /usr/bin/go -> /usr/lib/go-1.19/bin/go
    assertEquals(Optional.of("go version go1.19.8 linux/amd64"), ToolchainInventory.versionFromFiles("go", link));
    // Go 1.21+: a second line with the release time
    Path arm = goroot("go-arm", "go1.22rc1\ntime 2023-12-19T21:14:10Z\n", 183);
    assertEquals(Optional.of("go version go1.22rc1 linux/arm64"), ToolchainInventory.versionFromFiles("go", arm));
    Files.writeString(dir.resolve("go-arm/go.env"), "# defaults\nGOPROXY=https://proxy.golang.org,direct\nGOTOOLCHAIN=auto\n");
    assertEquals(Optional.of("go version go1.22rc1 linux/arm64"), ToolchainInventory.versionFromFiles("go", arm));
  }

  @Test
  void aGoThatMaySwitchToolchainsOrIsNotAReleaseIsAskedInstead() throws Exception {
    Path switching = goroot("switching", "go1.21.0\n", 62);
    Files.writeString(dir.resolve("switching/go.env"), "GOTOOLCHAIN=go1.22.0+auto\n");
    assertEquals(Optional.empty(), ToolchainInventory.versionFromFiles("go", switching));
    assertEquals(Optional.empty(), ToolchainInventory.versionFromFiles("go", goroot("devel", "devel go1.23-4d5f6a7 Tue Jan 2\n", 62)));
    assertEquals(Optional.empty(), ToolchainInventory.versionFromFiles("go", goroot("riscv", "go1.22.0\n", 243)));
    Path wrapper = executable(dir.resolve("wrapper/bin/go")); // a script, not Go's binary
    Files.writeString(dir.resolve("wrapper/VERSION"), "go1.22.0\n");
    assertEquals(Optional.empty(), ToolchainInventory.versionFromFiles("go", wrapper));
    assertEquals(Optional.empty(), ToolchainInventory.versionFromFiles("go", executable(dir.resolve("noversion/bin/go"))));
  }

  /**
   * Ground truth: this machine's go (Debian's golang-go, which scripts/test installs) says what
   * its files say, asked as the probe asks it (in /, the helper commands' environment).
   */
  @Test
  void thisHostsGoAgreesWithItsVersionFile() throws Exception {
    Path go = HelperCommands.trusted("go").orElseThrow(() -> new AssertionError("this test needs go (Debian: golang-go)"));
    String fromFiles = ToolchainInventory.versionFromFiles("go", go).orElseThrow(() -> new AssertionError(go + ": no version from its files"));
    String asked = CommandRunner.processes().run(java.util.List.of(go.toString(), "version"), null, java.time.Duration.ofSeconds(60))
        .flatMap(ToolchainInventory::firstLine).orElseThrow();
    assertEquals(asked, fromFiles);
  }

  /** Ground truth: this machine's java reports the version its release file holds. */
  @Test
  void thisHostsJavaAgreesWithItsReleaseFile() throws Exception {
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    String fromFiles = ToolchainInventory.versionFromFiles("java", java).orElseThrow();
    Process p = new ProcessBuilder(java.toString(), "-version").redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(60, TimeUnit.SECONDS));
    String runtime = out.lines().filter(l -> l.contains("Runtime Environment")).findFirst().orElse(out);
    String build = runtime.replaceAll(".*\\(build ([^)]+)\\).*", "$1");
    assertTrue(fromFiles.contains(build), fromFiles + " vs " + runtime);
  }
}
