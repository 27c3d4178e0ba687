package dev.plumbline.trace.decode;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.junit.jupiter.api.Test;

class AbiTest {
  @Test
  void pointerSizes() {
    assertEquals(8, Abi.X86_64.pointerSize());
    assertEquals(4, Abi.I386.pointerSize());
    assertEquals(8, Abi.AARCH64.pointerSize());
  }

  @Test
  void fromAuditArch() {
    assertEquals(Abi.X86_64, Abi.ofAuditArch(0xC000003E));
    assertEquals(Abi.I386, Abi.ofAuditArch(0x40000003));
    assertEquals(Abi.AARCH64, Abi.ofAuditArch(0xC00000B7));
    assertNull(Abi.ofAuditArch(0x40000028)); // 32-bit ARM
  }
}
