package dev.plumbline.trace.ptrace;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.plumbline.linux.TracerCalls;
import dev.plumbline.trace.TraceEvent;
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
 * from before the trace where its exec keeps it (not x86_64's exec of a 64-bit program).
 */
class LibraryStopsTest {
  private static List<TraceEvent.Incomplete> execWith(Path proc, String personality) throws Exception {
    Path pid = Files.createDirectories(proc.resolve("42"));
    Files.writeString(pid.resolve("maps"),
        "00400000-00401000 r-xp 00000000 08:01 1234 /usr/bin/legacy\n"
            + "f7f00000-f7f20000 r-xp 00000000 08:01 99 /lib/ld-linux.so.2\n");
    Files.writeString(pid.resolve("personality"), personality);
    List<TraceEvent> events = new ArrayList<>();
    TracerCalls calls = new TracerCalls();
    Reporter out = new Reporter(calls, proc.toString(), events::add);
    new LibraryStops(calls, proc.toString(), out).exec(42, "/usr/bin/legacy");
    assertTrue(events.stream().anyMatch(e -> e instanceof TraceEvent.Mapped m && m.path().equals("/lib/ld-linux.so.2")),
        "the interpreter is still listed: " + events);
    return events.stream().filter(TraceEvent.Incomplete.class::isInstance).map(TraceEvent.Incomplete.class::cast).toList();
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
}
