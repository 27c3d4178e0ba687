package dev.plumbline.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/** {@code plumbline report}. */
@Command(name = "report", mixinStandardHelpOptions = true, description = "Renders a build record or bundle as markdown or HTML.")
public final class ReportCommand implements Callable<Integer> {
  @Override
  public Integer call() throws Exception {
    throw new UnsupportedOperationException("report is not implemented yet");
  }
}
