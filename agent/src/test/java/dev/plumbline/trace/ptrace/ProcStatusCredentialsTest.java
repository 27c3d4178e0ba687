package dev.plumbline.trace.ptrace;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Credentials from /proc/PID/status text (a fixture in the kernel's format) and what counts as a gain. */
class ProcStatusCredentialsTest {
  private static String status(String uid, String gid, String capPrm, String capEff) {
    return "Name:\tsudo\nUmask:\t0022\nState:\tR (running)\nTgid:\t4242\nPid:\t4242\nPPid:\t4200\n"
        + "Uid:\t" + uid + "\nGid:\t" + gid + "\nFDSize:\t64\nGroups:\t65534 \n"
        + "CapInh:\t0000000000000000\nCapPrm:\t" + capPrm + "\nCapEff:\t" + capEff + "\nCapBnd:\t000001ffffffffff\n";
  }

  @Test
  void theBuildUserHoldsNothingMore() {
    var c = ProcStatus.credentials(status("1001\t1001\t1001\t1001", "1001\t1001\t1001\t1001", "0000000000000000", "0000000000000000"));
    assertEquals(1001, c.euid());
    assertNull(c.gainedOver(1001, 1001));
  }

  @Test
  void aSetuidRootExecIsAGain() {
    var c = ProcStatus.credentials(status("1001\t0\t0\t0", "1001\t1001\t1001\t1001", "000001ffffffffff", "000001ffffffffff"));
    assertTrue(c.gainedOver(1001, 1001).startsWith("runs as root"), c.gainedOver(1001, 1001));
  }

  @Test
  void setgidAndCapabilitiesAreGains() {
    var sgid = ProcStatus.credentials(status("1001\t1001\t1001\t1001", "1001\t42\t42\t42", "0000000000000000", "0000000000000000"));
    assertTrue(sgid.gainedOver(1001, 1001).startsWith("runs with another group"));
    var caps = ProcStatus.credentials(status("1001\t1001\t1001\t1001", "1001\t1001\t1001\t1001", "0000000000002000", "0000000000002000"));
    assertTrue(caps.gainedOver(1001, 1001).startsWith("holds capabilities"));
  }

  @Test
  void malformedOrMissingLinesGiveNothing() {
    assertNull(ProcStatus.credentials("Name:\tx\nUid:\t1\t1\n"));
    assertNull(ProcStatus.credentials(status("a\tb\tc\td", "1\t1\t1\t1", "0", "0")));
  }

  @Test
  void peakResidentSetInKib() {
    assertEquals(81234, ProcStatus.peakRssKib("Name:\tjava\nVmPeak:\t 4000000 kB\nVmHWM:\t   81234 kB\nVmRSS:\t 70000 kB\n"));
    assertEquals(-1, ProcStatus.peakRssKib("Name:\tjava\nVmRSS:\t 70000 kB\n"));
    assertEquals(-1, ProcStatus.peakRssKib("VmHWM:\t many kB\n"));
  }
}
