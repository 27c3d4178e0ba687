package dev.plumbline.trace.decode;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class AbiTest {
  @Test
  void pointerSizes() {
    assertEquals(8, Abi.X86_64.pointerSize());
    assertEquals(4, Abi.I386.pointerSize());
    assertEquals(4, Abi.X32.pointerSize());
    assertEquals(8, Abi.AARCH64.pointerSize());
  }

  @Test
  void fromAuditArch() throws DecodeException {
    assertEquals(Abi.X86_64, Abi.of(0xC000003E, 42));
    assertEquals(Abi.X32, Abi.of(0xC000003E, 0x40000000L | 42));
    assertEquals(Abi.I386, Abi.of(0x40000003, 362));
    assertEquals(Abi.AARCH64, Abi.of(0xC00000B7, 203));
    DecodeException e = assertThrows(DecodeException.class, () -> Abi.of(0x40000028, 1));
    assertEquals("unsupported syscall architecture 0x40000028", e.getMessage());
  }
}
