package dev.plumbline.ci;

import dev.plumbline.attest.AttestException;
import dev.plumbline.attest.Statement;
import dev.plumbline.attest.Subjects;
import dev.plumbline.policy.Evidence;
import dev.plumbline.policy.EvidenceFiles;
import dev.plumbline.policy.Policy;
import dev.plumbline.policy.PolicyException;
import dev.plumbline.record.AtomicFiles;
import dev.plumbline.report.HtmlReport;
import dev.plumbline.sign.KeySigner;
import dev.plumbline.sign.Signer;
import dev.plumbline.sign.SigningException;
import dev.plumbline.sigstore.IdentityToken;
import dev.plumbline.sigstore.IdentityTokens;
import dev.plumbline.sigstore.SigstoreException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PublicKey;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code plumbline ci github run}: the GitHub Action in one agent process. {@link #prepare} reads
 * the inputs and the runner's environment and checks everything that can be known before the
 * build (inputs, working directory, policy, key, identity token); the CLI then runs the build
 * with {@link Plan#runArguments()}; {@link #finish} verifies the result like a downstream
 * consumer, writes the outputs, the job summary and the HTML report, and returns the annotations
 * to print and the step's exit code.
 */
public final class GithubAction {
  /** The wrapper a {@code run:} step gets; the summary shows the script, not this. */
  public static final List<String> SHELL = List.of("bash", "--noprofile", "--norc", "-eo", "pipefail", "-c");

  /** Where a custom Sigstore instance is configured (tests, private deployments); public-good when unset. */
  public static final String TRUSTED_ROOT_ENV = "PLUMBLINE_TRUSTED_ROOT";
  public static final String SIGNING_CONFIG_ENV = "PLUMBLINE_SIGNING_CONFIG";

  private GithubAction() {}

  /** Everything decided before the build. */
  public record Plan(
      ActionInputs inputs,
      GithubContext context,
      Signing signing,
      Path directory,
      Path record,
      Path bundle,
      Path report,
      Policy policy,
      Signer presetSigner,
      PublicKey publicKey,
      Path trustedRoot,
      List<String> runArguments,
      Map<String, String> buildEnvironment,
      Map<String, String> agentEnvironment,
      List<String> notices,
      String buildUser,
      StepFiles stepFiles,
      AgentFiles agentFiles) {

    /** "build" when the build ran in the workspace root, else its path relative to the workspace, for file annotations. */
    String pathPrefix() {
      Path ws = context.workspace().normalize();
      Path wd = directory.normalize();
      if (!wd.startsWith(ws) || wd.equals(ws)) {
        return "";
      }
      return ws.relativize(wd).toString().replace('\\', '/') + "/";
    }
  }

  /** What to print and how the step ends. */
  public record Result(int exitCode, ActionVerdict verdict, List<String> commands) {}

  public static Plan prepare(Map<String, String> env) throws ActionInputs.InputException {
    return prepare(env, null);
  }

  /**
   * @param buildUser the user the build runs as when the agent runs privileged (the action runs it
   *     through sudo on a hosted runner, outside containers), or null: the same user as the agent
   */
  public static Plan prepare(Map<String, String> env, String buildUser) throws ActionInputs.InputException {
    GithubContext ctx = GithubContext.of(env);
    ActionInputs in = ActionInputs.of(env, true);
    Signing signing = Signing.choose(in, ctx, env);
    List<String> notices = new ArrayList<>();
    if (signing.notice() != null) {
      notices.add(signing.notice());
    }
    Path wd = ctx.workspace().resolve(in.workingDirectory()).normalize();
    if (!Files.isDirectory(wd)) {
      throw new ActionInputs.InputException("working-directory '" + in.workingDirectory() + "' does not exist under " + ctx.workspace());
    }
    Policy policy = in.loadPolicy(ctx.workspace());
    Path out = ctx.outDir();
    Path record = out.resolve("build.json");
    Path bundle = out.resolve("plumbline.sigstore.json");
    Path report = out.resolve("report.html");
    try {
      Files.createDirectories(out);
      for (Path p : List.of(record, bundle, report)) {
        Files.deleteIfExists(p);
      }
    } catch (IOException e) {
      throw new ActionInputs.InputException("cannot prepare " + out + ": " + e.getMessage());
    }

    Map<String, String> buildEnv = new HashMap<>(env);
    buildEnv.keySet().removeIf(k -> k.startsWith(ActionInputs.PREFIX));
    List<String> args = new ArrayList<>(List.of("run", "--record", record.toString(), "--egress", in.egressPolicy().label()));
    in.allowedEndpoints().forEach(a -> args.addAll(List.of("--allow", a)));
    in.denyUnix().forEach(u -> args.addAll(List.of("--deny-unix", u)));
    in.allowUnix().forEach(u -> args.addAll(List.of("--allow-unix", u)));
    if (in.denyLoopback()) {
      args.add("--deny-loopback");
    }
    if (!in.grace().isEmpty()) {
      args.addAll(List.of("--grace", in.grace()));
    }
    if (buildUser != null) {
      args.addAll(List.of("--user", buildUser));
    }
    Signer preset = null;
    PublicKey publicKey = null;
    Path trustedRoot = path(env.get(TRUSTED_ROOT_ENV));
    switch (signing.mode()) {
      case KEY -> {
        subjectArguments(in, args);
        args.addAll(List.of("--bundle", bundle.toString()));
        KeySigner signer = keySigner(in, ctx, env);
        preset = signer;
        publicKey = signer.publicKey();
      }
      case KEYLESS -> {
        subjectArguments(in, args);
        args.addAll(List.of("--keyless", "--bundle", bundle.toString()));
        if (trustedRoot != null) {
          args.addAll(List.of("--trusted-root", trustedRoot.toString()));
        }
        Path signingConfig = path(env.get(SIGNING_CONFIG_ENV));
        if (signingConfig != null) {
          args.addAll(List.of("--signing-config", signingConfig.toString()));
        }
      }
      case NONE -> {
        if (!in.subjectPaths().isEmpty() || !in.subjectDigests().isEmpty()) {
          notices.add((in.subjectPaths().isEmpty() ? "subject-digest" : "subject-path") + " is ignored: the build is not signed");
        }
      }
    }
    args.add("--");
    args.addAll(SHELL);
    args.add(in.run());
    // last, right before the build: the step's files as they are, and the agent's own files
    return new Plan(in, ctx, signing, wd, record, bundle, report, policy, preset, publicKey, trustedRoot,
        List.copyOf(args), Map.copyOf(buildEnv), Map.copyOf(env), List.copyOf(notices), buildUser,
        StepFiles.before(ctx), AgentFiles.ofThisProcess());
  }

  /** {@code --subject GLOB} for each subject-path, {@code --subject-digest NAME@sha256:HEX} for subject-name + subject-digest. */
  private static void subjectArguments(ActionInputs in, List<String> args) {
    in.subjectPaths().forEach(s -> args.addAll(List.of("--subject", s)));
    in.subjectDigests().forEach(s -> args.addAll(List.of("--subject-digest", s.name() + "@sha256:" + s.digest().get("sha256"))));
  }

  /** The {@code key} input's signer: a PEM secret read from this process's memory (never written where the build could read it), or a key file. */
  static KeySigner keySigner(ActionInputs in, GithubContext ctx, Map<String, String> env) throws ActionInputs.InputException {
    try {
      return in.key().contains("-----BEGIN")
          ? KeySigner.fromPem(in.key(), "the key input", env)
          : KeySigner.fromFile(ctx.workspace().resolve(in.key().strip()), env);
    } catch (SigningException e) {
      throw new ActionInputs.InputException("key: " + e.getMessage());
    }
  }

  /** After the build (exit code {@code runExit} from {@code plumbline run}): verify, outputs, summary, report. */
  public static Result finish(Plan plan, int runExit, Clock clock) {
    List<String> commands = new ArrayList<>();
    plan.notices().forEach(n -> commands.add(WorkflowCommands.notice("Plumbline", n)));
    // first, before anything is loaded from them: the files this process runs from are the ones it started with
    List<Path> modified = plan.agentFiles() == null ? List.of() : plan.agentFiles().changed();
    SelfCheck.Outcome outcome = modified.isEmpty() ? outcome(plan, clock)
        : new SelfCheck.Outcome(ActionVerdict.ERROR, "the build modified the agent's own files (" + modified.size() + ", e.g. "
            + modified.get(0) + "): what this process loads now may be the build's, so it gives no verdict; install the agent"
            + " where the build cannot write (separate-user mode)", null, null, null, List.of());
    ActionVerdict verdict = outcome.verdict();
    Map<String, String> outputs = new LinkedHashMap<>();
    outputs.put("record-path", Files.isRegularFile(plan.record()) ? plan.record().toString() : "");
    outputs.put("bundle-path", plan.signing().mode() != Signing.Mode.NONE && Files.isRegularFile(plan.bundle()) ? plan.bundle().toString() : "");
    if (outcome.evidence() != null) {
      try {
        // never through a link the build planted at that path
        AtomicFiles.write(plan.report(), HtmlReport.render(outcome.evidence()).getBytes(StandardCharsets.UTF_8));
      } catch (IOException e) {
        commands.add(WorkflowCommands.warning("Plumbline", "the HTML report was not written: " + e.getMessage()));
      }
      commands.addAll(Annotations.of(outcome.evidence().record(), plan.pathPrefix()));
    }
    outputs.put("report-path", Files.isRegularFile(plan.report()) ? plan.report().toString() : "");
    outputs.put("verdict", verdict.output());
    try {
      if (plan.stepFiles().writeOutputs(outputs)) {
        commands.add(WorkflowCommands.warning("Plumbline", "the build wrote to this step's output file (GITHUB_OUTPUT):"
            + " discarded, the action's outputs are the agent's"));
      }
      if (plan.inputs().showSummary()) {
        plan.stepFiles().writeSummary(JobSummary.render(outcome, facts(plan)));
      }
    } catch (IOException e) {
      commands.add(WorkflowCommands.error("Plumbline", "cannot write the step's outputs or summary: " + e.getMessage()));
      return new Result(runExit != 0 ? runExit : 1, verdict, commands);
    }
    int exit = runExit;
    if (runExit != 0) {
      commands.add(WorkflowCommands.error("Plumbline", switch (runExit) {
        case 120 -> "tracing is not permitted here (ptrace blocked by a seccomp profile or Yama): see the log above";
        case 121 -> "the build ran but plumbline could not write or sign the record (exit 121): see the log above";
        case 125 -> "plumbline refused its options (exit 125): see the log above";
        default -> "the build exited with " + runExit + " under plumbline";
      }));
    } else if (verdict.failsStep()) {
      commands.add(WorkflowCommands.error("Plumbline", (plan.signing().mode() == Signing.Mode.NONE
          ? "the build record did not pass the policy" : "the attestation did not verify")
          + " (verdict: " + verdict.output() + "): " + outcome.reason()));
      exit = 1;
    }
    return new Result(exit, verdict, commands);
  }

  static SelfCheck.Outcome outcome(Plan plan, Clock clock) {
    if (!Files.isRegularFile(plan.record())) {
      return new SelfCheck.Outcome(ActionVerdict.NO_RECORD, "the build record was not written", null, null, null, List.of());
    }
    Evidence recordEvidence;
    try {
      recordEvidence = EvidenceFiles.readRecord(plan.record());
    } catch (PolicyException e) {
      return new SelfCheck.Outcome(ActionVerdict.ERROR, e.getMessage(), null, null, null, List.of());
    }
    if (plan.signing().mode() == Signing.Mode.NONE) {
      return SelfCheck.unsigned(recordEvidence, plan.policy(), clock);
    }
    if (!Files.isRegularFile(plan.bundle())) {
      return new SelfCheck.Outcome(ActionVerdict.ERROR, "the build was traced but the bundle was not written", null, null, recordEvidence, List.of());
    }
    // what a downstream consumer verifies: each subject file, each named subject by its digest
    List<String> artifacts = new ArrayList<>();
    try {
      if (plan.inputs().subjectPaths().isEmpty() && plan.inputs().subjectDigests().isEmpty()) {
        artifacts.add(plan.record().toString()); // the record is the subject
      }
      if (!plan.inputs().subjectPaths().isEmpty()) {
        for (Statement.Subject s : Subjects.match(plan.directory(), plan.inputs().subjectPaths())) {
          artifacts.add(plan.directory().resolve(s.name()).toString());
        }
      }
      plan.inputs().subjectDigests().forEach(s -> artifacts.add("sha256:" + s.digest().get("sha256")));
    } catch (AttestException e) {
      return new SelfCheck.Outcome(ActionVerdict.ERROR, e.getMessage(), null, null, recordEvidence, List.of());
    }
    SelfCheck.ExpectedSigner signer;
    if (plan.publicKey() != null) {
      signer = SelfCheck.ExpectedSigner.key(plan.publicKey());
    } else {
      String identity;
      try {
        identity = expectedIdentity(plan.context(), plan.agentEnvironment(), clock);
      } catch (SigstoreException e) {
        return new SelfCheck.Outcome(ActionVerdict.ERROR, "cannot tell which identity to expect: " + e.getMessage(), null, null, recordEvidence, List.of());
      }
      signer = SelfCheck.ExpectedSigner.keyless(identity, GithubContext.ACTIONS_ISSUER, plan.trustedRoot());
    }
    return SelfCheck.signed(plan.bundle(), signer, plan.policy(), artifacts, recordEvidence, clock);
  }

  /**
   * The certificate identity a keyless signature of this job carries: GitHub certifies the
   * token's {@code job_workflow_ref}, which for a reusable workflow is the called workflow, not
   * the caller's {@code GITHUB_WORKFLOW_REF}. Read from a fresh token of the same source.
   */
  static String expectedIdentity(GithubContext ctx, Map<String, String> env, Clock clock) throws SigstoreException {
    IdentityToken token = IdentityTokens.resolve(null, env, new okhttp3.OkHttpClient(), clock);
    String ref = IdentityToken.claims(token.jwt()).path("job_workflow_ref").asText("");
    if (ref.isEmpty()) {
      ref = ctx.workflowRef() == null ? "" : ctx.workflowRef();
    }
    if (ref.isEmpty()) {
      throw new SigstoreException("the token has no job_workflow_ref and GITHUB_WORKFLOW_REF is unset");
    }
    return ctx.serverUrl() + "/" + ref;
  }

  static JobSummary.Facts facts(Plan plan) {
    String signing = switch (plan.signing().mode()) {
      case KEY -> "key";
      case KEYLESS -> "keyless (Sigstore)";
      case NONE -> "none";
    };
    String user = plan.buildUser() != null
        ? plan.buildUser() + ", separate from the agent (root through sudo): the build could not read the key, the agent or its record"
        : plan.agentFiles() != null
        ? "same user as the agent: the build could read what that user can and write the agent's files (checked unchanged"
            + " after the build; a hosted runner with sudo, outside containers, separates them)"
        : "same user as the agent: a step could read what that user can and change what later steps and job: finish"
            + " ran (the plumbline-shell wrapper, the session, PATH, the action's files; the agent too unless sudo made a"
            + " root-owned copy), which this check cannot rule out (a single traced run can be separated and checked)";
    return new JobSummary.Facts(plan.inputs().egressPolicy(), plan.inputs().denyLoopback(), signing, user,
        plan.notices(), plan.policy() == null ? null : plan.inputs().policy());
  }

  private static Path path(String s) {
    return s == null || s.isBlank() ? null : Path.of(s);
  }
}
