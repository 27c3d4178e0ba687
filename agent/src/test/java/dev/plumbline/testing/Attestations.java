package dev.plumbline.testing;

import dev.plumbline.attest.AttestationRun;
import dev.plumbline.env.CommandRunner;
import dev.plumbline.env.EnvironmentCollector;
import dev.plumbline.record.BuildRecord;
import dev.plumbline.sign.KeySigner;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Signs a synthetic record in a directory, the way `run --key` does after a build. */
public final class Attestations {
  private Attestations() {}

  /** A collector over fixtures only: no host files, no processes. */
  public static EnvironmentCollector collector(Map<String, String> env, Path root) {
    CommandRunner none = (argv, dir, timeout) -> Optional.empty();
    return new EnvironmentCollector(env, root, "amd64", none);
  }

  public static AttestationRun.Result sign(
      Path dir, Path keyFile, Map<String, String> env, BuildRecord record, List<String> subjects) throws Exception {
    AttestationRun run =
        AttestationRun.prepare(KeySigner.fromFile(keyFile, env), collector(env, dir.resolve("no-root")), dir, subjects, null);
    return run.finish(record, null);
  }
}
