package dev.plumbline.trace.ptrace;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.plumbline.linux.TracerCalls;
import dev.plumbline.trace.TraceEvent;
import dev.plumbline.trace.decode.ProcMaps;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What an exec stop reads of the process's personality, on a /proc laid out in a folder (the
 * kernel's formats): a process that runs with READ_IMPLIES_EXEC after its exec makes the record
 * incomplete. Live, the filter refuses the personality (TracerAttacksTest); a process can only
 * have it from the kernel (an ia32 program without PT_GNU_STACK, which this kernel cannot run) or
 * from before the trace where its exec keeps it (not x86_64's exec of a 64-bit program), so it is
 * read only where it can be.
 */
class LibraryStopsTest {
  /** An ia32 program's maps at its exec stop: nothing at or above 4 GiB. */
  private static final String MAPS_32 = "00400000-00401000 r-xp 00000000 08:01 1234 /usr/bin/legacy\n"
      + "f7f00000-f7f20000 r-xp 00000000 08:01 99 /lib/ld-linux.so.2\n"
      + "ffd00000-ffd21000 rw-p 00000000 00:00 0 [stack]\n";
  /** An x86_64 program's: its stack, vdso and vsyscall page are far above 4 GiB. */
  private static final String MAPS_64 = "55d0c8a00000-55d0c8a02000 r-xp 00000000 08:01 777 /usr/bin/tool\n"
      + "7f3a1c000000-7f3a1c02b000 r-xp 00000000 08:01 98 /usr/lib64/ld-linux-x86-64.so.2\n"
      + "7ffd5a100000-7ffd5a121000 rw-p 00000000 00:00 0 [stack]\n"
      + "ffffffffff600000-ffffffffff601000 --xp 00000000 00:00 0 [vsyscall]\n";

  private final List<TraceEvent> events = new ArrayList<>();

  private LibraryStops stops(Path proc) throws Exception {
    TracerCalls calls = new TracerCalls();
    return new LibraryStops(calls, proc.toString(), new Reporter(calls, proc.toString(), events::add));
  }

  /** Process 42's exec stop, with these maps and this personality; the gaps reported so far. */
  private List<TraceEvent.Incomplete> exec(LibraryStops stops, Path proc, String maps, String personality)
      throws Exception {
    Path pid = Files.createDirectories(proc.resolve("42"));
    Files.writeString(pid.resolve("maps"), maps);
    Files.writeString(pid.resolve("personality"), personality);
    String program = maps.substring(maps.indexOf('/'), maps.indexOf('\n'));
    stops.exec(42, program, false);
    String interpreter = maps.lines().skip(1).findFirst().orElseThrow().replaceAll(".* ", "");
    assertTrue(events.stream().anyMatch(e -> e instanceof TraceEvent.Mapped m && m.path().equals(interpreter)),
        "the interpreter is still listed: " + events);
    // by name, with the device and inode the maps show (08:01 is st_dev 0x801), which the file opened must have
    TraceEvent.Mapped m = events.stream().filter(TraceEvent.Mapped.class::isInstance).map(TraceEvent.Mapped.class::cast)
        .filter(e -> e.path().equals(interpreter)).findFirst().orElseThrow();
    assertEquals(List.of(-1L, 0x801L), List.of((long) m.fd(), m.device()));
    return events.stream().filter(TraceEvent.Incomplete.class::isInstance).map(TraceEvent.Incomplete.class::cast).toList();
  }

  private List<TraceEvent.Incomplete> execWith(Path proc, String personality) throws Exception {
    return exec(stops(proc), proc, MAPS_32, personality);
  }

  @Test
  void aProgramRunningWithReadImpliesExecMakesTheRecordIncomplete(@TempDir Path proc) throws Exception {
    List<TraceEvent.Incomplete> gaps = execWith(proc, "00400008\n"); // READ_IMPLIES_EXEC | PER_LINUX32
    assertEquals(1, gaps.size(), gaps.toString());
    assertEquals("/usr/bin/legacy runs with the READ_IMPLIES_EXEC personality: code it runs from files it maps"
        + " readable is not in the record", gaps.get(0).reason());
  }

  @Test
  void otherPersonalitiesChangeNothing(@TempDir Path proc) throws Exception {
    assertEquals(List.of(), execWith(proc.resolve("a"), "00000000\n"));
    assertEquals(List.of(), execWith(proc.resolve("b"), "00040000\n")); // ADDR_NO_RANDOMIZE (setarch -R)
    assertEquals(List.of(), execWith(proc.resolve("c"), "garbage\n"));
  }

  /**
   * The read is made where the flag can be: at the build's first exec (inherited from the agent),
   * at a 32-bit program's, and at every exec once one process was found with it (aarch64 keeps it
   * across a 64-bit exec). x86_64 drops it at a 64-bit program's exec, so the storm's thousands of
   * 64-bit execs read nothing more: a flag file those would show is not read.
   */
  @Test
  void thePersonalityIsReadWhereAnExecCanHaveTheFlag(@TempDir Path proc) throws Exception {
    String flagged = "00400000\n";
    LibraryStops inheritedByTheFirst = stops(proc.resolve("a"));
    assertEquals(1, exec(inheritedByTheFirst, proc.resolve("a"), MAPS_64, flagged).size(), "the first exec is read");

    LibraryStops stops = stops(proc.resolve("b"));
    events.clear();
    assertEquals(List.of(), exec(stops, proc.resolve("b"), MAPS_64, "00000000\n"));
    assertEquals(List.of(), exec(stops, proc.resolve("b"), MAPS_64, flagged), "a later 64-bit exec is not read");
    assertEquals(List.of(), exec(stops, proc.resolve("b"), MAPS_32, "00000000\n"));
    List<TraceEvent.Incomplete> gaps = exec(stops, proc.resolve("b"), MAPS_32, flagged);
    assertEquals(1, gaps.size(), "a 32-bit exec is read: " + gaps);
    gaps = exec(stops, proc.resolve("b"), MAPS_64, flagged);
    assertEquals(2, gaps.size(), "after a process had it, a 64-bit exec is read too: " + gaps);
    assertEquals("/usr/bin/tool runs with the READ_IMPLIES_EXEC personality: code it runs from files it maps"
        + " readable is not in the record", gaps.get(1).reason());
  }

  @Test
  void aThirtyTwoBitAddressSpaceIsOneWithNothingAtOrAboveFourGiB() {
    assertTrue(LibraryStops.addressSpaceIs32Bit(ProcMaps.parse(MAPS_32.getBytes(StandardCharsets.US_ASCII))));
    assertFalse(LibraryStops.addressSpaceIs32Bit(ProcMaps.parse(MAPS_64.getBytes(StandardCharsets.US_ASCII))));
    assertFalse(LibraryStops.addressSpaceIs32Bit(ProcMaps.parse(
        "fffff000-100001000 r--p 00000000 08:01 5 /x\n".getBytes(StandardCharsets.US_ASCII))));
    assertTrue(LibraryStops.addressSpaceIs32Bit(ProcMaps.parse(
        "fffff000-100000000 r--p 00000000 08:01 5 /x\n".getBytes(StandardCharsets.US_ASCII))));
  }
}
