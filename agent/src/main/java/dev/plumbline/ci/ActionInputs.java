package dev.plumbline.ci;

import dev.plumbline.attest.AttestException;
import dev.plumbline.attest.Statement;
import dev.plumbline.attest.Subjects;
import dev.plumbline.egress.EgressConfigException;
import dev.plumbline.egress.EgressMode;
import dev.plumbline.policy.Policy;
import dev.plumbline.policy.PolicyException;
import dev.plumbline.policy.PolicyLoader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The action's inputs, as action.yml passes them: {@code PLUMBLINE_INPUT_<NAME>} environment
 * variables (NAME upper-cased, '-' as '_'), never interpolated into shell code. List inputs are
 * separated by newlines, spaces or commas; {@code #} starts a comment. {@link #of} validates
 * everything that can be checked before the build, with one message naming the input
 * ({@code grace} is checked by {@code plumbline run --grace}, which it is passed to).
 * {@code subjectDigests}: the subject given by {@code subject-name} + {@code subject-digest}
 * (attest-build-provenance's names) instead of a path, or none.
 */
public record ActionInputs(
    String run,
    String workingDirectory,
    EgressMode egressPolicy,
    List<String> allowedEndpoints,
    List<String> subjectPaths,
    List<Statement.Subject> subjectDigests,
    String signing,
    String key,
    String policy,
    boolean showSummary,
    List<String> denyUnix,
    List<String> allowUnix,
    boolean denyLoopback,
    String grace) {

  public static final String PREFIX = "PLUMBLINE_INPUT_";

  /** An input the user can fix: the message names it. */
  public static final class InputException extends Exception {
    public InputException(String message) {
      super(message);
    }
  }

  /** @param requireRun false for the whole-job mode, where each step brings its own script */
  public static ActionInputs of(Map<String, String> env, boolean requireRun) throws InputException {
    String run = get(env, "run");
    if (requireRun && run.isBlank()) {
      throw new InputException("the 'run' input is empty: give the build command(s) to trace");
    }
    EgressMode egress;
    try {
      egress = EgressMode.parse(get(env, "egress-policy", "audit"));
    } catch (EgressConfigException e) {
      throw new InputException("egress-policy must be audit or block, not '" + get(env, "egress-policy") + "'");
    }
    String signing = get(env, "signing", "auto").toLowerCase(Locale.ROOT);
    if (!List.of("auto", "keyless", "key", "none").contains(signing)) {
      throw new InputException("signing must be auto, keyless, key or none, not '" + signing + "'");
    }
    String key = get(env, "key");
    if (signing.equals("key") && key.isBlank()) {
      throw new InputException("signing: key needs the 'key' input (a PEM private key from plumbline keygen, or the path to one)");
    }
    List<String> digests = words(get(env, "subject-digest"));
    String subjectName = get(env, "subject-name").strip();
    if (digests.size() > 1) {
      throw new InputException("subject-digest takes one digest (with subject-name); use subject-path for several files");
    }
    if (digests.isEmpty() != subjectName.isEmpty()) {
      throw new InputException(digests.isEmpty() ? "subject-name needs subject-digest (sha256:HEX of the artifact it names)"
          : "subject-digest needs subject-name (the artifact's name in the attestation)");
    }
    List<Statement.Subject> named = new ArrayList<>();
    for (String d : digests) {
      try {
        named.add(Subjects.named(subjectName, d));
      } catch (AttestException e) {
        throw new InputException("subject-digest/subject-name: " + e.getMessage());
      }
    }
    return new ActionInputs(
        run,
        get(env, "working-directory", "."),
        egress,
        words(get(env, "allowed-endpoints")),
        words(get(env, "subject-path")),
        List.copyOf(named),
        signing,
        key,
        get(env, "policy").strip(),
        bool(env, "show-summary", true),
        words(get(env, "deny-unix")),
        words(get(env, "allow-unix")),
        bool(env, "deny-loopback", false),
        get(env, "grace").strip());
  }

  /** Splits a list input: newlines, spaces and commas separate; '#' starts a comment. */
  static List<String> words(String text) {
    List<String> out = new ArrayList<>();
    for (String line : text.split("\n", -1)) {
      int hash = line.indexOf('#');
      String l = hash >= 0 ? line.substring(0, hash) : line;
      for (String w : l.split("[\\s,]+")) {
        if (!w.isBlank()) {
          out.add(w.strip());
        }
      }
    }
    return out;
  }

  static String envName(String input) {
    return PREFIX + input.toUpperCase(Locale.ROOT).replace('-', '_');
  }

  private static String get(Map<String, String> env, String input) {
    return get(env, input, "");
  }

  private static String get(Map<String, String> env, String input, String dflt) {
    String v = env.get(envName(input));
    return v == null || v.isBlank() ? dflt : v.equals(v.strip()) || input.equals("run") || input.equals("key") ? v : v.strip();
  }

  private static boolean bool(Map<String, String> env, String input, boolean dflt) throws InputException {
    String v = get(env, input, String.valueOf(dflt)).toLowerCase(Locale.ROOT);
    return switch (v) {
      case "true", "yes", "1" -> true;
      case "false", "no", "0" -> false;
      default -> throw new InputException(input + " must be true or false, not '" + v + "'");
    };
  }

  /** The {@code policy} input's policy, read from under {@code workspace}; null when the input is empty. */
  public Policy loadPolicy(Path workspace) throws InputException {
    if (policy.isEmpty()) {
      return null;
    }
    try {
      return PolicyLoader.load(workspace.resolve(policy));
    } catch (PolicyException e) {
      throw new InputException("policy: " + e.getMessage());
    }
  }
}
