package dev.plumbline.env;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link CommandRunner} over ProcessBuilder: stdin closed, output capped, killed at the timeout,
 * with {@link HelperCommands#environment} (no secret of the agent's) in {@code /} unless told
 * otherwise (a toolchain reads no project configuration, e.g. .mvn/jvm.config, from there), as the
 * build's user when the agent is root and the build is not ({@code runAs}, a setpriv prefix).
 */
final class ProcessCommandRunner implements CommandRunner {
  private static final Logger log = LoggerFactory.getLogger(ProcessCommandRunner.class);
  private static final int MAX_OUTPUT = 64 * 1024;

  private final List<String> runAs;

  ProcessCommandRunner(List<String> runAs) {
    this.runAs = List.copyOf(runAs);
  }

  @Override
  public Optional<String> run(List<String> argv, Path dir, Duration timeout) {
    List<String> command = new java.util.ArrayList<>(runAs);
    command.addAll(argv);
    ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true).redirectInput(ProcessBuilder.Redirect.PIPE);
    pb.environment().clear();
    pb.environment().putAll(HelperCommands.environment(argv.get(0)));
    pb.directory((dir != null ? dir : Path.of("/")).toFile());
    Process p;
    try {
      p = pb.start();
    } catch (IOException e) {
      log.debug("cannot start {}: {}", argv, e.getMessage());
      return Optional.empty();
    }
    try {
      p.getOutputStream().close();
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      Thread reader =
          new Thread(
              () -> {
                try (InputStream in = p.getInputStream()) {
                  byte[] buf = new byte[8192];
                  for (int n; (n = in.read(buf)) > 0; ) {
                    synchronized (out) {
                      if (out.size() < MAX_OUTPUT) {
                        out.write(buf, 0, Math.min(n, MAX_OUTPUT - out.size()));
                      }
                    }
                  }
                } catch (IOException ignored) {
                  // the process was killed or closed its output: what we have is what there is
                }
              },
              "plumbline-probe");
      reader.setDaemon(true);
      reader.start();
      if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        p.destroyForcibly();
        log.debug("{} ran longer than {}", argv, timeout);
        return Optional.empty();
      }
      reader.join(1000);
      if (p.exitValue() != 0) {
        return Optional.empty();
      }
      synchronized (out) {
        return Optional.of(out.toString(StandardCharsets.UTF_8));
      }
    } catch (IOException e) {
      p.destroyForcibly();
      return Optional.empty();
    } catch (InterruptedException e) {
      p.destroyForcibly();
      Thread.currentThread().interrupt();
      return Optional.empty();
    }
  }
}
