package dev.plumbline.cli;

import dev.plumbline.AgentVersion;
import dev.plumbline.attest.AttestException;
import dev.plumbline.attest.AttestationRun;
import dev.plumbline.egress.EgressConfigException;
import dev.plumbline.egress.EgressGates;
import dev.plumbline.egress.EgressMode;
import dev.plumbline.egress.EgressSession;
import dev.plumbline.env.EnvironmentCollector;
import dev.plumbline.env.CommandRunner;
import dev.plumbline.env.HelperCommands;
import dev.plumbline.linux.NativeHeap;
import dev.plumbline.record.BuildRecord;
import dev.plumbline.record.BuildRecorder;
import dev.plumbline.record.BuildRecords;
import dev.plumbline.record.EgressRecords;
import dev.plumbline.record.PackageRecords;
import dev.plumbline.record.ExecutableHasher;
import dev.plumbline.record.GitTrackedFiles;
import dev.plumbline.record.RecordException;
import dev.plumbline.record.RecordWarmUp;
import dev.plumbline.redact.AgentSecrets;
import dev.plumbline.redact.Redaction;
import dev.plumbline.text.Printable;
import dev.plumbline.sign.KeySigner;
import dev.plumbline.sign.Signer;
import dev.plumbline.sign.SigningException;
import dev.plumbline.sigstore.SigstoreSigner;
import dev.plumbline.trace.EgressGate;
import dev.plumbline.trace.TraceEvent;
import dev.plumbline.trace.TraceException;
import dev.plumbline.trace.Tracer;
import dev.plumbline.trace.ptrace.PtraceTracer;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import picocli.CommandLine;

/** {@code plumbline run [options] -- CMD ARGS...}: trace a build, record it, optionally attest it. */
public final class RunCommand implements Callable<Integer> {
  /** This command's model (made by {@link #spec}): its command line, streams and parse result. */
  CommandLine.Model.CommandSpec spec;

  // The options: their names, labels, help text, defaults and converters are in spec(RunCommand), below.
  Path record;
  boolean json;
  Duration grace;

  // Egress (see docs/egress.md)
  EgressMode egress;
  List<String> allow = new ArrayList<>();
  Path allowFile;
  boolean denyLoopback;
  List<String> denyUnix = new ArrayList<>();
  List<String> allowUnix = new ArrayList<>();

  // Redaction (see docs/record.md)
  List<String> secretEnv = new ArrayList<>();
  List<String> secretPattern = new ArrayList<>();

  /** The redaction rules of this run, from --secret-env and --secret-pattern (set in call()). */
  private Redaction redaction = Redaction.builtIn();

  // Attestation (see docs/predicate.md)
  List<String> subjects = new ArrayList<>();
  List<String> subjectDigests = new ArrayList<>();
  Path bundle;
  Path key;
  boolean keyless;
  Path identityTokenFile;

  /** Refused: a token on the command line is readable by every process of the build. */
  String identityToken;

  Path keyPasswordFile;

  // Trust (see docs/threat-model.md)
  String user;
  boolean strict;

  // Self-check (the GitHub Action's, for any CI): verify what was signed in this same process
  boolean verify;
  Path policy;
  String certificateIdentity;
  String certificateIssuer;
  Path trustedRoot;
  Path signingConfig;

  /** The signer of this run (set by {@link #prepareAttestation}), what it signed, and --verify's check. */
  private Signer activeSigner;
  private AttestationRun.Result attested;
  private SelfCheckOptions selfCheck;

  /** Secrets handed over on descriptors, read before the agent became undumpable. */
  private SecretFiles secretFiles = new SecretFiles();

  List<String> command = new ArrayList<>();

  /**
   * Set by {@code ci github}, which runs this command in its own process: the build's environment
   * (without the action's inputs, the key above all) and where it runs, and a signer loaded
   * from a secret that never touched the disk. Null: the process's own.
   */
  Map<String, String> environment;
  Path directory;
  Signer presetSigner;
  /** The caller's descriptors the build inherits (the launcher lists them; see InheritedDescriptors). */
  private List<Integer> passFds = List.of();

