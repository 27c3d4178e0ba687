package dev.plumbline.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Runs a command with its output in a file, so a hung command cannot block the test on a full
 * pipe, and enforces the timeout: on expiry the whole process tree is killed and the test fails
 * naming the command.
 */
public final class Processes {
  private Processes() {}

  public record Result(int exit, String output) {}

  /** stdout and stderr interleaved in one file; {@code environment} edits the child's variables. */
  public static Result run(List<String> command, Path cwd, Duration timeout, Consumer<Map<String, String>> environment)
      throws IOException, InterruptedException {
    Path out = Files.createTempFile("plumbline-test-out-", ".txt");
    try {
      ProcessBuilder pb = new ProcessBuilder(command).directory(cwd.toFile()).redirectErrorStream(true);
      pb.redirectOutput(out.toFile());
      pb.redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
      environment.accept(pb.environment());
      Process p = pb.start();
      if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        p.descendants().forEach(ProcessHandle::destroyForcibly);
        p.destroyForcibly();
        p.waitFor(10, TimeUnit.SECONDS);
        throw new AssertionError(
            String.join(" ", command) + " did not finish within " + timeout + "; output so far:\n" + tail(Files.readString(out, StandardCharsets.UTF_8)));
      }
      return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8));
    } finally {
      Files.deleteIfExists(out);
    }
  }

  public static Result run(List<String> command, Path cwd, Duration timeout) throws IOException, InterruptedException {
    return run(command, cwd, timeout, env -> {});
  }

  /** The last 40 lines, for failure messages. */
  public static String tail(String output) {
    String[] lines = output.split("\n");
    return String.join("\n", java.util.Arrays.copyOfRange(lines, Math.max(0, lines.length - 40), lines.length));
  }
}
