package dev.plumbline.trace.ptrace;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.junit.jupiter.api.Test;

/** The ids the tracer takes to act as a build process, from its /proc/TID/status lines. */
class UnixDestinationsTest {
  @Test
  void effectiveIdsAndGroupsFromStatusLines() {
    UnixDestinations.Ids ids = UnixDestinations.ids("Uid:\t1000\t65534\t1000\t65534\nGid:\t100\t65533\t100\t65533\nGroups:\t4 24 27 \n");
    assertEquals(65534, ids.uid(), "effective uid, the second field");
    assertEquals(65533, ids.gid());
    assertArrayEquals(new int[] {4, 24, 27}, ids.groups());
    assertArrayEquals(new int[0], UnixDestinations.ids("Uid:\t0\t0\t0\t0\nGid:\t0\t0\t0\t0\nGroups:\n").groups(), "no groups");
    assertNull(UnixDestinations.ids("Uid:\t0\t0\t0\t0\n"), "no Gid line");
    assertNull(UnixDestinations.ids("Uid:\tx\nGid:\t0\t0\t0\t0\n"), "malformed");
  }
}
