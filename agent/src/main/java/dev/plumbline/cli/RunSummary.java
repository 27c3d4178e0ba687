package dev.plumbline.cli;

import dev.plumbline.trace.BuildRecord;
import dev.plumbline.trace.BuildRecords;
import java.io.PrintWriter;

/**
 * The end-of-run summary. A stand-in until the recorder's renderer lands: processes, distinct
 * tools, destinations, completeness.
 */
final class RunSummary {
  private RunSummary() {}

  static void print(BuildRecord r, boolean json, PrintWriter out, PrintWriter err) {
    if (json) {
      out.println(BuildRecords.toJson(r));
      out.flush();
      return;
    }
    err.printf("plumbline: %d processes, %d tools, %d destinations, %d files changed; trace %s%n",
        r.processes().size(), r.tools().size(), r.network().size(), r.files().size(),
        r.completeness().complete() ? "complete" : "INCOMPLETE: " + String.join("; ", r.completeness().reasons()));
    err.flush();
  }
}
