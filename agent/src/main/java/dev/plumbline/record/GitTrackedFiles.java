package dev.plumbline.record;

import dev.plumbline.env.HelperCommands;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which files under the working directory git tracks, so that the record can mark writes to
 * sources. Read with {@code git ls-files -z} before the build runs (not part of the traced build,
 * so ProcessBuilder is fine here; the environment is {@link HelperCommands#environment}). No git,
 * or not a checkout: {@link #none()}, and every file write is recorded with {@code tracked=false} and {@code sources.gitTracked=false}.
 *
 * @param available whether git answered for this directory
 * @param paths paths relative to the working directory, '/'-separated, as git prints them
 */
public record GitTrackedFiles(boolean available, Set<String> paths) {
  private static final Logger LOG = LoggerFactory.getLogger(GitTrackedFiles.class);

  public GitTrackedFiles {
    paths = Collections.unmodifiableSet(new TreeSet<>(paths));
  }

  public static GitTrackedFiles none() {
    return new GitTrackedFiles(false, Set.of());
  }

  public boolean tracks(String relativePath) {
    return paths.contains(relativePath);
  }

  /** The NUL-separated output of {@code git ls-files -z}. */
  public static GitTrackedFiles parse(byte[] lsFilesZ) {
    Set<String> paths = new TreeSet<>();
    int start = 0;
    for (int i = 0; i < lsFilesZ.length; i++) {
      if (lsFilesZ[i] == 0) {
        if (i > start) {
          paths.add(new String(lsFilesZ, start, i - start, StandardCharsets.UTF_8));
        }
        start = i + 1;
      }
    }
    if (start < lsFilesZ.length) {
      paths.add(new String(lsFilesZ, start, lsFilesZ.length - start, StandardCharsets.UTF_8));
    }
    return new GitTrackedFiles(true, paths);
  }

  /**
   * Runs git from a system directory ({@link HelperCommands#trusted}) in {@code workdir}: the git
   * first on PATH may have been planted by an earlier step of the job.
   */
  public static GitTrackedFiles of(Path workdir) {
    return HelperCommands.trusted("git").map(git -> of(workdir, git.toString())).orElseGet(GitTrackedFiles::none);
  }

  /**
   * Runs {@code gitCommand ls-files -z} in {@code workdir}; submodules are included. {@code
   * safe.directory=*} lets a CI container read a checkout owned by another user (it only lists
   * names; nothing from the repository's config is run).
   */
  public static GitTrackedFiles of(Path workdir, String gitCommand) {
    List<String> cmd = new ArrayList<>(List.of(gitCommand, "-c", "safe.directory=*", "-c", "core.fsmonitor=false",
        "ls-files", "-z", "--recurse-submodules"));
    Process p;
    try {
      ProcessBuilder pb = new ProcessBuilder(cmd);
      pb.environment().clear();
      pb.environment().putAll(HelperCommands.environment(gitCommand));
      p = pb
          .directory(workdir.toFile())
          .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
          .redirectError(ProcessBuilder.Redirect.DISCARD)
          .start();
    } catch (IOException e) {
      LOG.debug("git not available: {}", e.getMessage());
      return none();
    }
    try (InputStream out = p.getInputStream()) {
      ByteArrayOutputStream buf = new ByteArrayOutputStream();
      out.transferTo(buf);
      if (!p.waitFor(60, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        return none();
      }
      if (p.exitValue() != 0) {
        LOG.debug("git ls-files exited {} in {}: not a checkout", p.exitValue(), workdir);
        return none();
      }
      return parse(buf.toByteArray());
    } catch (IOException e) {
      p.destroyForcibly();
      return none();
    } catch (InterruptedException e) {
      p.destroyForcibly();
      Thread.currentThread().interrupt();
      return none();
    }
  }
}
