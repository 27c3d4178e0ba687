package dev.plumbline.cli;

import dev.plumbline.record.BuildRecord;
import java.io.PrintWriter;

/**
 * Prints the end-of-run summary that {@link dev.plumbline.record.RunSummary} renders: text on
 * stderr, or with {@code --json} the JSON form on stdout.
 */
final class RunSummary {
  private RunSummary() {}

  static void print(BuildRecord r, boolean json, PrintWriter out, PrintWriter err) {
    if (json) {
      out.print(dev.plumbline.record.RunSummary.json(r));
      out.flush();
      return;
    }
    err.print(dev.plumbline.record.RunSummary.text(r));
    err.flush();
  }
}