  /**
   * {@code run}'s model, the one definition of its options, built here rather than by picocli from
   * annotations: picocli's reflection over them (a proxy class per annotation type, which JDK 17's
   * class archive cannot hold, and the standard help options' mixin, reflected the same way) was
   * over a third of the model's CPU, on the main thread before every build: ~120 -> ~76 ms in a
   * fresh JVM with the launcher's archive (docs/benchmarks.md). RunCommandModelTest pins the help
   * text and every argument's model to what picocli made of the annotations this replaced.
   */
  static CommandLine.Model.CommandSpec spec(RunCommand run) {
    CommandLine.Model.CommandSpec s = CommandLine.Model.CommandSpec.wrapWithoutInspection(run).name("run");
    s.usageMessage().sortOptions(false)
        .description("Runs a build command under the tracer. Its stdin, stdout and stderr pass through untouched,",
             "and plumbline exits with the build's exit code (128+N when it was killed by signal N).",
             "",
             "Exit codes of plumbline itself: 120 tracing not permitted here, 121 record or attestation",
             "not written, 125 bad usage (or block mode refused a socket given as stdin, stdout or stderr),",
             "126 command not executable, 127 command not found.",
             "")
        .footer("",
             "Examples:",
             "  plumbline run -- make -j2",
             "  plumbline run --record build.json --egress block --allow '*.debian.org:443' -- ./build.sh",
             "  plumbline run --egress block --allow-unix /run/dbus/system_bus_socket -- ./needs-dbus.sh",
             "  plumbline run --key plumbline.key --subject 'dist/*.tar.gz' -- make dist");
    s.addOption(option(run, "--record", "FILE", "record")
        .description("Write the build record (JSON) here.").build());
    s.addOption(option(run, "--json", null, "json")
        .description("Print the end-of-run summary as JSON on stdout instead of text on stderr"
            + " (after the build's own stdout, which passes through: --record FILE is cleaner for machines).").build());
    s.addOption(option(run, "--grace", "DURATION", "grace")
        .defaultValue("PT5S").converters(new DurationConverter())
        .description("How long processes that outlive the build may run before they are ended (default: 5s).").build());
    // Egress (see docs/egress.md)
    s.addOption(option(run, "--egress", "MODE", "egress")
        .defaultValue("audit").converters(new EgressModeConverter())
        .description("audit (record only, default) or block.").build());
    s.addOption(option(run, "--allow", "HOST[:PORT]", "allow")
        .description("Allowed destination: name, *.suffix, address or CIDR; repeatable.").build());
    s.addOption(option(run, "--allow-file", "FILE", "allowFile")
        .description("Read allowed destinations from FILE, one per line (# comments).").build());
    s.addOption(option(run, "--deny-loopback", null, "denyLoopback")
        .description("Treat loopback addresses like any other destination.").build());
    s.addOption(option(run, "--deny-unix", "PATH", "denyUnix")
        .description("Refuse connections to this unix socket; repeatable.").build());
    s.addOption(option(run, "--allow-unix", "PATH", "allowUnix")
        .description("Let the build use this name-resolving daemon's socket, which block mode refuses by default"
            + " (nscd, systemd-resolved, the D-Bus system bus, avahi: docs/egress.md); repeatable.").build());
    // Redaction (see docs/record.md)
    s.addOption(option(run, "--secret-env", "NAME", "secretEnv")
        .description("Treat this environment variable as a secret"
            + " (name only in the attestation, value masked wherever it appears); a glob such as '*_PASS*' is allowed;"
            + " repeatable.").build());
    s.addOption(option(run, "--secret-pattern", "REGEX", "secretPattern")
        .description("Mask every match of this regular"
            + " expression (Java syntax) in what is recorded, and treat variables whose value matches as secrets; repeatable.").build());
    // Attestation (see docs/predicate.md)
    s.addOption(option(run, "--subject", "GLOB", "subjects")
        .description("Files the build produced to attest; repeatable.").build());
    s.addOption(option(run, "--subject-digest", "NAME@sha256:HEX", "subjectDigests")
        .description("An artifact to attest by name and"
            + " digest instead of a file (an image pushed to a registry: ghcr.io/acme/app@sha256:…); repeatable.").build());
    s.addOption(option(run, "--bundle", "FILE", "bundle")
        .description("Where to write the signed bundle (default: plumbline.sigstore.json when signing).").build());
    s.addOption(option(run, "--key", "FILE", "key")
        .description("Sign with this private key (PEM, from 'plumbline keygen').").build());
    s.addOption(option(run, "--keyless", null, "keyless")
        .description("Sign keyless through Sigstore with the CI's OIDC identity.").build());
    s.addOption(option(run, "--identity-token-file", "FILE", "identityTokenFile")
        .description("Read the OIDC token for --keyless from FILE or a descriptor (/dev/fd/3); default: $SIGSTORE_ID_TOKEN, else GitHub Actions' token (the job needs id-token: write).").build());
    s.addOption(option(run, "--identity-token", "TOKEN", "identityToken").hidden(true).build());
    s.addOption(option(run, "--key-password-file", "FILE", "keyPasswordFile")
        .description("Read the key's password from FILE or a descriptor (/dev/fd/3) instead of $PLUMBLINE_KEY_PASSWORD.").build());
    // Trust (see docs/threat-model.md)
    s.addOption(option(run, "--user", "NAME|UID[:GID]", "user")
        .description("Run the build as this user (plumbline must run as root, e.g. through sudo): the build cannot read the key, the agent or the record.").build());
    s.addOption(option(run, "--strict", null, "strict")
        .description("Refuse to run when the build could read the signing key.").build());
    // Self-check
    s.addOption(option(run, "--verify", null, "verify")
        .description("After signing, verify the bundle in this process as 'plumbline verify'"
            + " would (signature by the key just used, or --certificate-identity/--certificate-oidc-issuer when keyless;"
            + " subjects; completeness; --policy): print the verdict, exit 1 when it is rejected. Nothing is run from disk"
            + " after the build: the agent that traced it checks it.").build());
    s.addOption(option(run, "--policy", "FILE", "policy")
        .description("With --verify: also hold the attestation to this policy (loaded before the build).").build());
    s.addOption(option(run, "--certificate-identity", "IDENTITY", "certificateIdentity")
        .description("With --verify --keyless: the identity the certificate must name.").build());
    s.addOption(option(run, "--certificate-oidc-issuer", "URL", "certificateIssuer")
        .description("With --verify --keyless: the OIDC issuer the certificate must name.").build());
    s.addOption(option(run, "--trusted-root", "FILE", "trustedRoot")
        .description("Sigstore trusted_root.json of a custom instance.").build());
    s.addOption(option(run, "--signing-config", "FILE", "signingConfig")
        .description("Sigstore signing_config.json of a custom instance.").build());
    Binding command = new Binding(run, "command");
    s.addPositional(CommandLine.Model.PositionalParamSpec.builder().index("0..*").paramLabel("CMD").arity("1..*").required(true)
        .type(List.class).auxiliaryTypes(String.class).initialValue(command.get()).getter(command).setter(command)
        .description("The build command and its arguments, after --.").build());
    // picocli's standard help options (mixinStandardHelpOptions), as its mixin defines them
    s.addOption(CommandLine.Model.OptionSpec.builder("-h", "--help").usageHelp(true).paramLabel("<helpRequested>")
        .type(boolean.class).initialValue(false).description("Show this help message and exit.").build());
    s.addOption(CommandLine.Model.OptionSpec.builder("-V", "--version").versionHelp(true).paramLabel("<versionRequested>")
        .type(boolean.class).initialValue(false).description("Print version information and exit.").build());
    run.spec = s;
    return s;
  }

