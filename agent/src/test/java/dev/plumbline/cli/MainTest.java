package dev.plumbline.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
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

  @Test
  void noOptionNeedsAConverterPicocliIsToldToLeaveOut() {
    List<String> needing = new ArrayList<>();
    List<CommandLine> commands = new ArrayList<>(List.of(Main.commandLine()));
    for (int i = 0; i < commands.size(); i++) {
      CommandLine c = commands.get(i);
      commands.addAll(c.getSubcommands().values().stream().filter(sub -> sub.getParent() == c).toList());
      for (CommandLine.Model.ArgSpec arg : c.getCommandSpec().args()) {
        if (arg.converters().length > 0) {
          continue; // its own
        }
        List<Class<?>> types = new ArrayList<>(List.of(arg.type()));
        types.addAll(List.of(arg.auxiliaryTypes()));
        for (Class<?> type : types) {
          for (String excluded : Main.CONVERTERS_LEFT_OUT.split(",")) {
            if (type.getName().matches(excluded)) {
              needing.add(c.getCommandName() + " " + arg + ": " + type.getName());
            }
          }
        }
      }
    }
    assertTrue(commands.size() > 5, "every command visited: " + commands.size());
    assertEquals(List.of(), needing);
  }
}
