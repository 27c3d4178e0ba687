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