  /**
   * The option NAME bound to the field FIELD of {@code run}, of the field's type, starting from its
   * value as picocli would; LABEL null: a flag, labelled as picocli labels one.
   */
  private static CommandLine.Model.OptionSpec.Builder option(RunCommand run, String name, String label, String field) {
    Binding b = new Binding(run, field);
    Class<?> type = b.field.getType();
    CommandLine.Model.OptionSpec.Builder option = CommandLine.Model.OptionSpec.builder(name)
        .paramLabel(label == null ? "<" + field + ">" : label).type(type).initialValue(b.get()).getter(b).setter(b);
    return type == List.class ? option.auxiliaryTypes(String.class) : option; // our lists are of strings
  }

  /**
   * A field of a run as picocli reads and writes an argument's value (plain reflection on one
   * field: no class is made for it, as a lambda or an annotation's proxy would be).
   */
  private static final class Binding implements CommandLine.Model.IGetter, CommandLine.Model.ISetter {
    private final RunCommand run;
    private final java.lang.reflect.Field field;

    Binding(RunCommand run, String name) {
      this.run = run;
      try {
        this.field = RunCommand.class.getDeclaredField(name);
      } catch (NoSuchFieldException e) {
        throw new IllegalStateException(e);
      }
    }

    @Override
    @SuppressWarnings("unchecked")
    public <T> T get() {
      try {
        return (T) field.get(run);
      } catch (IllegalAccessException e) {
        throw new IllegalStateException(e);
      }
    }

