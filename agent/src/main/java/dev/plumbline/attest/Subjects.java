package dev.plumbline.attest;

import dev.plumbline.attest.Statement.Subject;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.FileSystems;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.TreeMap;

/** Finds the files a build produced by glob, relative to the working directory, and digests them. */
public final class Subjects {
  private Subjects() {}

  /**
   * Every regular file matching any glob, named relative to {@code cwd} with '/' separators, sorted
   * by name. Each glob must match at least one file: a typo must not yield an attestation that
   * silently covers less than the user asked for.
   */
  public static List<Subject> match(Path cwd, List<String> globs) throws AttestException {
    TreeMap<String, Subject> byName = new TreeMap<>();
    Path root;
    try {
      root = cwd.toRealPath();
    } catch (IOException e) {
      throw new AttestException("cannot resolve the working directory " + cwd + ": " + e.getMessage(), e);
    }
    for (String glob : globs) {
      List<Path> files = matchOne(cwd, glob);
      if (files.isEmpty()) {
        Path named = cwd.resolve(glob);
        if (!glob.isEmpty() && Files.isDirectory(named)) {
          throw new AttestException("--subject '" + glob + "' is a directory: name its files, e.g. '"
              + glob.replaceAll("/+$", "") + "/*'");
        }
        throw new AttestException("--subject '" + glob + "' matched no file under " + cwd);
      }
      for (Path file : files) {
        String name = cwd.relativize(file).toString().replace('\\', '/');
        Path real = insideWorkingDirectory(root, glob, name, file);
        try {
          byName.computeIfAbsent(name, n -> digestSubject(n, real));
        } catch (UncheckedIOException e) {
          throw new AttestException("cannot read subject " + name + ": " + e.getCause().getMessage(), e);
        }
      }
    }
    return List.copyOf(byName.values());
  }

  /**
   * The subject's real path, which must be under the working directory's when a link leads to it: a subject is what the
   * build produced, and a link it planted (to {@code /root/secret}, through a linked directory)
   * must not make an agent with more rights than the build digest, and so attest, a file the build
   * could not read. The build is over when subjects are matched, so the path cannot change between
   * this check and the read, which does not follow a link either.
   */
  private static Path insideWorkingDirectory(Path root, String glob, String name, Path file) throws AttestException {
    Path real;
    try {
      real = file.toRealPath();
    } catch (IOException e) {
      throw new AttestException("cannot resolve subject " + name + ": " + e.getMessage(), e);
    }
    // a path the user gave outside the working directory is taken as given, unless a link leads there
    if (!real.startsWith(root) && !real.equals(file.toAbsolutePath().normalize())) {
      throw new AttestException("--subject '" + glob + "': " + name + " is a link out of the working directory (to "
          + real + "): not attested");
    }
    return real;
  }

  /**
   * A subject given by name and digest instead of a file the build wrote (an image pushed to a
   * registry, an artifact uploaded elsewhere): {@code --subject-digest NAME@sha256:HEX}, the
   * action's {@code subject-name} + {@code subject-digest}. The digest is lower-cased.
   */
  public static Subject named(String name, String digest) throws AttestException {
    if (name == null || name.isBlank()) {
      throw new AttestException("a subject given by digest needs a name");
    }
    if (name.chars().anyMatch(c -> c < 0x20 || c == 0x7f)) {
      throw new AttestException("subject name '" + name.replaceAll("\\p{Cntrl}", "?") + "' contains control characters");
    }
    if (digest == null || !digest.matches("sha256:[0-9a-fA-F]{64}")) {
      throw new AttestException("'" + (digest == null ? "" : digest.replaceAll("\\p{Cntrl}", "?"))
          + "' is not a sha256 digest (sha256: and 64 hex digits)");
    }
    return Subject.sha256(name.strip(), digest.substring("sha256:".length()).toLowerCase(java.util.Locale.ROOT));
  }

  /** {@code NAME@sha256:HEX} (the last {@code @sha256:} separates; an image reference has this form) as a {@link #named} subject. */
  public static Subject parseNamed(String spec) throws AttestException {
    int at = spec.lastIndexOf("@sha256:");
    if (at <= 0) {
      throw new AttestException("--subject-digest '" + spec.replaceAll("\\p{Cntrl}", "?") + "' must be NAME@sha256:HEX");
    }
    try {
      return named(spec.substring(0, at), spec.substring(at + 1));
    } catch (AttestException e) {
      throw new AttestException("--subject-digest: " + e.getMessage());
    }
  }

