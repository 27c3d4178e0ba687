package dev.plumbline.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class MainTest {
  @Test
  void helpListsEverySubcommand() {
    StringWriter out = new StringWriter();
    CommandLine cl = Main.commandLine();
    cl.setOut(new PrintWriter(out));
    assertEquals(0, cl.execute("--help"));
    for (String sub : new String[] {"run", "verify", "keygen", "policy", "report"}) {
      assertTrue(out.toString().contains(sub), "help mentions " + sub);
    }
  }

  @Test
  void unknownOptionIsAUsageErrorWithOneLine() {
    StringWriter err = new StringWriter();
    CommandLine cl = Main.commandLine();
    cl.setErr(new PrintWriter(err));
    assertEquals(ExitCodes.USAGE, cl.execute("verify", "--no-such-option"));
    assertTrue(err.toString().startsWith("plumbline: Unknown option"), err.toString());
  }
}
