package dev.plumbline.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/** {@code plumbline verify}. */
@Command(name = "verify", mixinStandardHelpOptions = true, description = "Verifies a signed build attestation offline and prints a verdict.")
public final class VerifyCommand implements Callable<Integer> {
  @Override
  public Integer call() throws Exception {
    throw new UnsupportedOperationException("verify is not implemented yet");
  }
}