    @Override
    public <T> T set(T value) {
      T old = get();
      try {
        field.set(run, value);
      } catch (IllegalAccessException e) {
        throw new IllegalStateException(e);
      }
      return old;
    }
  }

  /**
   * Started before picocli builds the command's model: binds libc and builds the seccomp filter
   * (PtraceTracer.prepare) beside it, work the main thread otherwise did on the way to the build.
   */
  static void prepareAhead() {
    AheadOfUse.start("run-prepare", PtraceTracer::prepare);
  }

  @Override
  public Integer call() throws Exception {
    PrintWriter err = spec.commandLine().getErr();
    Path cwd = directory != null ? directory : Path.of("").toAbsolutePath();
    Map<String, String> base = environment != null ? environment : System.getenv();
    List<String> original = spec.commandLine().getParseResult().originalArgs();
    passFds = InheritedDescriptors.toPass(base, original.subList(0, Math.max(0, original.size() - command.size())),
        Path.of("/proc/self/fd"));
    try {
      redaction = Redaction.withUserRules(secretEnv, secretPattern);
    } catch (IllegalArgumentException e) {
      err.println("plumbline: " + ErrorHandler.oneLine(e));
      err.flush();
      return ExitCodes.RUN_USAGE;
    }
    BuildAccount buildAccount;
    try {
      buildAccount = BuildAccount.of(user);
    } catch (BuildAccount.BadUserException e) {
      err.println("plumbline: " + e.getMessage());
      err.flush();
      return ExitCodes.RUN_USAGE;
    }
    // secrets on descriptors are read first: an undumpable process cannot open its own /dev/fd/N
    Boolean keyReadable;
    try {
      secretFiles = SecretFiles.readDescriptors(key, keyPasswordFile, identityTokenFile);
      keyReadable = key == null ? null : buildAccount.mayRead(key);
    } catch (SigningException e) {
      err.println("plumbline: " + ErrorHandler.oneLine(e));
      err.flush();
      return ExitCodes.RUN_USAGE;
    }
    // before any key is decrypted or token used: keep the build out of our memory, environ and descriptors
    String unhardened = BuildAccount.hardenAgent();
    if (unhardened != null) {
      err.println("plumbline: warning: " + unhardened);
    }
    Map<String, String> env = new java.util.HashMap<>(buildAccount.environment(AgentSecrets.buildEnvironment(base)));
    env.remove(InheritedDescriptors.VARIABLE); // the launcher's note to us, not part of the build's environment
    // helper commands (git, toolchain versions) run in parallel with the rest of the set-up, and
    // the phase ends, with whatever they left behind, before the build starts
    HelperCommands.Phase helpers = HelperCommands.phase();
    try {
      return run(err, cwd, buildAccount, env, helpers, keyReadable);
    } finally {
      helpers.abandon(); // (a run that reached its build closed the phase before it)
    }
  }

