package dev.plumbline.testing;

import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.plumbline.cli.Main;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/** Runs the CLI through Main.run with stdout and stderr captured. */
public final class Cli {
  private Cli() {}

  public record Result(int code, String out, String err) {
    /** No stack trace text reached the user. */
    public Result assertNoStackTrace() {
      for (String s : new String[] {out, err}) {
        assertFalse(s.contains("Exception"), "no exception text in:\n" + s);
        assertFalse(s.contains("\tat ") || s.contains("at dev."), "no stack frames in:\n" + s);
      }
      return this;
    }

    /** stderr's lines starting with "plumbline:" — the one-line error messages. */
    public long errorLines() {
      return err.lines().filter(l -> l.startsWith("plumbline:")).count();
    }
  }

  /**
   * Runs the CLI as a child JVM in {@code cwd} (for {@code run}, the build's working directory),
   * tuned like scripts/plumbline, on the test's classpath minus the test frameworks.
   */
  public static Result process(java.nio.file.Path cwd, String... args) throws java.io.IOException, InterruptedException {
    return process(cwd, java.util.List.of(), java.util.Map.of(), args);
  }

  /**
   * {@link #process(java.nio.file.Path, String...)} started through {@code wrapper} (a program
   * that execs the rest, e.g. one that opens a descriptor first) with {@code env} added. When the
   * wrapper takes the JVM's stdout, {@code out} is empty.
   */
  public static Result process(java.nio.file.Path cwd, java.util.List<String> wrapper, java.util.Map<String, String> env,
      String... args) throws java.io.IOException, InterruptedException {
    String cp = java.util.Arrays.stream(System.getProperty("java.class.path").split(java.io.File.pathSeparator))
        .filter(e -> !e.contains("surefire") && !e.contains("junit") && !e.contains("opentest4j"))
        .collect(java.util.stream.Collectors.joining(java.io.File.pathSeparator));
    java.util.List<String> cmd = new java.util.ArrayList<>(wrapper);
    cmd.addAll(java.util.List.of(
        java.nio.file.Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-cp", cp, "dev.plumbline.cli.Main"));
    cmd.addAll(java.util.List.of(args));
    java.nio.file.Path out = java.nio.file.Files.createTempFile("plumbline-cli-", ".out");
    java.nio.file.Path err = java.nio.file.Files.createTempFile("plumbline-cli-", ".err");
    try {
      ProcessBuilder pb = new ProcessBuilder(cmd).directory(cwd.toFile()).redirectOutput(out.toFile()).redirectError(err.toFile());
      pb.environment().putAll(env);
      Process p = pb.start();
      int code = p.waitFor();
      return new Result(code, java.nio.file.Files.readString(out, StandardCharsets.UTF_8), java.nio.file.Files.readString(err, StandardCharsets.UTF_8));
    } finally {
      java.nio.file.Files.deleteIfExists(out);
      java.nio.file.Files.deleteIfExists(err);
    }
  }

  public static synchronized Result run(String... args) {
    PrintStream oldOut = System.out;
    PrintStream oldErr = System.err;
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    try {
      System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
      System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
      int code = Main.run(args);
      System.out.flush();
      System.err.flush();
      return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    } finally {
      System.setOut(oldOut);
      System.setErr(oldErr);
    }
  }
}
