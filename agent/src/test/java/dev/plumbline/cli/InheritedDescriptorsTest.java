package dev.plumbline.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class InheritedDescriptorsTest {
  @TempDir Path fds;

  @Test
  void passesTheListedOpenDescriptorsButTheAgentsOwn() throws Exception {
    for (String n : List.of("3", "4", "7", "9", "12")) {
      Files.createFile(fds.resolve(n)); // stands for /proc/self/fd
    }
    Map<String, String> env = Map.of(InheritedDescriptors.VARIABLE, " 4 3 5 7 9 12 x 1 2 99999999 ");
    List<String> agentArgs = List.of("run", "--key", "/dev/fd/7", "--allow-file=/proc/self/fd/9", "--record", "r.json", "--");
    assertEquals(List.of(3, 4, 12), InheritedDescriptors.toPass(env, agentArgs, fds),
        "5 is not open, 7 and 9 are read by plumbline, 1 and 2 are stdio, x and 99999999 are not descriptors");
  }

  @Test
  void withoutTheLaunchersListTheBuildGetsStdioOnly() {
    assertEquals(List.of(), InheritedDescriptors.toPass(Map.of(), List.of(), fds));
    assertEquals(List.of(), InheritedDescriptors.toPass(Map.of(InheritedDescriptors.VARIABLE, ""), List.of(), fds));
  }
}