  private int run(PrintWriter err, Path cwd, BuildAccount buildAccount, Map<String, String> env,
      HelperCommands.Phase helpers, Boolean keyReadable) throws Exception {
    CompletableFuture<GitTrackedFiles> tracked = CompletableFuture.supplyAsync(() -> GitTrackedFiles.of(cwd));
    CompletableFuture<EnvironmentCollector.Snapshot> snapshot = key == null && !keyless && presetSigner == null ? null
        : CompletableFuture.supplyAsync(() -> EnvironmentCollector.ofThisHost(redaction, buildAccount.helperRunner()).before(cwd));
    // the package databases are fingerprinted (and rpm run) before the build, alongside
    CompletableFuture<PackageRecords> packages = CompletableFuture.supplyAsync(PackageRecords::beforeOnThisHost);
    // the signer (the crypto provider's classes, decrypting the key, an OIDC token) loads beside the
    // rest of the set-up; its errors are said before the build, once it is needed
    CompletableFuture<AttestationRun> signing = CompletableFuture.supplyAsync(() -> {
      try {
        return prepareAttestation(snapshot);
      } catch (SigningException e) {
        throw new java.util.concurrent.CompletionException(e);
      }
    }, ownThread("plumbline-signer"));
    try { // what can be known before the build is reported before it
      if (record != null) {
        BuildRecords.prepareOutput(record, "record");
      }
    } catch (RecordException e) {
      err.println("plumbline: " + e.getMessage());
      err.flush();
      return ExitCodes.RUN_USAGE;
    }
    EgressSession egressSession; // the gate, DNS capture, and what egress adds to the record
    try {
      egressSession = EgressSession.start(new EgressGates.Options(egress, allow, allowFile, denyLoopback, denyUnix, allowUnix));
    } catch (EgressConfigException e) {
      err.println("plumbline: " + ErrorHandler.oneLine(e));
      err.flush();
      return ExitCodes.RUN_USAGE;
    }
    EgressGate gate = egressSession.gate();
    BuildRecord.Agent agent = EgressRecords.agent(AgentVersion.get(), "ptrace+seccomp", egressSession)
        .withTrust(buildAccount.trust(), keyReadable);

    GitTrackedFiles trackedFiles = tracked.join();
    PackageRecords packageRecords = packages.join(); // rpm, if any, is a helper: done before the phase ends
    AttestationRun attestation;
    Integer refused = null;
    try {
      attestation = signing.join();
      refused = checkSigning(err, attestation, buildAccount, keyReadable);
    } catch (java.util.concurrent.CompletionException e) {
      Throwable cause = e.getCause() == null ? e : e.getCause();
      if (!(cause instanceof SigningException) && !(cause instanceof CommandLine.ParameterException)) {
        throw e;
      }
      err.println("plumbline: " + ErrorHandler.oneLine(cause));
      err.flush();
      attestation = null;
      refused = ExitCodes.RUN_USAGE;
    }
    if (refused != null) { // before the helper commands are ended
      egressSession.close();
      return refused;
    }
    awaitHelpers(err, snapshot); // signed runs: the probes ran beside the set-up; the toolchain files hash beside the build
    helpers.close();
    Tracer tracer = new PtraceTracer();
    // the package databases' digests (dpkg's MD5) are taken in the same read as the SHA-256
    try (ExecutableHasher hasher = new ExecutableHasher(tracer.procRoot(), packageRecords.digestsToTake())) {
      // only an agent that is not root gives the build NO_NEW_PRIVS for sure (a root one without it lets
      // sudo elevate in separate-user mode)
      hasher.buildMayBeRoot(!BuildRecord.Agent.SAME_USER.equals(buildAccount.trust()));
      BuildRecorder recorder = new BuildRecorder(
          new BuildRecorder.Settings(agent, command, cwd, trackedFiles))
          // the values of our own environment and the build's: a superset of what the build can pass on
          .redacting(redaction.maskingValuesOf(System.getenv()).maskingValuesOf(env));
      egressSession.forwardDnsTo(recorder::accept);
      BesideTheBuild beside = new BesideTheBuild(packageRecords);
      Tracer.Result result;
      try (AutoCloseable forwarding = SignalForwarding.install(tracer)) {
        result = tracer.run(new Tracer.Request(command, cwd, env, grace, gate, egressSession.enforcing(), event -> {
          // on the tracer thread, the task stopped: the hasher opens /proc/PID/exe now, hashes later
          if (event instanceof TraceEvent.Exec exec) {
            beside.start(); // (the build's first exec: its command)
            recorder.exec(exec, exec.ownView() ? hasher.onExecInOwnView(exec.pid())
                : hasher.onExec(exec.pid(), exec.argv(), exec.cwd()));
          } else if (event instanceof TraceEvent.Mapped mapped) {
            // the file mapped executable, pinned now through the process's descriptor (or by name)
            recorder.mapped(mapped, hasher.hashMapped(mapped.pid(), mapped.path(), mapped.fd(), mapped.device(), mapped.inode(),
                mapped.ownView()));
          } else {
            recorder.accept(event);
          }
        }, buildAccount.user(), passFds));
      } catch (TraceException e) {
        err.println("plumbline: " + ErrorHandler.oneLine(e));
        err.flush();
        return switch (e.kind()) {
          case NOT_FOUND -> ExitCodes.NOT_FOUND;
          case NOT_EXECUTABLE -> ExitCodes.NOT_EXECUTABLE;
          case NOT_PERMITTED, FAILED -> ExitCodes.TRACE_NOT_PERMITTED;
          case REFUSED -> ExitCodes.RUN_USAGE; // like an option it refuses: fix the step, nothing ran
        };
      }
      packageRecords.buildEnded(); // the databases are read while the record is made
      if (snapshot != null) { // (complete: awaitHelpers waited for it) the toolchain files left go to normal priority
        snapshot.join().buildEnded();
      }
      NativeHeap.trim(); // what the trace's threads freed, before the record is made (the run's peak RSS)
      // what egress adds (hostnames learned from DNS) is redacted like the rest
      BuildRecord built = recorder.redact(EgressRecords.annotate(recorder.finish(
          new BuildRecorder.Outcome(result.startedAt(), result.finishedAt(),
              result.signal() == null ? Integer.valueOf(result.exitCode()) : null, result.signal()),
          HASH_WAIT), egressSession));
      built = built.withAgent(built.agent().withPrivilegeGained(
          built.notes().stream().anyMatch(n -> n.kind().equals("privilege") && !n.detail().startsWith("NO_NEW_PRIVS"))));
      built = packageRecords.annotate(built, hasher::digestsTaken);

      if (record != null) {
        try {
          BuildRecords.write(built, record);
        } catch (RecordException e) {
          err.println("plumbline: " + ErrorHandler.oneLine(e));
          err.flush();
          return ExitCodes.OUTPUT_FAILED;
        }
      }
      int exitCode = attest(attestation, built, result.exitCode());
      RunSummary.print(built, json, spec.commandLine().getOut(), err);
      if (selfCheck != null && attested != null) {
        boolean verified = selfCheck.check(attestation, attested, cwd, record, err);
        return exitCode == ExitCodes.OK && !verified ? ExitCodes.REJECTED : exitCode;
      }
      return exitCode;
    } catch (TraceException e) {
      err.println("plumbline: " + ErrorHandler.oneLine(e));
      err.flush();
      return ExitCodes.TRACE_NOT_PERMITTED;
    } finally {
      egressSession.close();
    }
  }

