package dev.plumbline.query;

import com.fasterxml.jackson.databind.JsonNode;
import dev.plumbline.attest.CanonicalJson;
import dev.plumbline.verify.Artifact;
import dev.plumbline.verify.BundleFile;
import dev.plumbline.verify.Verdict;
import dev.plumbline.verify.Verifier;
import dev.plumbline.verify.VerifyException;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitOption;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;

/**
 * {@code plumbline query}: which attestations match the filters. Every bundle is verified first
 * with the verifier given (the same steps as {@code verify}, without an artifact: all subjects are
 * listed); only verified predicates are matched, and unverifiable bundles are reported apart.
 * Streams: a bounded window of bundles is in memory, results go to the listener as they are
 * found, in path order.
 */
public final class Query {
  /** Bundle files found when walking a folder; a file named on the command line is read whatever its name. */
  static final List<String> BUNDLE_SUFFIXES = List.of(".sigstore.json", ".sigstore", ".intoto.jsonl");

  private final Verifier verifier;
  private final Filters filters;

  public Query(Verifier verifier, Filters filters) {
    this.verifier = verifier;
    this.filters = filters;
  }

  /** A subject of a matching attestation. */
  public record Subject(String name, String sha256) {}

  /**
   * A matching attestation: {@code bundle} is the file (with {@code #N} for line N of a
   * {@code .intoto.jsonl}), {@code signer} who verified, {@code command} the build's argv,
   * {@code startedAt}, and the evidence of each filter.
   */
  public record Row(String bundle, List<Subject> subjects, String signer, List<String> command, String startedAt,
      List<Filters.Match> matches) {}

  /** Receives results as they are found. */
  public interface Listener {
    void matched(Row row);

    void unverifiable(String bundle, String reason);
  }

  /** How many bundles were read, verified, matched, and could not be verified. */
  public record Summary(int bundles, int verified, int matched, int unverifiable) {}

  /** The bundle files under the paths, sorted within each path; a missing path is a usage error. */
  public static List<Path> files(List<Path> paths) throws QueryException {
    List<Path> out = new ArrayList<>();
    for (Path p : paths) {
      if (Files.isDirectory(p)) {
        try (Stream<Path> s = Files.walk(p, FileVisitOption.FOLLOW_LINKS)) {
          s.filter(Files::isRegularFile).filter(f -> BUNDLE_SUFFIXES.stream().anyMatch(x -> f.getFileName().toString().endsWith(x)))
              .sorted().forEach(out::add);
        } catch (IOException | java.io.UncheckedIOException e) {
          throw new QueryException("cannot list " + p + ": " + e.getMessage(), e);
        }
      } else if (Files.exists(p)) {
        out.add(p);
      } else {
        throw new QueryException(p + " does not exist");
      }
    }
    return out;
  }

  /**
   * Verifies and matches the files on {@code threads} workers, a bounded window ahead of the
   * listener, which still receives every result in file order on the calling thread.
   */
  public Summary run(List<Path> files, Listener listener, int threads) {
    int[] n = new int[4];
    ExecutorService workers = Executors.newFixedThreadPool(Math.max(1, threads), r -> {
      Thread t = new Thread(r, "plumbline-query");
      t.setDaemon(true);
      return t;
    });
    try {
      Deque<Future<List<Result>>> window = new ArrayDeque<>();
      int ahead = Math.max(1, threads) * 16;
      for (Path f : files) {
        window.add(workers.submit(() -> results(f)));
        if (window.size() >= ahead) {
          deliver(window.removeFirst(), listener, n);
        }
      }
      while (!window.isEmpty()) {
        deliver(window.removeFirst(), listener, n);
      }
    } finally {
      workers.shutdownNow();
    }
    return new Summary(n[0], n[1], n[2], n[3]);
  }

  /** What one bundle gave: a row, or the reason it could not be verified, or neither (verified, no match). */
  private record Result(String name, Row row, String unverifiable) {}

