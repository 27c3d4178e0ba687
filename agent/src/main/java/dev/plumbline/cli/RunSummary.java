package dev.plumbline.cli;

import dev.plumbline.trace.BuildRecord;
import java.io.PrintWriter;

/** Prints the recorder's end-of-run summary: text on stderr, or JSON on stdout with --json. */
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
