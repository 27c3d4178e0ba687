package dev.plumbline.ci;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Map;

/**
 * The step's output and summary files as they were before the build, so that what the build wrote
 * into them cannot pass for the agent's: the build has their paths (and the same user can write
 * them), but the verdict is the agent's. After the build, {@link #writeOutputs} puts back the
 * file as it was and adds the agent's outputs (a build's lines there only ever spoofed the
 * action's outputs: a composite action's outputs are the declared ones, all set by the agent),
 * and {@link #writeSummary} puts the agent's summary first, with whatever the build wrote after it
 * under a heading that says so. A path the build replaced by a symbolic link (or anything but a
 * regular file) is replaced by a regular file, never followed.
 */
public final class StepFiles {
  /** More than GitHub keeps of a step's summary (1 MiB): what the build wrote past it is dropped. */
  static final int MAX_KEPT = 1 << 20;

  private final Path output;
  private final byte[] outputBefore;
  private final Path summary;
  private final byte[] summaryBefore;

  private StepFiles(Path output, byte[] outputBefore, Path summary, byte[] summaryBefore) {
    this.output = output;
    this.outputBefore = outputBefore;
    this.summary = summary;
    this.summaryBefore = summaryBefore;
  }

  /** Before the build: the files' contents now (null paths: the runner gave none). */
  public static StepFiles before(GithubContext ctx) {
    return new StepFiles(ctx.outputFile(), read(ctx.outputFile()), ctx.summaryFile(), read(ctx.summaryFile()));
  }

  /** After the build: the output file as it was, plus these outputs; true when the build had written to it. */
  boolean writeOutputs(Map<String, String> values) throws IOException {
    if (output == null) {
      return false;
    }
    boolean tampered = !Files.isRegularFile(output, LinkOption.NOFOLLOW_LINKS) || !Arrays.equals(read(output), outputBefore);
    replace(output, concat(outputBefore, GithubFiles.outputs(values).getBytes(StandardCharsets.UTF_8)));
    return tampered;
  }

  /**
   * After the build: the summary as it was, then the agent's {@code markdown}, then what the build
   * added (if anything) under a heading naming it as the build's.
   */
  void writeSummary(String markdown) throws IOException {
    if (summary == null) {
      return;
    }
    byte[] now = read(summary);
    byte[] added = startsWith(now, summaryBefore) ? Arrays.copyOfRange(now, summaryBefore.length, now.length) : now;
    if (Arrays.equals(now, summaryBefore)) {
      added = new byte[0];
    }
    byte[] ours = GithubFiles.capped(markdown, GithubFiles.MAX_SUMMARY_BYTES).getBytes(StandardCharsets.UTF_8);
    byte[] theirs = added.length == 0 ? new byte[0] : concat(
        ("\n\n---\n\n#### Written to this step's summary by the build, not by Plumbline\n\n").getBytes(StandardCharsets.UTF_8),
        Arrays.copyOf(added, Math.min(added.length, MAX_KEPT)));
    replace(summary, concat(concat(summaryBefore, ours), theirs));
  }

  /** Whether the path of the summary file was given. */
  boolean hasSummary() {
    return summary != null;
  }

  private static byte[] read(Path p) {
    if (p == null) {
      return new byte[0];
    }
    try {
      if (!Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
        return new byte[0];
      }
      byte[] b = Files.readAllBytes(p);
      return b.length > 4 * MAX_KEPT ? Arrays.copyOf(b, 4 * MAX_KEPT) : b;
    } catch (IOException e) {
      return new byte[0];
    }
  }

  /** The file's content becomes {@code bytes}; a link or other non-file at the path is removed first, not followed. */
  private static void replace(Path p, byte[] bytes) throws IOException {
    if (Files.exists(p, LinkOption.NOFOLLOW_LINKS) && !Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
      Files.delete(p);
    }
    Files.write(p, bytes, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE,
        LinkOption.NOFOLLOW_LINKS);
  }

  private static boolean startsWith(byte[] a, byte[] prefix) {
    return a.length >= prefix.length && Arrays.equals(Arrays.copyOf(a, prefix.length), prefix);
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] out = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }
}
