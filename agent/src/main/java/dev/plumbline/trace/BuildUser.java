package dev.plumbline.trace;

import java.util.List;

/**
 * The user a privileged agent runs the build as ({@code plumbline run --user}): the build's shell
 * takes these ids before it runs anything of the build, so no build process ever holds the agent's.
 *
 * @param groups the supplementary groups, as initgroups(3) would set them for the user
 */
public record BuildUser(int uid, int gid, List<Integer> groups) {
  public BuildUser {
    if (uid < 0 || gid < 0) {
      throw new IllegalArgumentException("uid and gid must not be negative");
    }
    groups = List.copyOf(groups);
  }
}