  private static void deliver(Future<List<Result>> f, Listener listener, int[] n) {
    List<Result> results;
    try {
      results = f.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("query interrupted", e);
    } catch (ExecutionException e) {
      throw new IllegalStateException("query failed: " + e.getCause(), e.getCause());
    }
    for (Result r : results) {
      n[0]++;
      if (r.unverifiable != null) {
        n[3]++;
        listener.unverifiable(r.name, r.unverifiable);
        continue;
      }
      n[1]++;
      if (r.row != null) {
        n[2]++;
        listener.matched(r.row);
      }
    }
  }

  private List<Result> results(Path f) {
    if (f.getFileName().toString().endsWith(".jsonl")) {
      return jsonl(f);
    }
    try {
      return List.of(one(f.toString(), BundleFile.read(f)));
    } catch (VerifyException e) {
      return List.of(new Result(f.toString(), null, e.getMessage()));
    }
  }

  /** A JSON-lines file: one bundle per non-empty line. */
  private List<Result> jsonl(Path f) {
    List<Result> out = new ArrayList<>();
    try (BufferedReader in = Files.newBufferedReader(f, StandardCharsets.UTF_8)) {
      int lineNo = 0;
      for (String line; (line = in.readLine()) != null; ) {
        lineNo++;
        if (line.isBlank()) {
          continue;
        }
        String name = f + "#" + lineNo;
        try {
          out.add(one(name, BundleFile.parse(line.getBytes(StandardCharsets.UTF_8), name)));
        } catch (VerifyException e) {
          out.add(new Result(name, null, e.getMessage()));
        }
      }
    } catch (IOException e) {
      out.add(new Result(f.toString(), null, "cannot read: " + e.getMessage()));
    }
    return out;
  }

  private Result one(String name, JsonNode bundle) {
    Artifact artifact;
    try {
      artifact = firstSubject(bundle);
    } catch (VerifyException e) {
      return new Result(name, null, e.getMessage());
    }
    Verdict v = verifier.verify(bundle, artifact);
    if (!v.verified() || v.predicate() == null) {
      return new Result(name, null, v.verified() ? "no predicate" : v.reason());
    }
    List<Filters.Match> matches = filters.match(v.predicate());
    return new Result(name, matches == null ? null : row(name, v, matches), null);
  }

  /**
   * The verifier checks a signature over an artifact digest (sigstore's keyless verification needs
   * one): a query has no artifact, so it asks about the statement's own first subject. The subject
   * is read from the payload before its signature is checked, but that check covers the whole
   * payload, so a verified attestation names it.
   */
  static Artifact firstSubject(JsonNode bundle) throws VerifyException {
    JsonNode env = bundle.path("dsseEnvelope");
    if (!env.path("payload").isTextual()) {
      throw new VerifyException("not an attestation: the bundle has no DSSE envelope");
    }
    JsonNode statement;
    try {
      statement = CanonicalJson.mapper().readTree(Base64.getDecoder().decode(env.path("payload").asText()));
    } catch (IOException | IllegalArgumentException e) {
      throw new VerifyException("the DSSE payload is not base64-encoded JSON");
    }
    String hex = statement == null ? "" : statement.path("subject").path(0).path("digest").path("sha256").asText("");
    if (!hex.matches("[0-9a-f]{64}")) {
      throw new VerifyException("the statement names no sha256 subject");
    }
    return new Artifact(hex, null);
  }

  private static Row row(String name, Verdict v, List<Filters.Match> matches) {
    List<Subject> subjects = new ArrayList<>();
    for (JsonNode s : v.statement().path("subject")) {
      subjects.add(new Subject(s.path("name").asText(""), s.path("digest").path("sha256").asText(null)));
    }
    List<String> command = new ArrayList<>();
    for (JsonNode a : v.predicate().path("invocation").path("argv")) {
      command.add(a.asText());
    }
    String started = v.predicate().path("invocation").path("startedAt").asText(null);
    return new Row(name, List.copyOf(subjects), v.signer(), List.copyOf(command), started, List.copyOf(matches));
  }
}
