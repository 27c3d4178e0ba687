package dev.plumbline.cli;

import dev.plumbline.text.Printable;
import java.io.PrintWriter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;

/**
 * Turns what escapes a command into one line on stderr and an exit code: users see the problem,
 * never a stack trace (it goes to the debug log).
 */
final class ErrorHandler
    implements CommandLine.IExecutionExceptionHandler, CommandLine.IParameterExceptionHandler {
  private static final Logger log = LoggerFactory.getLogger(ErrorHandler.class);

  @Override
  public int handleExecutionException(
      Exception e, CommandLine cl, CommandLine.ParseResult parseResult) {
    log.debug("command failed", e);
    PrintWriter err = cl.getErr();
    err.println("plumbline: " + oneLine(e));
    err.flush();
    return usageCode(cl);
  }

  @Override
  public int handleParseException(CommandLine.ParameterException e, String[] args) {
    CommandLine cl = e.getCommandLine();
    PrintWriter err = cl.getErr();
    String hint = "";
    if (cl.getCommandName().equals("run") && e instanceof CommandLine.UnmatchedArgumentException
        && !java.util.Arrays.asList(args).contains("--")) {
      // 'plumbline run make -j2': the build's own options were taken for plumbline's
      hint = " (put the build command after '--': plumbline run [OPTIONS] -- CMD ARGS...)";
    }
    String message = e.getMessage() == null ? "bad usage" : oneLine(e).replaceFirst("^Error: ", "");
    err.println("plumbline: " + message + hint);
    err.println("Try '" + cl.getCommandSpec().qualifiedName() + " --help' for more information.");
    err.flush();
    return usageCode(cl);
  }

  private static int usageCode(CommandLine cl) {
    return cl.getCommandName().equals("run") ? ExitCodes.RUN_USAGE : ExitCodes.USAGE;
  }

  /**
   * Why a file operation failed, in words ("no such file or directory", "Is a directory"): the
   * message of java.nio's exceptions is often only the path, which the caller already names.
   */
  static String ioReason(java.io.IOException e) {
    if (e instanceof java.nio.file.NoSuchFileException) {
      return "no such file or directory";
    }
    if (e instanceof java.nio.file.AccessDeniedException) {
      return "permission denied";
    }
    if (e instanceof java.nio.file.FileSystemException f && f.getReason() != null) {
      return f.getReason();
    }
    return oneLine(e);
  }

  /**
   * The exception's message, or its type when it has none, on one line; a message may quote the
   * build or a bundle (file names, identities), so what is left of controls is escaped visibly.
   */
  static String oneLine(Throwable e) {
    String msg = e.getMessage();
    if (msg == null || msg.isBlank()) {
      msg = e.getClass().getSimpleName();
    }
    return Printable.inline(msg.replace('\n', ' ').strip());
  }
}
