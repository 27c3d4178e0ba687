package dev.plumbline.env;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** --user resolution against fixture passwd/group files, compared with what runuser would set. */
class AccountsTest {
  @TempDir Path root;

  @BeforeEach
  void files() throws Exception {
    Files.createDirectories(root.resolve("etc"));
    Files.writeString(root.resolve("etc/passwd"), "root:x:0:0:root:/root:/bin/bash\n"
        + "# a comment\nrunner:x:1001:127:,,,:/home/runner:/bin/bash\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n");
    Files.writeString(root.resolve("etc/group"), "root:x:0:\ndocker:x:999:runner\nadm:x:4:syslog,runner\n"
        + "docker2:x:998:runnerx\ndocker3:x:997:\nrunner:x:127:\nnogroup:x:65534:\n");
  }

  @Test
  void aNameGivesItsIdsSupplementaryGroupsAndHome() throws Exception {
    var a = Accounts.resolve("runner", root);
    assertEquals(1001, a.uid());
    assertEquals(127, a.gid());
    assertEquals(List.of(4, 127, 999), a.groups(), "primary group plus the groups that list the name exactly");
    assertEquals("/home/runner", a.home());
    assertEquals("/bin/bash", a.shell());
  }

  @Test
  void aNumberFindsTheSameUserAndAGroupCanBeGiven() throws Exception {
    assertEquals("runner", Accounts.resolve("1001", root).name());
    var withGroup = Accounts.resolve("runner:docker", root);
    assertEquals(999, withGroup.gid());
    assertTrue(withGroup.groups().contains(999));
    assertEquals(4242, Accounts.resolve("runner:4242", root).gid());
  }

  @Test
  void anUnknownNumberIsUsedAsIsWithoutGroupsOrHome() throws Exception {
    var a = Accounts.resolve("5000:5000", root);
    assertEquals(5000, a.uid());
    assertEquals(List.of(5000), a.groups());
    assertNull(a.name());
    assertNull(a.home());
  }

  @Test
  void unknownNamesAndMalformedSpecsAreRefusedWithOneLine() {
    var e = assertThrows(Accounts.UnknownUserException.class, () -> Accounts.resolve("mallory", root));
    assertTrue(e.getMessage().contains("mallory"), e.getMessage());
    assertThrows(Accounts.UnknownUserException.class, () -> Accounts.resolve("runner:nosuch", root));
    assertThrows(Accounts.UnknownUserException.class, () -> Accounts.resolve(":1", root));
    assertThrows(Accounts.UnknownUserException.class, () -> Accounts.resolve("runner:", root));
    assertThrows(Accounts.UnknownUserException.class, () -> Accounts.resolve("99999999999", root));
  }

  @Test
  void readabilityFollowsTheModeBitsForTheBuildUser() throws Exception {
    Path key = Files.writeString(root.resolve("k.key"), "secret");
    Files.setAttribute(key, "unix:uid", 1001);
    Files.setAttribute(key, "unix:gid", 127);
    Files.setPosixFilePermissions(key, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
    assertTrue(Accounts.mayRead(key, 1001, List.of(127)));
    assertEquals(false, Accounts.mayRead(key, 1002, List.of(127)));
    Files.setPosixFilePermissions(key, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r-----"));
    assertTrue(Accounts.mayRead(key, 1002, List.of(127)));
    assertEquals(false, Accounts.mayRead(key, 1002, List.of(5)));
    assertTrue(Accounts.mayRead(key, 0, List.of()), "root reads everything");
  }
}
