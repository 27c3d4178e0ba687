package dev.plumbline.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;

class ProgressTest {
  @Test
  void aPhaseOverTheThresholdIsAnnouncedAndItsDurationShown() throws Exception {
    StringWriter out = new StringWriter();
    Progress p = new Progress(new PrintWriter(out), 0);
    p.start("signing");
    for (int i = 0; i < 1000 && !out.toString().contains("signing…"); i++) {
      Thread.sleep(10);
    }
    p.done();
    assertTrue(out.toString().startsWith("plumbline: signing…\nplumbline: signing: done in "), out.toString());
  }

  @Test
  void aPhaseBelowTheThresholdPrintsNothing() {
    StringWriter out = new StringWriter();
    Progress p = new Progress(new PrintWriter(out), 3_600_000);
    p.start("collecting");
    p.start("signing");
    p.done();
    assertEquals("", out.toString());
  }

  @Test
  void aFailedPhaseIsNotSaidToBeDone() throws Exception {
    StringWriter out = new StringWriter();
    Progress p = new Progress(new PrintWriter(out), 0);
    p.start("loading the signer");
    for (int i = 0; i < 1000 && !out.toString().contains("signer…"); i++) {
      Thread.sleep(10);
    }
    p.failed();
    assertEquals("plumbline: loading the signer…\n", out.toString().replace(System.lineSeparator(), "\n"));
  }
}
