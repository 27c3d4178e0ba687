package dev.plumbline.cli;

import dev.plumbline.query.Filters;
import dev.plumbline.query.Query;
import dev.plumbline.query.QueryException;
import dev.plumbline.sign.SigningException;
import dev.plumbline.verify.Verifier;
import dev.plumbline.verify.VerifyException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code plumbline query}. */
@Command(
    name = "query",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "Finds the attestations whose builds ran a package, a binary or contacted",
      "a host: which of our artifacts were built by a build that ran liblzma 5.6.0?",
      "",
      "PATH is a bundle, a .intoto.jsonl file (one bundle per line) or a folder",
      "searched recursively for *.sigstore.json, *.sigstore and *.intoto.jsonl.",
      "Every bundle is verified first, as 'plumbline verify' does (signer,",
      "statement, completeness); unverifiable ones are listed apart on stderr and",
      "never matched. Every filter given must match; with none, every verified",
      "attestation is listed.",
      ""
    },
    footer = {
      "",
      "Examples:",
      "  plumbline query --key plumbline.pub --package liblzma5 attestations/",
      "  plumbline query --key k.pub --package 'liblzma5@>=5.6.0,<5.6.2' --format csv builds/",
      "  plumbline query --key k.pub --purl pkg:deb/debian/xz-utils@5.4.1-1 b.sigstore.json",
      "  plumbline query --key k.pub --digest sha256:31c8422d... --format json .",
      "  plumbline query --certificate-identity-regexp 'https://github.com/acme/.*' \\",
      "      --certificate-oidc-issuer https://token.actions.githubusercontent.com \\",
      "      --destination evil.example.net:443 attestations/",
      "",
      "Exit codes: 0 something matched, 1 nothing matched, 2 bad usage (a filter that",
      "does not parse, a PATH that does not exist, no signer given)."
    })
public final class QueryCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Mixin SignerOptions signer = new SignerOptions();

  @Option(names = "--allow-incomplete", description = "Accept attestations whose trace is marked incomplete.")
  boolean allowIncomplete;

  @Option(names = "--package", paramLabel = "NAME[@V]",
      description = "An OS package the build ran a file of: NAME, NAME@VERSION or NAME@RANGE ('>=5.6.0,<5.6.2'; dpkg and rpm order).")
  List<String> packages = new ArrayList<>();

  @Option(names = "--purl", paramLabel = "PURL", description = "A package by purl; a version or qualifiers given must equal.")
  List<String> purls = new ArrayList<>();

  @Option(names = "--digest", paramLabel = "sha256:HEX", description = "A file that ran (binary, script, packaged file) by digest.")
  List<String> digests = new ArrayList<>();

  @Option(names = "--tool", paramLabel = "GLOB", description = "An executed binary by path glob (a bare name matches the file name).")
  List<String> tools = new ArrayList<>();

  @Option(names = "--destination", paramLabel = "HOST[:PORT]", description = "A network destination (hostname or address) or DNS name.")
  List<String> destinations = new ArrayList<>();

  @Option(names = "--format", paramLabel = "FORMAT", defaultValue = "text", description = "text (default), json or csv, on stdout.")
  String format;

  @Parameters(arity = "0..*", paramLabel = "PATH", description = "Bundles, .intoto.jsonl files or folders (required).")
  List<Path> paths = new ArrayList<>();

  @Override
  public Integer call() {
    PrintWriter err = spec.commandLine().getErr();
    PrintWriter out = spec.commandLine().getOut();
    if (paths.isEmpty()) {
      return usage(err, "query needs at least one PATH: a bundle, a .intoto.jsonl file or a folder");
    }
    QueryOutput output = QueryOutput.of(format, out);
    if (output == null) {
      return usage(err, "--format must be text, json or csv, not '" + format + "'");
    }
    Query query;
    List<Path> files;
    try {
      Filters filters = new Filters();
      for (String p : packages) {
        filters.pkg(p);
      }
      for (String p : purls) {
        filters.purl(p);
      }
      for (String d : digests) {
        filters.digest(d);
      }
      for (String t : tools) {
        filters.tool(t);
      }
      for (String d : destinations) {
        filters.destination(d);
      }
      Verifier verifier = Verifier.standard(signer.signatureSteps("query", true), Verifier.Options.defaults().allowingIncomplete(allowIncomplete));
      query = new Query(verifier, filters);
      files = Query.files(paths);
    } catch (QueryException | VerifyException | SigningException e) {
      return usage(err, ErrorHandler.oneLine(e));
    }
    Query.Summary summary = query.run(files, new Query.Listener() {
      @Override
      public void matched(Query.Row row) {
        output.row(row);
      }

      @Override
      public void unverifiable(String bundle, String reason) {
        err.println("plumbline: unverifiable: " + QueryOutput.safe(bundle) + ": " + QueryOutput.safe(reason));
      }
    }, Runtime.getRuntime().availableProcessors());
    output.finish();
    err.println("plumbline: " + summary.matched() + " matched of " + summary.verified() + " verified attestation"
        + (summary.verified() == 1 ? "" : "s") + (summary.unverifiable() == 0 ? "" : "; " + summary.unverifiable()
        + " unverifiable (listed above, not searched)"));
    err.flush();
    return summary.matched() > 0 ? ExitCodes.OK : ExitCodes.REJECTED;
  }

  private static int usage(PrintWriter err, String message) {
    err.println("plumbline: " + message);
    err.flush();
    return ExitCodes.USAGE;
  }
}