  private static Subject digestSubject(String name, Path file) {
    try {
      return Subject.sha256(name, sha256Hex(file, LinkOption.NOFOLLOW_LINKS));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Before the build: fails for a subject that can never match whatever the build writes (empty,
   * an absolute glob, invalid glob syntax), so the mistake is reported before the build runs.
   */
  public static void checkGlobs(List<String> globs) throws AttestException {
    for (String glob : globs) {
      String pattern = glob.startsWith("./") ? glob.substring(2) : glob;
      if (pattern.isEmpty()) {
        throw new AttestException("--subject must not be empty");
      }
      if (hasGlobChars(pattern) && Path.of(pattern).isAbsolute()) {
        throw new AttestException("--subject '" + glob + "': globs are relative to the working directory");
      }
      if (hasGlobChars(pattern)) {
        try {
          FileSystems.getDefault().getPathMatcher("glob:" + pattern);
        } catch (IllegalArgumentException e) {
          throw new AttestException("--subject '" + glob + "' is not a valid glob: " + e.getMessage());
        }
      }
    }
  }

  static List<Path> matchOne(Path cwd, String glob) throws AttestException {
    String pattern = glob.startsWith("./") ? glob.substring(2) : glob;
    if (pattern.isEmpty()) {
      throw new AttestException("--subject must not be empty");
    }
    Path literal = cwd.resolve(pattern).normalize();
    if (!hasGlobChars(pattern)) {
      return Files.isRegularFile(literal) ? List.of(literal) : List.of();
    }
    if (Path.of(pattern).isAbsolute()) {
      throw new AttestException("--subject '" + glob + "': globs are relative to the working directory");
    }
    Path base = cwd.resolve(literalPrefix(pattern)).normalize();
    if (!Files.isDirectory(base)) {
      return List.of();
    }
    PathMatcher matcher;
    try {
      matcher = FileSystems.getDefault().getPathMatcher("glob:" + pattern);
    } catch (IllegalArgumentException e) {
      throw new AttestException("--subject '" + glob + "' is not a valid glob: " + e.getMessage());
    }
    List<Path> out = new ArrayList<>();
    try {
      Files.walkFileTree(
          base,
          new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
              return dir.getFileName() != null && dir.getFileName().toString().equals(".git") && !dir.equals(base)
                  ? FileVisitResult.SKIP_SUBTREE
                  : FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
              if (attrs.isRegularFile() && matcher.matches(cwd.relativize(file))) {
                out.add(file);
              }
              return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(Path file, IOException exc) {
              return FileVisitResult.CONTINUE;
            }
          });
    } catch (IOException e) {
      throw new AttestException("--subject '" + glob + "': cannot list " + base + ": " + e.getMessage(), e);
    }
    return out;
  }

  private static boolean hasGlobChars(String s) {
    return s.chars().anyMatch(c -> c == '*' || c == '?' || c == '[' || c == '{');
  }

  /** The directories before the first component that holds a glob character: where to walk from. */
  private static String literalPrefix(String pattern) {
    String[] parts = pattern.split("/");
    StringBuilder prefix = new StringBuilder();
    for (int i = 0; i < parts.length - 1; i++) {
      if (hasGlobChars(parts[i])) {
        break;
      }
      prefix.append(parts[i]).append('/');
    }
    return prefix.length() == 0 ? "." : prefix.toString();
  }

  public static String sha256Hex(Path file, java.nio.file.OpenOption... options) throws IOException {
    MessageDigest md = sha256();
    try (InputStream in = Files.newInputStream(file, options)) {
      byte[] buf = new byte[65536];
      for (int n; (n = in.read(buf)) > 0; ) {
        md.update(buf, 0, n);
      }
    }
    return HexFormat.of().formatHex(md.digest());
  }

  public static String sha256Hex(byte[] data) {
    return HexFormat.of().formatHex(sha256().digest(data));
  }

  public static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JDK has no SHA-256", e);
    }
  }
}
