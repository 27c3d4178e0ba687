package dev.plumbline.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/** {@code plumbline policy}. */
@Command(name = "policy", mixinStandardHelpOptions = true, description = "Learns a policy from a known-good build.")
public final class PolicyCommand implements Callable<Integer> {
  @Override
  public Integer call() throws Exception {
    throw new UnsupportedOperationException("policy is not implemented yet");
  }
}