  /**
   * The checks that need the signer, and the warning about a readable key once every usage error
   * is out of the way: the exit code that refuses the run, or null.
   */
  private Integer checkSigning(PrintWriter err, AttestationRun attestation, BuildAccount buildAccount, Boolean keyReadable) {
    try {
      if (attestation != null) {
        BuildRecords.prepareOutput(attestation.bundle(), "bundle");
        dev.plumbline.attest.Subjects.checkGlobs(attestation.subjectGlobs());
      }
      selfCheck = SelfCheckOptions.prepare(verify, policy, certificateIdentity, certificateIssuer, trustedRoot, activeSigner);
    } catch (RecordException | AttestException | SelfCheckOptions.BadOptionException e) {
      err.println("plumbline: " + e.getMessage());
      err.flush();
      return ExitCodes.RUN_USAGE;
    }
    if (Boolean.TRUE.equals(keyReadable)) {
      String warning = "the build can read the signing key " + key + " (" + buildAccount.trust()
          + "): pass it on a descriptor (--key /dev/fd/3 3<<<\"$KEY\") or run as root with --user NAME";
      if (strict) {
        err.println("plumbline: --strict: " + warning);
        err.flush();
        return ExitCodes.RUN_USAGE;
      }
      err.println("plumbline: warning: " + warning);
      err.flush();
    }
    return null;
  }

