package dev.plumbline.cli;

import dev.plumbline.trace.BuildRecord;
import java.io.PrintWriter;

/**
 * Prints the end-of-run summary rendered by {@link dev.plumbline.trace.RunSummary}: text with the
 * destinations table (name, address:port, protocol, process, decision, count) on stderr, or the
 * summary as JSON on stdout with {@code --json}.
 */
final class RunSummary {
  private RunSummary() {}

  static void print(BuildRecord r, boolean json, PrintWriter out, PrintWriter err) {
    if (json) {
      out.print(dev.plumbline.trace.RunSummary.json(r));
      out.flush();
      return;
    }
    err.print(dev.plumbline.trace.RunSummary.text(r));
    err.flush();
  }
}
