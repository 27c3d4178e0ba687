package dev.plumbline.env;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.TreeSet;

/**
 * Who {@code plumbline run --user NAME|UID[:GID]} means, read from {@code ROOT/etc/passwd} and
 * {@code ROOT/etc/group} as runuser(1) would use them: the user's primary group unless one is
 * given, the supplementary groups that list the user by name, and the home directory. Accounts only
 * known to NSS services (LDAP, sssd) are not read: name them by number.
 */
public final class Accounts {
  /** A resolved build user; {@code name} and {@code home} are null for an unknown numeric uid. */
  public record Account(String name, int uid, int gid, List<Integer> groups, String home, String shell) {
    public Account {
      groups = List.copyOf(groups);
    }
  }

  /** The spec does not name a user this machine knows, or is malformed. */
  public static final class UnknownUserException extends Exception {
    UnknownUserException(String message) {
      super(message);
    }
  }

  private Accounts() {}

  public static Account resolve(String spec, Path root) throws UnknownUserException {
    String userPart = spec;
    String groupPart = null;
    int colon = spec.indexOf(':');
    if (colon >= 0) {
      userPart = spec.substring(0, colon);
      groupPart = spec.substring(colon + 1);
    }
    if (userPart.isEmpty() || (groupPart != null && groupPart.isEmpty())) {
      throw new UnknownUserException("--user must be NAME, UID or UID:GID, not '" + spec + "'");
    }
    List<String> passwd = lines(root.resolve("etc/passwd"));
    List<String> group = lines(root.resolve("etc/group"));
    String[] entry = null;
    for (String line : passwd) {
      String[] f = line.split(":", -1);
      if (f.length >= 7 && (f[0].equals(userPart) || f[2].equals(userPart))) {
        entry = f;
        break;
      }
    }
    Integer numericUid = number(userPart);
    if (entry == null && numericUid == null) {
      throw new UnknownUserException("--user: no user '" + userPart + "' in " + root.resolve("etc/passwd"));
    }
    int uid = entry != null ? Integer.parseInt(entry[2]) : numericUid;
    int gid;
    if (groupPart != null) {
      Integer g = number(groupPart);
      if (g == null) {
        g = groupId(group, groupPart);
      }
      if (g == null) {
        throw new UnknownUserException("--user: no group '" + groupPart + "' in " + root.resolve("etc/group"));
      }
      gid = g;
    } else if (entry != null) {
      gid = Integer.parseInt(entry[3]);
    } else {
      gid = uid; // an unknown numeric uid without a group: its own number, as container runtimes do
    }
    TreeSet<Integer> groups = new TreeSet<>();
    groups.add(gid);
    if (entry != null) {
      String name = entry[0];
      for (String line : group) {
        String[] f = line.split(":", -1);
        if (f.length >= 4 && number(f[2]) != null && List.of(f[3].split(",")).contains(name)) {
          groups.add(Integer.parseInt(f[2]));
        }
      }
    }
    return entry != null
        ? new Account(entry[0], uid, gid, List.copyOf(groups), entry[5], entry[6])
        : new Account(null, uid, gid, List.copyOf(groups), null, null);
  }

  private static Integer groupId(List<String> group, String name) {
    for (String line : group) {
      String[] f = line.split(":", -1);
      if (f.length >= 3 && f[0].equals(name)) {
        return number(f[2]);
      }
    }
    return null;
  }

  private static Integer number(String s) {
    if (!s.matches("[0-9]{1,10}")) {
      return null;
    }
    long v = Long.parseLong(s);
    return v <= Integer.MAX_VALUE ? (int) v : null;
  }

  private static List<String> lines(Path file) {
    try {
      return Files.readAllLines(file, StandardCharsets.UTF_8).stream()
          .filter(l -> !l.isBlank() && !l.startsWith("#"))
          .toList();
    } catch (IOException e) {
      return List.of();
    }
  }

  /** Whether {@code uid} with {@code gids} may read {@code file} by its mode bits (root: always). */
  public static boolean mayRead(Path file, int uid, List<Integer> gids) {
    if (uid == 0) {
      return true; // CAP_DAC_OVERRIDE
    }
    try {
      int owner = (Integer) Files.getAttribute(file, "unix:uid");
      int fileGid = (Integer) Files.getAttribute(file, "unix:gid");
      int mode = (Integer) Files.getAttribute(file, "unix:mode");
      if (owner == uid) {
        return (mode & 0400) != 0;
      }
      if (gids.contains(fileGid)) {
        return (mode & 0040) != 0;
      }
      return (mode & 0004) != 0;
    } catch (IOException | UnsupportedOperationException | ClassCastException e) {
      return true; // unknown: assume the build can read it
    }
  }
}
