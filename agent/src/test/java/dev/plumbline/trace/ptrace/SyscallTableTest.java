package dev.plumbline.trace.ptrace;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.plumbline.trace.decode.Abi;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The numbers against the installed kernel headers (linux-libc-dev), the ground truth. */
class SyscallTableTest {
  /** __NR_x, and the generic header's __NR3264_x (the 64-bit name on aarch64). */
  private static final Pattern DEFINE = Pattern.compile("^#define __NR(?:3264)?_([a-z0-9_]+)\\s+(\\d+)");

  static Map<String, Integer> header(String path) throws IOException {
    Map<String, Integer> numbers = new HashMap<>();
    for (String line : Files.readAllLines(Path.of(path))) {
      Matcher m = DEFINE.matcher(line);
      if (m.find()) {
        numbers.put(m.group(1), Integer.parseInt(m.group(2)));
      }
    }
    assertTrue(numbers.size() > 200, "header " + path + " has syscall numbers");
    return numbers;
  }

  @Test
  void everyNumberMatchesTheKernelHeaders() throws IOException {
    Map<Abi, Map<String, Integer>> headers = Map.of(
        Abi.X86_64, header("/usr/include/x86_64-linux-gnu/asm/unistd_64.h"),
        Abi.I386, header("/usr/include/x86_64-linux-gnu/asm/unistd_32.h"),
        Abi.AARCH64, header("/usr/include/asm-generic/unistd.h"));
    for (SyscallTable s : SyscallTable.values()) {
      for (Abi abi : Abi.values()) {
        Integer expected = headers.get(abi).get(s.syscallName());
        assertEquals(expected == null ? -1 : expected, s.number(abi), s + " in " + abi);
      }
    }
  }

  @Test
  void lookupIsPerAbi() {
    assertEquals(SyscallTable.CONNECT, SyscallTable.lookup(Abi.X86_64, 42));
    assertEquals(SyscallTable.CONNECT, SyscallTable.lookup(Abi.I386, 362));
    assertEquals(SyscallTable.SOCKETCALL, SyscallTable.lookup(Abi.I386, 102));
    assertNull(SyscallTable.lookup(Abi.I386, 42)); // i386 42 is pipe
    assertEquals(SyscallTable.CONNECT, SyscallTable.lookup(Abi.AARCH64, 203));
  }
}
