package dev.plumbline.attest;

import dev.plumbline.attest.Statement.Subject;
import dev.plumbline.env.EnvironmentCollector;
import dev.plumbline.record.BuildRecord;
import dev.plumbline.record.BuildRecords;
import dev.plumbline.record.RecordException;
import dev.plumbline.sign.Signer;
import dev.plumbline.sign.SigningException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What {@code plumbline run} does after the build when it signs: collect the environment, digest
 * the subjects, sign, write the bundle. {@code RunCommand} makes one before the build (so an
 * unreadable key fails before anything runs) and calls {@link #finish} once the record is built.
 */
public final class AttestationRun {
  private static final Logger log = LoggerFactory.getLogger(AttestationRun.class);

  /** Where the record goes when signing without --record and without --subject: it is the subject. */
  public static final Path DEFAULT_RECORD = Path.of("plumbline.record.json");

  public static final Path DEFAULT_BUNDLE = Path.of("plumbline.sigstore.json");

  private final Signer signer;
  private final CompletableFuture<EnvironmentCollector.Snapshot> before;
  private final Path cwd;
  private final List<String> subjectGlobs;
  private final Path bundle;
  private final List<Subject> namedSubjects;

  private AttestationRun(Signer signer, CompletableFuture<EnvironmentCollector.Snapshot> before, Path cwd, List<String> subjectGlobs, Path bundle,
      List<Subject> namedSubjects) {
    this.signer = signer;
    this.before = before;
    this.cwd = cwd;
    this.subjectGlobs = List.copyOf(subjectGlobs);
    this.bundle = cwd.resolve(bundle == null ? DEFAULT_BUNDLE : bundle);
    this.namedSubjects = List.copyOf(namedSubjects);
  }

  /**
   * Call before the build starts: takes the environment snapshot (OS, CI, variables, toolchain
   * versions, git state), the only moment helper commands run.
   *
   * @param subjectGlobs {@code --subject} values; empty means the record file is the subject
   * @param bundle {@code --bundle}, or null for {@link #DEFAULT_BUNDLE} in {@code cwd}
   */
  public static AttestationRun prepare(
      Signer signer, EnvironmentCollector collector, Path cwd, List<String> subjectGlobs, Path bundle) {
    return prepare(signer, collector.before(cwd.toAbsolutePath().normalize()), cwd, subjectGlobs, bundle);
  }

  /** As above, with the environment snapshot already taken. */
  public static AttestationRun prepare(
      Signer signer, EnvironmentCollector.Snapshot before, Path cwd, List<String> subjectGlobs, Path bundle) {
    return prepare(signer, CompletableFuture.completedFuture(before), cwd, subjectGlobs, bundle);
  }

  /**
   * As above, with the environment snapshot being taken in parallel with the rest of the set-up:
   * the caller waits for it before the build starts (its helper commands must have ended by then).
   */
  public static AttestationRun prepare(Signer signer, CompletableFuture<EnvironmentCollector.Snapshot> before, Path cwd,
      List<String> subjectGlobs, Path bundle) {
    return new AttestationRun(signer, before, cwd.toAbsolutePath().normalize(), subjectGlobs, bundle, List.of());
  }

  /**
   * This run with subjects given by name and digest ({@link Subjects#named}) besides the globs'
   * files; with any, the record is no longer the default subject.
   */
  public AttestationRun withNamedSubjects(List<Subject> subjects) {
    return new AttestationRun(signer, before, cwd, subjectGlobs, bundle, subjects);
  }

  /** The subjects given by name and digest ({@link #withNamedSubjects}). */
  public List<Subject> namedSubjects() {
    return namedSubjects;
  }

  /** Where the bundle will be written. */
  public Path bundle() {
    return bundle;
  }

  /** The {@code --subject} globs. */
  public List<String> subjectGlobs() {
    return subjectGlobs;
  }

  /**
   * Told when a phase of {@link #finish} starts, so the CLI can show progress for a slow one
   * (toolchain versions, a Fulcio/Rekor round trip); {@code done} when the last one ends.
   */
  public interface Phases {
    void start(String phase);

    void done();

    /** The phase under way failed: its error follows, so no "done" line. */
    void failed();

    Phases NONE = new Phases() {
      @Override
      public void start(String phase) {}

      @Override
      public void done() {}

      @Override
      public void failed() {}
    };
  }

  /** What was written: the bundle file and the subjects it covers. */
  public record Result(Path bundle, List<Subject> subjects, Path recordWritten) {}

  /**
   * Signs the build. {@code recordFile} is where the run wrote the record, or null: then, when no
   * {@code --subject} was given, the record is written to {@link #DEFAULT_RECORD} to be the subject.
   */
  public Result finish(BuildRecord record, Path recordFile) throws AttestException, SigningException {
    return finish(record, recordFile, Phases.NONE);
  }

  /** As {@link #finish(BuildRecord, Path)}, telling {@code phases} what it is doing. */
  public Result finish(BuildRecord record, Path recordFile, Phases phases) throws AttestException, SigningException {
    Result result;
    try {
      result = doFinish(record, recordFile, phases);
    } catch (AttestException | SigningException | RuntimeException e) {
      phases.failed();
      throw e;
    }
    phases.done();
    return result;
  }

  private Result doFinish(BuildRecord record, Path recordFile, Phases phases) throws AttestException, SigningException {
    Path written = null;
    List<Subject> subjects;
    if (subjectGlobs.isEmpty() && namedSubjects.isEmpty()) {
      Path file = recordFile;
      if (file == null) {
        file = cwd.resolve(DEFAULT_RECORD);
        try {
          BuildRecords.write(record, file);
        } catch (RecordException e) {
          throw new AttestException(e.getMessage(), e);
        }
        written = file;
      }
      subjects = List.of(recordSubject(file));
    } else {
      subjects = withNamed(subjectGlobs.isEmpty() ? List.of() : Subjects.match(cwd, subjectGlobs), namedSubjects);
    }
    phases.start("collecting the environment facts (toolchain digests)");
    byte[] statement = Attestor.statementBytes(subjects,
        Predicate.of(record, before.join().after(BuildRecords.executed(record), BuildRecords.packageCounts(record))));
    phases.start("signing" + (signer instanceof dev.plumbline.sign.KeySigner ? "" : " (certificate from Fulcio, entry in Rekor)"));
    Bundle signed = new Attestor(signer).sign(statement);
    write(bundle, CanonicalJson.prettyBytes(signed), "bundle");
    log.debug("wrote {} covering {} subject(s)", bundle, subjects.size());
    return new Result(bundle, subjects, written);
  }

  /** The files' subjects and the named ones, by name; one name with two digests is refused. */
  static List<Subject> withNamed(List<Subject> files, List<Subject> named) throws AttestException {
    java.util.TreeMap<String, Subject> byName = new java.util.TreeMap<>();
    for (Subject s : files) {
      byName.put(s.name(), s);
    }
    for (Subject s : named) {
      Subject other = byName.putIfAbsent(s.name(), s);
      if (other != null && !other.digest().equals(s.digest())) {
        throw new AttestException("subject " + s.name() + " is given by digest sha256:" + s.digest().get("sha256")
            + " but the file of that name has sha256:" + other.digest().get("sha256"));
      }
    }
    return List.copyOf(byName.values());
  }

  private Subject recordSubject(Path file) throws AttestException {
    Path abs = cwd.resolve(file).normalize();
    String name = abs.startsWith(cwd) ? cwd.relativize(abs).toString() : abs.getFileName().toString();
    try {
      return Subject.sha256(name, Subjects.sha256Hex(abs));
    } catch (IOException e) {
      throw new AttestException("cannot read the record " + abs + " to attest it: " + e.getMessage(), e);
    }
  }

  private static void write(Path file, byte[] bytes, String what) throws AttestException {
    try {
      Path parent = file.toAbsolutePath().getParent();
      if (parent != null) {
        Files.createDirectories(parent);
      }
      dev.plumbline.record.AtomicFiles.write(file, bytes);
    } catch (IOException e) {
      String reason = e instanceof java.nio.file.NoSuchFileException ? "no such file or directory"
          : e instanceof java.nio.file.FileSystemException f && f.getReason() != null ? f.getReason()
          : String.valueOf(e.getMessage());
      throw new AttestException("cannot write the " + what + " " + file + ": " + reason, e);
    }
  }
}
