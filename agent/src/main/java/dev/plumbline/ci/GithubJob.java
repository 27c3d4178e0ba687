package dev.plumbline.ci;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.plumbline.attest.AttestException;
import dev.plumbline.attest.AttestationRun;
import dev.plumbline.attest.Subjects;
import dev.plumbline.env.EnvironmentCollector;
import dev.plumbline.policy.Policy;
import dev.plumbline.record.BuildRecord;
import dev.plumbline.record.BuildRecords;
import dev.plumbline.record.JobRecord;
import dev.plumbline.record.RecordException;
import dev.plumbline.redact.ArgvRedactor;
import dev.plumbline.sign.KeySigner;
import dev.plumbline.sign.Signer;
import dev.plumbline.sign.SigningException;
import dev.plumbline.sigstore.SigstoreSigner;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.PublicKey;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * A whole job traced step by step: {@code job: start} writes the session (egress settings) and
 * puts {@code plumbline-shell} on the PATH; every {@code run:} step with {@code shell:
 * plumbline-shell {0}} (or {@code defaults.run.shell}) is traced into its own record
 * ({@link #step}); {@code job: finish} merges them into one record with a section per step
 * ({@link JobRecord}), signs it once and verifies it like a single run. The session lives under
 * the runner's temp directory, which container jobs mount too.
 */
public final class GithubJob {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** The agent's launcher, which the {@code plumbline-shell} wrapper execs (set by action.yml). */
  public static final String AGENT_ENV = "PLUMBLINE_AGENT";

  private GithubJob() {}

  static Path sessionDir(GithubContext ctx) {
    return ctx.outDir().resolve("job");
  }

  /** {@code job: start}: the session file and the plumbline-shell wrapper; returns the commands to print. */
  public static List<String> start(Map<String, String> env) throws ActionInputs.InputException {
    GithubContext ctx = GithubContext.of(env);
    ActionInputs in = ActionInputs.of(env, false);
    String agent = env.get(AGENT_ENV);
    if (agent == null || agent.isBlank()) {
      throw new ActionInputs.InputException(AGENT_ENV + " is not set: job: start runs from action.yml, which sets it");
    }
    Path dir = sessionDir(ctx);
    Path bin = dir.resolve("bin");
    try {
      if (Files.exists(dir)) {
        try (Stream<Path> old = Files.list(dir)) {
          for (Path p : old.filter(p -> p.getFileName().toString().startsWith("step-")).toList()) {
            Files.delete(p);
          }
        }
      }
      Files.createDirectories(bin);
      ObjectNode session = JSON.createObjectNode();
      session.put("egress", in.egressPolicy().label());
      session.set("allow", JSON.valueToTree(in.allowedEndpoints()));
      session.set("denyUnix", JSON.valueToTree(in.denyUnix()));
      session.set("allowUnix", JSON.valueToTree(in.allowUnix()));
      session.put("denyLoopback", in.denyLoopback());
      session.put("grace", in.grace());
      Files.writeString(dir.resolve("session.json"), JSON.writeValueAsString(session));
      Path shell = bin.resolve("plumbline-shell");
      Files.writeString(shell, "#!/bin/sh\n# GitHub runs each step as: plumbline-shell SCRIPT (shell: plumbline-shell {0})\nexec '"
          + agent.replace("'", "'\\''") + "' ci github step \"$@\"\n");
      Files.setPosixFilePermissions(shell, PosixFilePermissions.fromString("rwxr-xr-x"));
      if (ctx.pathFile() != null) {
        Files.writeString(ctx.pathFile(), bin + "\n", StandardCharsets.UTF_8,
            java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
      }
    } catch (IOException e) {
      throw new ActionInputs.InputException("cannot start the job session under " + dir + ": " + e.getMessage());
    }
    return List.of(WorkflowCommands.notice("Plumbline", "tracing this job: steps with shell: plumbline-shell {0} are recorded (egress "
        + in.egressPolicy().label() + "); finish with the action's job: finish"));
  }

  /** A step to trace: the arguments for {@code plumbline run}, its record, and the build's environment. */
  public record Step(List<String> runArguments, Path record, Path directory, Map<String, String> buildEnvironment, String command) {}

  /** {@code plumbline ci github step SCRIPT}: what to run for this step. */
  public static Step step(Map<String, String> env, String script, Path cwd) throws ActionInputs.InputException {
    GithubContext ctx = GithubContext.of(env);
    Path dir = sessionDir(ctx);
    ObjectNode session;
    try {
      session = (ObjectNode) JSON.readTree(dir.resolve("session.json").toFile());
    } catch (IOException | ClassCastException e) {
      throw new ActionInputs.InputException("no job session under " + dir + ": run the action with job: start before steps that use plumbline-shell");
    }
    int n;
    try (Stream<Path> files = Files.list(dir)) {
      n = (int) files.filter(p -> p.getFileName().toString().matches("step-\\d+\\.json")).count() + 1;
    } catch (IOException e) {
      throw new ActionInputs.InputException("cannot read the job session " + dir + ": " + e.getMessage());
    }
    Path record = dir.resolve(String.format("step-%03d.json", n));
    List<String> args = new ArrayList<>(List.of("run", "--record", record.toString(), "--egress", session.path("egress").asText("audit")));
    session.path("allow").forEach(a -> args.addAll(List.of("--allow", a.asText())));
    session.path("denyUnix").forEach(u -> args.addAll(List.of("--deny-unix", u.asText())));
    session.path("allowUnix").forEach(u -> args.addAll(List.of("--allow-unix", u.asText())));
    if (session.path("denyLoopback").asBoolean(false)) {
      args.add("--deny-loopback");
    }
    if (!session.path("grace").asText("").isEmpty()) {
      args.addAll(List.of("--grace", session.path("grace").asText()));
    }
    args.add("--");
    args.addAll(List.of("bash", "--noprofile", "--norc", "-eo", "pipefail", script));
    String text;
    try {
      text = Files.readString(Path.of(script), StandardCharsets.UTF_8);
    } catch (IOException e) {
      text = script;
    }
    // the step's script as the summary shows it: secrets a workflow substituted into it are masked
    List<String> redacted = ArgvRedactor.redact(List.of("bash", "-c", text.strip()));
    String command = String.join(" ⏎ ", redacted.get(redacted.size() - 1).lines().map(String::strip).filter(l -> !l.isEmpty()).toList());
    try {
      Files.writeString(dir.resolve(String.format("step-%03d.command", n)), command, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new ActionInputs.InputException("cannot write to the job session " + dir + ": " + e.getMessage());
    }
    Map<String, String> buildEnv = new HashMap<>(env);
    buildEnv.keySet().removeIf(k -> k.startsWith(ActionInputs.PREFIX));
    return new Step(List.copyOf(args), record, cwd, Map.copyOf(buildEnv), command);
  }

  /** After a step: its annotations (paths relative to the workspace). */
  public static List<String> afterStep(Step step, Map<String, String> env) {
    GithubContext ctx = GithubContext.of(env);
    try {
      BuildRecord r = BuildRecords.read(step.record());
      Path ws = ctx.workspace().normalize();
      Path wd = step.directory().normalize();
      String prefix = wd.startsWith(ws) && !wd.equals(ws) ? ws.relativize(wd).toString().replace('\\', '/') + "/" : "";
      return Annotations.of(r, prefix);
    } catch (RecordException e) {
      return List.of(WorkflowCommands.error("Plumbline", "this step's record was not written: " + e.getMessage()));
    }
  }

  /** {@code job: finish}: one record of every step, signed once, verified, reported. */
  public static GithubAction.Result finish(Map<String, String> env, Clock clock) throws ActionInputs.InputException {
    GithubContext ctx = GithubContext.of(env);
    ActionInputs in = ActionInputs.of(env, false);
    Signing signing = Signing.choose(in, ctx, env);
    Path dir = sessionDir(ctx);
    List<JobRecord.StepRecord> steps = new ArrayList<>();
    List<Path> records;
    try (Stream<Path> files = Files.list(dir)) {
      records = files.filter(p -> p.getFileName().toString().matches("step-\\d+\\.json")).sorted().toList();
    } catch (IOException e) {
      throw new ActionInputs.InputException("no job session under " + dir + ": run the action with job: start first");
    }
    if (records.isEmpty()) {
      throw new ActionInputs.InputException("no step of this job was traced: give the steps shell: plumbline-shell {0} (or defaults.run.shell)");
    }
    try {
      for (Path p : records) {
        Path commandFile = p.resolveSibling(p.getFileName().toString().replace(".json", ".command"));
        String command = Files.isRegularFile(commandFile) ? Files.readString(commandFile) : p.getFileName().toString();
        steps.add(new JobRecord.StepRecord(BuildRecords.read(p), command, Subjects.sha256Hex(p)));
      }
    } catch (RecordException | IOException e) {
      throw new ActionInputs.InputException("cannot read a step record: " + e.getMessage());
    }
    Path record = ctx.outDir().resolve("build.json");
    Path bundle = ctx.outDir().resolve("plumbline.sigstore.json");
    Path report = ctx.outDir().resolve("report.html");
    BuildRecord job = JobRecord.merge(steps, List.of("plumbline-shell", steps.size() + " steps"), ctx.workspace().toString());
    Policy policy = in.loadPolicy(ctx.workspace());
    List<String> notices = new ArrayList<>();
    if (signing.notice() != null) {
      notices.add(signing.notice());
    }
    Signer signer = null;
    PublicKey publicKey = null;
    Path trustedRoot = env.get(GithubAction.TRUSTED_ROOT_ENV) == null ? null : Path.of(env.get(GithubAction.TRUSTED_ROOT_ENV));
    try {
      Files.deleteIfExists(bundle);
      Files.deleteIfExists(report);
      BuildRecords.write(job, record);
      if (signing.mode() == Signing.Mode.KEY) {
        KeySigner k = GithubAction.keySigner(in, ctx, env);
        signer = k;
        publicKey = k.publicKey();
      } else if (signing.mode() == Signing.Mode.KEYLESS) {
        String config = env.get(GithubAction.SIGNING_CONFIG_ENV);
        signer = SigstoreSigner.create(null, env, trustedRoot, config == null ? null : Path.of(config), clock);
      }
    } catch (IOException | RecordException | SigningException e) {
      throw new ActionInputs.InputException(e.getMessage());
    }
    List<String> commands = new ArrayList<>();
    if (signer != null) {
      try {
        // the environment facts are taken now, after the steps: a job has no single "before the build"
        AttestationRun.prepare(signer, EnvironmentCollector.ofThisHost(), ctx.workspace(), in.subjectPaths(), bundle)
            .withNamedSubjects(in.subjectDigests()).finish(job, record);
      } catch (AttestException | SigningException e) {
        commands.add(WorkflowCommands.error("Plumbline", "the job's attestation was not written: " + e.getMessage()));
      }
    }
    GithubAction.Plan plan = new GithubAction.Plan(in, ctx, signing, ctx.workspace(), record, bundle, report, policy, signer, publicKey,
        trustedRoot, List.of(), Map.of(), env, List.copyOf(notices), null, StepFiles.before(ctx),
        // this process started after the steps: files a step changed are the ones it runs from (docs/threat-model.md)
        null);
    int failed = job.invocation().exitCode() == null ? 1 : job.invocation().exitCode();
    GithubAction.Result r = GithubAction.finish(plan, 0, clock);
    commands.addAll(r.commands());
    return new GithubAction.Result(r.exitCode() != 0 ? r.exitCode() : failed != 0 ? 1 : 0, r.verdict(), commands);
  }
}
