package dev.plumbline.trace.decode;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** /proc/PID/maps lines as the kernel writes them (copied from a process on this machine). */
class ProcMapsTest {
  private static final String MAPS = ""
      + "560ba0041000-560ba0043000 r--p 00000000 fe:00 260131                     /usr/bin/cat\n"
      + "560ba0043000-560ba0048000 r-xp 00002000 fe:00 260131                     /usr/bin/cat\n"
      + "7f6156d5e000-7f6156eb3000 r-xp 00026000 fe:00 262266                     /usr/lib/x86_64-linux-gnu/libc.so.6\n"
      + "7f6156f00000-7f6156f01000 r-xp 00000000 00:05 1034            /memfd:x (deleted)\n"
      + "7f6156f51000-7f6156f52000 rwxp 00000000 00:00 0 \n"
      + "7ffd5a1d2000-7ffd5a1f3000 rw-p 00000000 00:00 0                          [stack]\n"
      + "7ffd5a1f8000-7ffd5a1fa000 r-xp 00000000 00:00 0                          [vdso]\n"
      + "ffffffffff600000-ffffffffff601000 --xp 00000000 00:00 0                  [vsyscall]\n"
      + "7f6156f52000-7f6156f53000 r-xp 00000000 103:02 99  /tmp/a dir/with spaces\\012and a newline.so\n"
      + "garbage line\n";

  @Test
  void parsesEveryWellFormedLine() {
    List<ProcMaps.Mapping> maps = ProcMaps.parse(MAPS.getBytes(StandardCharsets.UTF_8));
    assertEquals(9, maps.size());
    ProcMaps.Mapping libc = maps.get(2);
    assertEquals(0x7f6156d5e000L, libc.start());
    assertEquals(0x7f6156eb3000L, libc.end());
    assertEquals(0x26000, libc.offset());
    assertEquals(0xfe, libc.major());
    assertEquals(262266, libc.inode());
    assertEquals("/usr/lib/x86_64-linux-gnu/libc.so.6", libc.path());
    assertTrue(libc.executable() && libc.fileBacked());
    assertFalse(maps.get(0).executable());
    assertEquals("", maps.get(4).path());
    assertFalse(maps.get(4).fileBacked(), "anonymous JIT memory");
    assertFalse(maps.get(6).fileBacked(), "[vdso]");
    assertEquals(0xffffffffff600000L, maps.get(7).start(), "addresses above 2^63 are unsigned");
    assertEquals(0x103, maps.get(8).major());
    assertEquals("/tmp/a dir/with spaces\nand a newline.so", maps.get(8).path());
  }

  @Test
  void overlapIsHalfOpenAndUnsigned() {
    ProcMaps.Mapping m = ProcMaps.parse(MAPS.getBytes(StandardCharsets.UTF_8)).get(2);
    assertTrue(m.overlaps(0x7f6156d5e000L, 0x7f6156d5f000L));
    assertTrue(m.overlaps(0x7f6156eb2fffL, 0x7f6156eb4000L));
    assertFalse(m.overlaps(0x7f6156eb3000L, 0x7f6156eb4000L));
    assertFalse(m.overlaps(0x7f6156d5d000L, 0x7f6156d5e000L));
    assertTrue(ProcMaps.parse(MAPS.getBytes(StandardCharsets.UTF_8)).get(7).overlaps(0xffffffffff600000L, 0xffffffffff600010L));
  }

  @Test
  void malformedNumbersSkipTheLineOnly() {
    String maps = ""
        + "zz-560ba0043000 r-xp 00002000 fe:00 260131 /bad/start\n"
        + "560ba0041000-560ba0043000 r-xp 0000g000 fe:00 260131 /bad/offset\n"
        + "560ba0041000-560ba0043000 r-xp 00002000 fe00 260131 /no/colon\n"
        + "560ba0041000-560ba0043000 r-xp 00002000 fe:00 99999999999999999999 /inode/too/big\n"
        + "560ba0041000-560ba0043000 r-xp 00002000 fe:00 9223372036854775808 /inode/above/long\n"
        + "1ffffffffffffffff-2 r-xp 00002000 fe:00 1 /seventeen/digits\n"
        + "560ba0041000-560ba0043000 r-xp 00002000 fe:00 9223372036854775807 /inode/max\n";
    List<ProcMaps.Mapping> parsed = ProcMaps.parse(maps.getBytes(StandardCharsets.UTF_8));
    assertEquals(1, parsed.size());
    assertEquals(Long.MAX_VALUE, parsed.get(0).inode());
    assertEquals("/inode/max", parsed.get(0).path());
  }

  @Test
  void emptyAndNullInput() {
    assertEquals(List.of(), ProcMaps.parse(null));
    assertEquals(List.of(), ProcMaps.parse(new byte[0]));
  }
}
