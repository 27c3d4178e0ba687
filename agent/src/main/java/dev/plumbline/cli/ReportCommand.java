package dev.plumbline.cli;

import dev.plumbline.policy.Evidence;
import dev.plumbline.report.CycloneDxReport;
import dev.plumbline.report.HtmlReport;
import dev.plumbline.report.MarkdownReport;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code plumbline report}. */
@Command(
    name = "report",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "Renders what a build did as markdown and/or one self-contained HTML page.",
      "The markdown is what a GitHub job summary shows (tools, destinations, blocked attempts,",
      "warnings, source writes); the HTML page shows the process tree, network destinations and a",
      "timeline, and fetches nothing from the network when opened.",
      "With neither --markdown nor --html, prints the markdown on stdout.",
      "A bundle is decoded, NOT verified: use 'plumbline verify' to check it.",
      ""
    },
    footer = {
      "",
      "Examples:",
      "  plumbline report --record build.json --markdown \"$GITHUB_STEP_SUMMARY\" --html report.html",
      "  plumbline report --bundle plumbline.sigstore.json",
      "  plumbline report --bundle plumbline.sigstore.json --cyclonedx bom.cdx.json",
      "",
      "Exit codes: 0 written, 2 bad usage, unreadable input or an output that cannot be written."
    })
public final class ReportCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @ArgGroup(exclusive = true, multiplicity = "1")
  EvidenceOptions input;

  @Option(names = "--markdown", paramLabel = "OUT", description = "Write the markdown summary here ('-' for stdout).")
  Path markdown;

  @Option(names = "--html", paramLabel = "OUT", description = "Write the HTML report here.")
  Path html;

  @Option(names = "--cyclonedx", paramLabel = "OUT",
      description = "Write the build environment as used (packages and files that ran) as a CycloneDX 1.6 JSON BOM ('-' for stdout).")
  Path cyclonedx;

  @Override
  public Integer call() throws Exception {
    Evidence evidence = input.read();
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    if (markdown == null && html == null && cyclonedx == null) {
      out.print(MarkdownReport.render(evidence));
      out.flush();
      return ExitCodes.OK;
    }
    if (markdown != null) {
      write(markdown, MarkdownReport.render(evidence), out);
    }
    if (cyclonedx != null) {
      write(cyclonedx, CycloneDxReport.render(evidence), out);
    }
    if (html != null) {
      write(html, HtmlReport.render(evidence), out);
      err.println("plumbline: HTML report written to " + html);
    }
    if (!evidence.verified()) {
      err.println("plumbline: note: " + evidence.source() + " was read without verifying it (use plumbline verify)");
    }
    err.flush();
    return ExitCodes.OK;
  }

  static void write(Path to, String text, PrintWriter out) throws IOException {
    if (to.toString().equals("-")) {
      out.print(text);
      out.flush();
      return;
    }
    try {
      Path parent = to.toAbsolutePath().getParent();
      if (parent != null) {
        Files.createDirectories(parent); // policy init --output .plumbline/policy.yaml in a fresh repository
      }
      Files.writeString(to, text, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new IOException("cannot write " + to + ": " + ErrorHandler.ioReason(e), e);
    }
  }
}
