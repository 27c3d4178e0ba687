package dev.plumbline.trace.decode;

import static dev.plumbline.trace.decode.Fixtures.bytes;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

class CmdlineTest {
  @Test
  void splitsOnNul() {
    byte[] raw = bytes().ascii("gcc").u8(0).ascii("-O2").u8(0).ascii("-c").u8(0).ascii("main.c").u8(0).build();
    assertEquals(List.of("gcc", "-O2", "-c", "main.c"), Cmdline.parse(raw));
  }

  @Test
  void keepsEmptyArgumentsAndWhitespace() {
    byte[] raw = bytes().ascii("sh").u8(0).ascii("-c").u8(0).ascii("echo a\nb").u8(0).u8(0).ascii("x").u8(0).build();
    assertEquals(List.of("sh", "-c", "echo a\nb", "", "x"), Cmdline.parse(raw));
  }

  @Test
  void missingFinalNulAndRewrittenTitle() {
    assertEquals(List.of("nginx: worker process"), Cmdline.parse(bytes().ascii("nginx: worker process").build()));
  }

  @Test
  void emptyAndUtf8AndInvalidBytes() {
    assertEquals(List.of(), Cmdline.parse(new byte[0]));
    assertEquals(List.of("échec"), Cmdline.parse(bytes().ascii("échec").u8(0).build()));
    assertEquals(List.of("a\\xffb"), Cmdline.parse(bytes().ascii("a").u8(0xff).ascii("b").u8(0).build()));
  }
}