  /**
   * Two threads for work otherwise done between the build's end and the agent's exit: one makes
   * the record's JSON mappers ({@link RecordWarmUp}), the other reads the package databases once
   * fingerprinted ({@link PackageRecords#prepare}); ~0.5 s of CPU in all, once. On one thread the
   * databases waited for the mappers (0.19 s on a quiet machine), and after /bin/true the record
   * waited 0.15 s for the databases (docs/benchmarks.md). Started at the build's first exec, not
   * during the set-up: nothing before the build needs them, and on 2 cores their CPU there delayed
   * the build's start (docs/benchmarks.md, "Fixed cost"). Not at nice 19: on a busy host such a
   * thread was still at it seconds after a short build had ended. Daemon threads, each ending once
   * done (or with the agent). What the package thread reads is vouched for by the fingerprint
   * taken again after the build (the build may change the databases while they are read: then
   * they are read again), so a hostile build gains nothing by racing it. The warm-up reads nothing.
   * A build that never execs gets neither: the record then does their work itself, as before.
   */
  private static final class BesideTheBuild {
    private final PackageRecords packages;
    private boolean started; // (only the tracer thread calls start)

    BesideTheBuild(PackageRecords packages) {
      this.packages = packages;
    }

    void start() {
      if (started) {
        return;
      }
      started = true;
      CompletableFuture.runAsync(RecordWarmUp::run, ownThread("plumbline-record-warm-up")); // (whatever it throws stays in the future: no stack trace)
      packages.prepare(ownThread("plumbline-package-lists")); // what it reads is checked against the fingerprint after the build
    }
  }

  /**
   * Runs each task given to it on a daemon thread of its own named NAME, started at once: the
   * threads beside the set-up and the build, each ending once its task is done (or with the agent).
   */
  private static java.util.concurrent.Executor ownThread(String name) {
    return task -> {
      Thread t = new Thread(task, name);
      t.setDaemon(true);
      t.start();
    };
  }

  /** How long the record may wait for the last executables to be hashed. */
  private static final Duration HASH_WAIT = Duration.ofSeconds(60);

  // ---- attestation (owned by the attest area; the tracing flow calls these two) ----

  /**
   * Call before the build: reads the signing key (so a missing key or wrong password fails before
   * anything runs) and returns null when the run does not sign.
   */
  AttestationRun prepareAttestation() throws SigningException {
    return prepareAttestation(null);
  }

