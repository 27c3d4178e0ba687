package dev.plumbline.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/** {@code plumbline keygen}. */
@Command(name = "keygen", mixinStandardHelpOptions = true, description = "Creates an ECDSA P-256 key pair for signing attestations.")
public final class KeygenCommand implements Callable<Integer> {
  @Override
  public Integer call() throws Exception {
    throw new UnsupportedOperationException("keygen is not implemented yet");
  }
}
