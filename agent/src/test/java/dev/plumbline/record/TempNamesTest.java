package dev.plumbline.record;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

class TempNamesTest {
  @Test
  void gccTemporaries() {
    assertEquals(List.of("as", "--64", "-o", "/tmp/ccXXXXXX.o", "/tmp/ccXXXXXX.s"),
        TempNames.mask(List.of("as", "--64", "-o", "/tmp/cc5PfXch.o", "/tmp/cc8EPZG7.s")));
    assertEquals("/tmp/ccXXXXXX.ltrans0.ltrans.o", TempNames.mask("/tmp/ccAb12Cd.ltrans0.ltrans.o"));
    assertEquals("@/tmp/ccXXXXXX", TempNames.mask("@/tmp/ccAb12Cd")); // a response file
    assertEquals("-plugin-opt=-fresolution=/tmp/ccXXXXXX.res", TempNames.mask("-plugin-opt=-fresolution=/tmp/ccQw3rTy.res"));
    assertEquals("/var/tmp/ccXXXXXX.i", TempNames.mask("/var/tmp/ccQw3rTy.i"));
  }

  @Test
  void pythonAndMktemp() {
    assertEquals("/tmp/tmpXXXXXXXX.json", TempNames.mask("/tmp/tmpk3j_9a0b.json"));
    assertEquals("/tmp/tmpXXXXXXXX/out", TempNames.mask("/tmp/tmpk3j_9a0b/out"));
    assertEquals("/tmp/tmp.XXXXXXXXXX", TempNames.mask("/tmp/tmp.AbCdE12345"));
    assertEquals("sh -c 'cat /tmp/tmp.XXXXXXXXXX'", TempNames.mask("sh -c 'cat /tmp/tmp.AbCdE12345'"));
  }

  @Test
  void everythingElseIsKept() {
    for (String keep : List.of(
        "/tmp/cc", "/tmp/ccshort.s", "/tmp/cc1234567.s", "/tmp/evil-payload", "/tmp/ccache/x.o",
        "/home/me/tmp/ccAb12Cd.s", "./tmp/ccAb12Cd.s", "/tmp/sub/ccAb12Cd.s", "/tmp/tmpfile", "/tmp/TMPABCDEFGH",
        "/tmp/tmp.short", "ccAb12Cd.s", "-O2", "")) {
      assertEquals(keep, TempNames.mask(keep), keep);
    }
  }
}