  /** As {@link #prepareAttestation()}, with the environment snapshot being taken already (or null: take it now). */
  AttestationRun prepareAttestation(CompletableFuture<EnvironmentCollector.Snapshot> snapshot) throws SigningException {
    Signer signer;
    Progress loading = new Progress(spec.commandLine().getErr());
    loading.start("loading the signer");
    try {
      signer = signer();
    } catch (SigningException | RuntimeException e) {
      loading.failed();
      throw e;
    }
    loading.done();
    activeSigner = signer;
    if (signer == null) {
      if (!subjects.isEmpty() || !subjectDigests.isEmpty() || bundle != null) {
        throw new CommandLine.ParameterException(
            spec.commandLine(), "--subject, --subject-digest and --bundle need a signer: --key FILE or --keyless");
      }
      return null;
    }
    List<dev.plumbline.attest.Statement.Subject> named = new ArrayList<>();
    for (String d : subjectDigests) {
      try {
        named.add(dev.plumbline.attest.Subjects.parseNamed(d));
      } catch (dev.plumbline.attest.AttestException e) {
        throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
      }
    }
    Path cwd = directory != null ? directory : Path.of("").toAbsolutePath();
    if (snapshot == null) { // nobody is taking it yet: take it now
      snapshot = CompletableFuture.completedFuture(
          EnvironmentCollector.ofThisHost(redaction, CommandRunner.processes()).before(cwd));
    }
    // the run waits for the snapshot's helper commands before the build (awaitHelpers), not here
    return AttestationRun.prepare(signer, snapshot, cwd, subjects, bundle).withNamedSubjects(named);
  }

  /**
   * Waits for the helper commands of the environment snapshot (toolchain versions, git), running
   * since the set-up began, with a progress line when the wait is long; bounded by their timeouts.
   */
  private void awaitHelpers(PrintWriter err, CompletableFuture<EnvironmentCollector.Snapshot> snapshot) {
    if (snapshot == null) {
      return;
    }
    Progress progress = new Progress(err);
    try {
      progress.start("collecting the environment facts (toolchain versions, git)");
      snapshot.join();
    } finally {
      progress.done();
    }
  }

  /** The signer this run asked for, or null. Keyless signing (sigstore area) plugs in here. */
  Signer signer() throws SigningException {
    if (presetSigner != null) {
      return presetSigner;
    }
    if (key != null && keyless) {
      throw new CommandLine.ParameterException(spec.commandLine(), "--key and --keyless exclude each other");
    }
    if (identityToken != null) {
      throw new CommandLine.ParameterException(spec.commandLine(), "--identity-token puts the token on the command line,"
          + " where every process of the build can read it: use --identity-token-file FILE (or /dev/fd/N) or $SIGSTORE_ID_TOKEN");
    }
    if (key != null) {
      Map<String, String> passwordSource = System.getenv();
      if (keyPasswordFile != null) {
        passwordSource = Map.of(dev.plumbline.sign.Keys.PASSWORD_ENV, secretFiles.text(keyPasswordFile, "key password"));
      }
      if (SecretFiles.isDescriptor(key)) {
        return KeySigner.fromPem(new String(secretFiles.bytes(key, "private key"), java.nio.charset.StandardCharsets.UTF_8),
            key.toString(), passwordSource);
      }
      return KeySigner.fromFile(key, passwordSource);
    }
    if (keyless) {
      String token = identityTokenFile == null ? null : secretFiles.text(identityTokenFile, "identity token");
      // sigstore area: fails here, before the build, when there is no OIDC token source at all
      return SigstoreSigner.create(token, System.getenv(), trustedRoot, signingConfig, Clock.systemUTC());
    }
    return null;
  }

  /**
   * Call after the build, with the record built and (when --record was given) written: signs and
   * writes the bundle. Returns {@link ExitCodes#OUTPUT_FAILED} when that failed, else the build's code.
   */
  int attest(AttestationRun attestation, BuildRecord buildRecord, int buildExitCode) {
    if (attestation == null) {
      return buildExitCode;
    }
    PrintWriter err = spec.commandLine().getErr();
    try {
      AttestationRun.Result result = attestation.finish(buildRecord, record, new Progress(err));
      attested = result;
      err.println("plumbline: signed attestation " + result.bundle() + " (" + result.subjects().size() + " subject"
          + (result.subjects().size() == 1 ? "" : "s") + ": " + String.join(", ", result.subjects().stream().map(s -> Printable.inline(s.name())).toList()) + ")");
      err.flush();
      return buildExitCode;
    } catch (AttestException | SigningException e) {
      err.println("plumbline: attestation not written: " + ErrorHandler.oneLine(e));
      err.flush();
      return ExitCodes.OUTPUT_FAILED;
    }
  }
}
